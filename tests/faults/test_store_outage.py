"""MongoDB stops while the API is in use: what needs it answers 503 within the store's
timeout (never 500, never a hung request), liveness stays 200, and everything works again,
with the data, once the store is back."""

import uuid
from pathlib import Path

import pytest

from config.stack.processes import free_port
from config.stack.servers import _mongo_argv
from infra.mongo import create_mongo_client
from tests.support.people import make_person
from tests.support.phased_load import PhasedLoad
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

    def unknown_address() -> dict[str, str]:  # a new one each time: none gets locked out
        return {"email": f"{uuid.uuid4().hex}@example.org", "password": "x" * 12}

    load = PhasedLoad(
        web.url,
        [
            ("GET", "/api/v1/appointments", None, patient.headers),
            ("GET", "/api/v1/notifications", None, patient.headers),
            ("POST", "/api/v1/auth/login", unknown_address, {}),
            ("GET", "/health/ready", None, {}),
            ("GET", "/health/live", None, {}),
        ],
        workers=3,
    )

    await load.run("before", 1)
    stop_store()
    await load.run("during", 4)
    start_store()
    web.wait_ready(30)  # the driver finds the server again on its next operation
    await load.run("after", 1)

    expected = {
        "/api/v1/appointments": {200},
        "/api/v1/notifications": {200},
        "/api/v1/auth/login": {401},
        "/health/ready": {200},
        "/health/live": {200},
    }
    assert load.seen("before") == expected
    during = load.seen("during")
    assert all(500 not in codes for codes in during.values()), web.log()[-3000:]
    assert during["/api/v1/appointments"] == {503}
    assert during["/api/v1/notifications"] == {503}
    assert during["/api/v1/auth/login"] == {503}
    assert during["/health/ready"] == {503}
    assert during["/health/live"] == {200}  # the process itself is fine: do not restart it
    assert load.slowest["during"] < STORE_TIMEOUT_MS / 1000 + 2  # bounded by the store's timeout
    assert load.seen("after") == expected  # the same account, read from the restarted store
