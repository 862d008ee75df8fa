"""Remembered verifications never outlive the token."""

from __future__ import annotations

import time

import pytest

from config.settings import AuthSettings
from domain.accounts import Role
from domain.accounts.access_tokens import decode_access_token, issue_access_token
from domain.shared.errors import Unauthenticated


def test_a_verified_token_still_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = AuthSettings()
    token, lifetime = issue_access_token(
        settings, user_id="6b05" * 6, role=Role.PATIENT, token_version=0, session_id="s"
    )
    assert decode_access_token(settings, token).user_id == "6b05" * 6
    assert decode_access_token(settings, token).role is Role.PATIENT  # from memory now
    later = time.time() + lifetime + 60
    monkeypatch.setattr(time, "time", lambda: later)
    with pytest.raises(Unauthenticated):
        decode_access_token(settings, token)


def test_a_token_is_verified_against_the_current_key(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = AuthSettings()
    token, _ = issue_access_token(
        settings, user_id="6b05" * 6, role=Role.DOCTOR, token_version=0, session_id=None
    )
    decode_access_token(settings, token)
    monkeypatch.setenv("JWT_SECRET", "a-rotated-secret-that-is-long-enough-0123456789")
    rotated = AuthSettings()
    with pytest.raises(Unauthenticated):
        decode_access_token(rotated, token)
