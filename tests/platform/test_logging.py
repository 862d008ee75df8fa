import json
import logging

import pytest
import structlog

from config.logging import configure_logging, get_logger


@pytest.fixture
def restore_logging():  # type: ignore[no-untyped-def]
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    structlog.reset_defaults()


def test_secrets_never_reach_the_log(capsys, restore_logging) -> None:
    configure_logging("INFO", json_output=True)
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"
    get_logger("t").info(
        "login",
        password="hunter2-secret",
        refresh_token="opaque-refresh-value",
        url="https://s3/x?X-Amz-Signature=abcdef123&X-Amz-Credential=AKIA/x",
        note=f"Bearer {jwt}",
        email="someone@example.org",
    )
    logging.getLogger("plain").warning("header was %s", f"Bearer {jwt}")
    out = capsys.readouterr().out
    for secret in ("hunter2-secret", "opaque-refresh-value", "abcdef123", jwt):
        assert secret not in out
    first = json.loads(out.splitlines()[0])
    assert first["email"] == "someone@example.org"
    assert first["password"] == "***"
