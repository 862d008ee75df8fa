"""Fixtures for the security suites."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def generous_rate_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """These suites send many requests from one address; rate limiting has its own test."""
    monkeypatch.setenv("AUTH_RATE_LIMIT_PER_MINUTE", "100000")
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "100000")
