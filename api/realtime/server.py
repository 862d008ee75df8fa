"""The Socket.IO server of one web process and what REST handlers use to reach sockets.

With `SOCKETIO_MANAGER=redis` (the default) every emit goes through Redis pub/sub, so a
socket connected to any web process receives it; room joins for a socket held by another
process travel the same way. The Redis client is created here, when the app is built,
never at import time.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import socketio
from socketio.async_pubsub_manager import AsyncPubSubManager

from config.logging import get_logger
from config.settings import Settings
from domain.messaging.presence import online_sockets
from domain.messaging.views import message_view
from infra.resources import Resources
from infra.socket_rooms import conversation_room

SOCKETIO_PATH = "socket.io"
log = get_logger(__name__)


async def best_effort(what: str, push: Awaitable[Any]) -> None:
    """Live delivery never fails a write that already succeeded: the message is stored and
    clients catch up from REST; a Redis hiccup only costs the live copy."""
    try:
        await push
    except Exception as exc:
        log.warning("realtime_push_failed", what=what, error=type(exc).__name__)


class Realtime:
    """Emits to sockets wherever they are connected (this process or another)."""

    def __init__(self, sio: socketio.AsyncServer, resources: Callable[[], Resources]) -> None:
        self.sio = sio
        self.resources = resources

    async def message_new(self, message: dict[str, Any], *, skip_sid: str | None = None) -> None:
        await best_effort(
            "message:new",
            self.sio.emit(
                "message:new",
                message_view(message),
                room=conversation_room(message["conversation_id"]),
                skip_sid=skip_sid,
            ),
        )

    async def message_read(self, state: dict[str, Any]) -> None:
        payload = {k: state[k] for k in ("conversation_id", "user_id", "message_id")}
        room = conversation_room(state["conversation_id"])
        await best_effort("message:read", self.sio.emit("message:read", payload, room=room))

    async def typing(
        self, conversation_id: str, user_id: str, typing: bool, *, skip_sid: str
    ) -> None:
        payload = {"conversation_id": conversation_id, "user_id": user_id, "typing": typing}
        room = conversation_room(conversation_id)
        await best_effort("typing", self.sio.emit("typing", payload, room=room, skip_sid=skip_sid))

    async def conversation_opened(self, conversation: dict[str, Any]) -> None:
        """Put the participants' open sockets, on whichever process, in the new room.

        A socket connecting meanwhile registers its presence before it reads its
        conversations, so it either finds this conversation or is found here."""
        await best_effort("conversation:opened", self._join_participants(conversation))

    async def _join_participants(self, conversation: dict[str, Any]) -> None:
        room = conversation_room(str(conversation["_id"]))
        redis = self.resources().redis
        manager = self.sio.manager
        # Only a pub/sub manager can reach a socket held by another process; an in-memory
        # one skips ids it does not hold (left in Redis by a process that stopped).
        shared = isinstance(manager, AsyncPubSubManager)
        for user_id in conversation["participant_ids"]:
            for sid in await online_sockets(redis, user_id):
                if shared or manager.is_connected(sid, "/"):
                    await self.sio.enter_room(sid, room)


def create_manager(settings: Settings) -> socketio.AsyncManager:
    if settings.realtime.manager == "memory":
        return socketio.AsyncManager()
    return socketio.AsyncRedisManager(settings.redis.url, channel=settings.realtime.channel)


def create_realtime(settings: Settings, resources: Callable[[], Resources]) -> Realtime:
    from api.realtime.gateway import Gateway

    sio = socketio.AsyncServer(
        async_mode="asgi",
        client_manager=create_manager(settings),
        # Browsers on these origins may connect; native clients send no Origin header.
        cors_allowed_origins=settings.app.cors_origins or None,
        logger=False,
        engineio_logger=False,
    )
    realtime = Realtime(sio, resources)
    Gateway(realtime, settings).register()
    return realtime


def mount(app: Any) -> Any:
    """The ASGI app to serve: Socket.IO at /socket.io, everything else (and the lifespan
    that opens the clients) goes to Litestar."""
    realtime: Realtime = app.state.realtime
    return socketio.ASGIApp(realtime.sio, other_asgi_app=app, socketio_path=SOCKETIO_PATH)
