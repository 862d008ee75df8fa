"""Presence in Redis: several sockets per user, and sockets of a dead process expire."""

from __future__ import annotations

import asyncio

from redis.asyncio import Redis

from domain.messaging import presence


async def test_online_while_any_socket_is_live(settings) -> None:  # type: ignore[no-untyped-def]
    redis = Redis.from_url(settings.redis.url)
    try:
        assert not await presence.is_online(redis, "u1")
        await presence.mark_online(redis, "u1", "phone", ttl=60)
        await presence.mark_online(redis, "u1", "laptop", ttl=60)
        assert await presence.is_online(redis, "u1")
        assert sorted(await presence.online_sockets(redis, "u1")) == ["laptop", "phone"]
        await presence.mark_offline(redis, "u1", "phone")
        assert await presence.is_online(redis, "u1")
        await presence.mark_offline(redis, "u1", "laptop")
        assert not await presence.is_online(redis, "u1")
    finally:
        await redis.aclose()


async def test_a_socket_nobody_refreshes_stops_counting(settings) -> None:  # type: ignore[no-untyped-def]
    redis = Redis.from_url(settings.redis.url)
    try:
        await presence.mark_online(redis, "u2", "crashed", ttl=1)  # its process died
        await presence.mark_online(redis, "u2", "alive", ttl=1)
        await asyncio.sleep(0.6)
        await presence.refresh(redis, [("u2", "alive")], ttl=1)
        await asyncio.sleep(0.6)
        assert await presence.online_sockets(redis, "u2") == ["alive"]
        await asyncio.sleep(1.1)
        assert not await presence.is_online(redis, "u2")
    finally:
        await redis.aclose()
