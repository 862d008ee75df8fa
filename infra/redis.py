from __future__ import annotations

from redis.asyncio import Redis

from config.settings import RedisSettings


def create_redis(settings: RedisSettings) -> Redis:
    # Short timeouts: a dead Redis must turn into a quick 503, never a hung request.
    return Redis.from_url(
        settings.url,
        socket_timeout=2.0,
        socket_connect_timeout=2.0,
        health_check_interval=15,
        decode_responses=False,
    )
