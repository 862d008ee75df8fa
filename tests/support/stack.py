"""One embedded stack per test session, on free ports, in a temporary directory."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from config.stack import EmbeddedStack

# Variables the stack provides: the machine's own values must never leak into tests.
STACK_VARS = (
    "MONGODB_URL", "MONGODB_DB", "REDIS_URL", "KAFKA_BOOTSTRAP_SERVERS", "KAFKA_IDEMPOTENCE",
    "S3_ENDPOINT_URL", "S3_BUCKET", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "SMTP_URL",
    "ONESIGNAL_API_URL", "ESANTE_DATA_DIR", "ESANTE_ENV", "JWT_SECRET", "PORT",
)  # fmt: skip

TEST_ENV = {
    "ESANTE_ENV": "test",
    "LOG_JSON": "true",
    "BCRYPT_ROUNDS": "10",  # the lowest the settings accept: fast, still real bcrypt
    # Hundreds of in-process apps start and stop: spawning two hashing processes each took
    # about half of a plain test's time. tests/auth/test_password_hashing.py covers them.
    "PASSWORD_HASHING": "threads",
    "WORKER_MIN_BACKOFF_MS": "50",
    "WORKER_MAX_BACKOFF_MS": "500",
    "APP_BASE_URL": "http://app.test",
    # Litestar's in-process client connects as "testclient"; trusting it lets tests act
    # as callers from several addresses through X-Forwarded-For.
    "TRUSTED_PROXIES": "127.0.0.1,testclient",
}


@contextmanager
def session_stack(data_dir: Path) -> Iterator[EmbeddedStack]:
    for name in STACK_VARS:
        os.environ.pop(name, None)
    stack = EmbeddedStack(
        data_dir=data_dir, memory_mongo=True, use_preferred_ports=False, environ={}
    )
    env = stack.start()
    os.environ.update(env)
    os.environ.update(TEST_ENV)
    try:
        yield stack
    finally:
        stack.stop()
