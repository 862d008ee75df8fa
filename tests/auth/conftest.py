"""Fixtures for the auth tests."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def generous_auth_rate_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests sign in far more often than a person would; the per-IP limit on auth
    routes has its own test in tests/platform."""
    monkeypatch.setenv("AUTH_RATE_LIMIT_PER_MINUTE", "100000")
