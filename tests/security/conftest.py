"""Fixtures for the security suites: generous rate limits, and one database, app and
populated world per module (the matrix reads the same world hundreds of times)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
import redis

from config.settings import Settings, get_settings
from config.stack import EmbeddedStack

GENEROUS = {"AUTH_RATE_LIMIT_PER_MINUTE": "100000", "RATE_LIMIT_PER_MINUTE": "100000"}


@pytest.fixture(autouse=True)
def generous_rate_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """These suites send many requests from one address; rate limiting has its own test."""
    for name, value in GENEROUS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture(scope="module")
def module_settings(stack: EmbeddedStack) -> Iterator[Settings]:
    """Like `settings`, but one database for a whole module."""
    db_name = f"t_{uuid.uuid4().hex[:12]}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MONGODB_DB", db_name)
        for name, value in GENEROUS.items():
            patch.setenv(name, value)
        get_settings.cache_clear()
        current = Settings()
        redis.Redis.from_url(current.redis.url).flushdb()
        yield current
        get_settings.cache_clear()
    from pymongo import MongoClient

    with MongoClient(current.mongo.url) as client:
        client.drop_database(db_name)


@pytest.fixture(scope="module")
async def module_app(module_settings: Settings) -> Any:
    from api.app import create_app

    return create_app(module_settings)


@pytest.fixture(scope="module")
async def module_client(module_app: Any) -> AsyncIterator[Any]:
    from litestar.testing import AsyncTestClient

    async with AsyncTestClient(app=module_app, base_url="http://testserver.local") as client:
        yield client


@pytest.fixture(scope="module")
async def module_db(module_settings: Settings) -> AsyncIterator[Any]:
    from infra.mongo import create_mongo_client

    client = create_mongo_client(module_settings.mongo)
    yield client[module_settings.mongo.db]
    client.close()


@pytest.fixture(scope="module")
async def world(module_client: Any, module_db: Any, module_settings: Settings) -> Any:
    from tests.security.world import build_world

    return await build_world(module_client, module_db, module_settings)


@pytest.fixture(scope="module")
def module_platform(
    module_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """The platform's real processes on the module's database (`.start("web")`)."""
    from tests.support.processes import Platform, platform_env

    running = Platform(
        log_dir=tmp_path_factory.mktemp("logs"), env=platform_env(module_settings.mongo.db)
    )
    yield running
    running.stop()
