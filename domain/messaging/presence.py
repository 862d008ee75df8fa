"""Who is connected to the real-time channel right now, across every web process.

Each connected socket is a member of the sorted set `presence:user:<user_id>`, scored with
the epoch second until which it counts as live. The web process holding the socket adds it
on connect, pushes its score forward every third of the TTL and removes it on disconnect; a
socket of a process that died stops counting once its score passes, and the key itself
expires one TTL after its last refresh. Nothing else needs cleaning up.

`is_online(redis, user_id)` is the cheap check (one ZCOUNT) for whoever decides between a
push and a live delivery: the notifications processor skips the push for a recipient who
is online, since the socket already received `message:new`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from typing import Any

KEY_PREFIX = "presence:user:"
DEFAULT_TTL_SECONDS = 60


def presence_key(user_id: str) -> str:
    return f"{KEY_PREFIX}{user_id}"


async def mark_online(redis: Any, user_id: str, sid: str, ttl: int = DEFAULT_TTL_SECONDS) -> None:
    await refresh(redis, [(user_id, sid)], ttl)


async def refresh(redis: Any, sockets: Iterable[tuple[str, str]], ttl: int) -> None:
    """Vouch for `(user_id, sid)` pairs for another `ttl` seconds, in one round trip."""
    until = time.time() + ttl
    pipe = redis.pipeline(transaction=False)
    queued = False
    for user_id, sid in sockets:
        key = presence_key(user_id)
        pipe.zadd(key, {sid: until})
        pipe.expire(key, ttl)
        queued = True
    if queued:
        await pipe.execute()


async def mark_offline(redis: Any, user_id: str, sid: str) -> None:
    key = presence_key(user_id)
    pipe = redis.pipeline(transaction=False)
    pipe.zrem(key, sid)
    pipe.zremrangebyscore(key, "-inf", time.time())  # sockets of processes that died
    await pipe.execute()


async def is_online(redis: Any, user_id: str) -> bool:
    """True while at least one socket of `user_id` is connected to some web process."""
    return int(await redis.zcount(presence_key(user_id), time.time(), "+inf")) > 0


async def online_sockets(redis: Any, user_id: str) -> list[str]:
    """The socket ids `user_id` has open, on whichever web process holds them."""
    members = await redis.zrangebyscore(presence_key(user_id), time.time(), "+inf")
    return [m.decode() if isinstance(m, bytes) else str(m) for m in members]
