"""Fixtures shared by every test: the embedded stack (once per session), clean databases
per test, the app in-process, and the platform's processes for end-to-end tests."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import redis

from config.settings import Settings, get_settings
from config.stack import EmbeddedStack
from tests.support.processes import Platform, platform_env
from tests.support.stack import session_stack


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
    get_settings.cache_clear()
    current = Settings()
    redis.Redis.from_url(current.redis.url).flushdb()
    yield current
    get_settings.cache_clear()
    from pymongo import MongoClient

    with MongoClient(current.mongo.url) as client:
        client.drop_database(db_name)


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
