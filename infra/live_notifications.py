"""In-app notifications pushed to their user's open sockets as soon as they are stored.

The streams process stores notifications; the sockets live in the web processes. With the
Redis Socket.IO manager (`SOCKETIO_MANAGER=redis`, the default) any process can emit to a
room through the channel the web processes listen on, so every socket of the user, on
whichever web process, gets `notification:new` with the notification as
`GET /api/v1/notifications` lists it. Live delivery is a courtesy: a client that was not
connected, or missed it while Redis was away, finds the notification through REST. With
the in-memory manager no other process can reach the sockets, and nothing is pushed.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import socketio

from config.logging import get_logger
from config.settings import Settings
from infra.socket_rooms import user_room

EVENT = "notification:new"
# Never hold the notifications processor up for long on a live copy, nor again and again
# while Redis is away.
EMIT_TIMEOUT_SECONDS = 1.0
PAUSE_AFTER_FAILURE_SECONDS = 5.0

log = get_logger(__name__)


class LiveNotifications:
    def __init__(self, settings: Settings) -> None:
        self._manager: Any = None
        self._paused_until = 0.0
        if settings.realtime.manager == "redis":
            # Write-only: publishes on the web processes' channel, never subscribes.
            self._manager = socketio.AsyncRedisManager(
                settings.redis.url, channel=settings.realtime.channel, write_only=True
            )

    async def push(self, user_id: str, notification: dict[str, Any]) -> None:
        if self._manager is None or time.monotonic() < self._paused_until:
            return
        try:
            await asyncio.wait_for(
                self._manager.emit(EVENT, notification, room=user_room(user_id), namespace="/"),
                EMIT_TIMEOUT_SECONDS,
            )
        except Exception as exc:
            self._paused_until = time.monotonic() + PAUSE_AFTER_FAILURE_SECONDS
            log.warning("live_notification_failed", error=type(exc).__name__)
