"""Fixtures shared by every test: the embedded stack (once per session), clean databases
per test, the app in-process, and the platform's processes for end-to-end tests."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis

from config.logging import configure_logging
from config.settings import Settings, get_settings
from config.stack import EmbeddedStack
from tests.support.log_scan import (
    TEST_SIDE_LOGGERS,
    log_lines,
    passwords_used_by_tests,
    scan_lines,
)
from tests.support.processes import Platform, platform_env
from tests.support.stack import session_stack

IN_PROCESS_LOG = "in-process-app.log"
pytest_plugins = ["tests.support.sockets"]  # the `listeners` fixture (Socket.IO clients)


class _PlatformOnly(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(TEST_SIDE_LOGGERS)


def pytest_sessionstart(session: pytest.Session) -> None:
    """The in-process app logs the way the real processes do, into a file that is scanned
    for secrets when the session ends."""
    configure_logging("INFO", json_output=True)
    base = session.config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    handler = logging.FileHandler(base / IN_PROCESS_LOG)
    handler.setFormatter(logging.getLogger().handlers[0].formatter)
    handler.addFilter(_PlatformOnly())
    logging.getLogger().addHandler(handler)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if hasattr(session.config, "workerinput"):
        return  # a parallel worker: the controller scans every worker's logs below its own
    base = session.config._tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    passwords = passwords_used_by_tests(Path(__file__).parent)
    leaks = scan_lines(log_lines(base), passwords)
    if leaks:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write_sep("=", f"{len(leaks)} secret(s) found in platform logs", red=True)
            for leak in leaks[:50]:
                reporter.write_line(leak)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedStack]:
    with session_stack(tmp_path_factory.mktemp("stack")) as running:
        yield running


@pytest.fixture(scope="session")
def data_dir(stack: EmbeddedStack) -> Path:
    return Path(os.environ["ESANTE_DATA_DIR"])


@pytest.fixture
def db_name() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def settings(
    stack: EmbeddedStack, db_name: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings for one test: a database of its own and an empty Redis."""
    monkeypatch.setenv("MONGODB_DB", db_name)
    # Kafka is shared by the session, databases are not: events sent by a web process of
    # their own accord would wait for the next test's streams process, which would consume
    # them into its own database. So here the relays of each test's own streams process
    # send them (tests/events/test_outbox_dispatch.py covers the dispatching web).
    monkeypatch.setenv("OUTBOX_DISPATCH", "false")
    get_settings.cache_clear()
    current = Settings()
    redis.Redis.from_url(current.redis.url).flushdb()
    yield current
    get_settings.cache_clear()
    from pymongo import MongoClient

    with MongoClient(current.mongo.url) as client:
        client.drop_database(db_name)


@pytest.fixture
async def db(settings: Settings):  # type: ignore[no-untyped-def]
    """The test's database through its own client (closed after the test)."""
    from infra.mongo import create_mongo_client

    client = create_mongo_client(settings.mongo)
    yield client[settings.mongo.db]
    client.close()


@pytest.fixture
async def app(settings: Settings):  # type: ignore[no-untyped-def]
    from api.app import create_app

    return create_app(settings)


@pytest.fixture
async def client(app) -> AsyncIterator:  # type: ignore[no-untyped-def]
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=app, base_url="http://testserver.local") as test_client:
        yield test_client


@pytest.fixture
def platform(settings: Settings, tmp_path: Path) -> Iterator[Platform]:
    """Start real platform processes with `platform.start("web")`; all stop after the test."""
    running = Platform(log_dir=tmp_path / "logs", env=platform_env(settings.mongo.db))
    yield running
    running.stop()
