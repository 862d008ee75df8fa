"""Errors specific to accounts (the shared ones live in domain/shared/errors.py)."""

from __future__ import annotations

from domain.shared.errors import DomainError


class InvalidToken(DomainError):
    """A verification or reset token that is unknown, used or expired (answered as 400)."""

    code = "invalid_token"
