"""MongoDB stops while the API is in use: what needs it answers 503 within the store's
timeout (never 500, never a hung request), liveness stays 200, and everything works again,
with the data, once the store is back."""

import asyncio
import time
import uuid
from pathlib import Path

import httpx
import pytest

from config.stack.processes import free_port
from config.stack.servers import _mongo_argv
from infra.mongo import create_mongo_client
from tests.support.people import make_person
from tests.support.processes import RestartableServer

STORE_TIMEOUT_MS = 1000


@pytest.fixture
def private_store(tmp_path: Path):  # type: ignore[no-untyped-def]
    """A store of its own, on disk so that its data outlives a restart."""
    port = free_port()
    (tmp_path / "logs").mkdir()
    server = RestartableServer(_mongo_argv(port, tmp_path, memory=False), port, tmp_path / "s.log")
    yield f"mongodb://127.0.0.1:{port}", server.stop, server.start
    server.stop()


async def test_store_outage_is_503_then_recovers(platform, settings, private_store) -> None:
    url, stop_store, start_store = private_store
    mongo = create_mongo_client(settings.mongo.model_copy(update={"url": url}))
    patient = await make_person(mongo[settings.mongo.db], settings, "patient")
    mongo.close()
    web = platform.start(
        "web", MONGODB_URL=url, MONGODB_TIMEOUT_MS=str(STORE_TIMEOUT_MS),
        RATE_LIMIT_PER_MINUTE="100000", AUTH_RATE_LIMIT_PER_MINUTE="100000",
    )  # fmt: skip
    statuses: dict[tuple[str, str], set[int]] = {}
    slowest: dict[str, float] = {}
    requests = (
        ("GET", "/api/v1/appointments", None, patient.headers),
        ("GET", "/api/v1/notifications", None, patient.headers),
        ("POST", "/api/v1/auth/login", "a fresh unknown address", {}),
        ("GET", "/health/ready", None, {}),
        ("GET", "/health/live", None, {}),
    )

    async def use(phase: str, seconds: float) -> None:
        async with httpx.AsyncClient(base_url=web.url, timeout=15) as http:
            deadline = time.monotonic() + seconds

            async def one() -> None:
                while time.monotonic() < deadline:
                    for method, path, body, headers in requests:
                        if body is not None:  # a new address each time: none gets locked
                            address = f"{uuid.uuid4().hex}@example.org"
                            body = {"email": address, "password": "x" * 12}
                        started = time.monotonic()
                        response = await http.request(method, path, json=body, headers=headers)
                        slowest[phase] = max(slowest.get(phase, 0), time.monotonic() - started)
                        statuses.setdefault((phase, path), set()).add(response.status_code)

            await asyncio.gather(*(one() for _ in range(3)))

    def seen(phase: str) -> dict[str, set[int]]:
        return {path: codes for (when, path), codes in statuses.items() if when == phase}

    await use("before", 1)
    stop_store()
    await use("during", 4)
    start_store()
    await asyncio.sleep(3)  # the driver finds the server again on its next operation
    await use("after", 1)

    expected = {
        "/api/v1/appointments": {200},
        "/api/v1/notifications": {200},
        "/api/v1/auth/login": {401},
        "/health/ready": {200},
        "/health/live": {200},
    }
    assert seen("before") == expected
    during = seen("during")
    assert all(500 not in codes for codes in during.values()), web.log()[-3000:]
    assert during["/api/v1/appointments"] == {503}
    assert during["/api/v1/notifications"] == {503}
    assert during["/api/v1/auth/login"] == {503}
    assert during["/health/ready"] == {503}
    assert during["/health/live"] == {200}  # the process itself is fine: do not restart it
    assert slowest["during"] < STORE_TIMEOUT_MS / 1000 + 2  # bounded by the store's timeout
    assert seen("after") == expected  # the same account, read from the restarted store
