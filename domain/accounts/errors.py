"""Errors specific to accounts (the shared ones live in domain/shared/errors.py)."""

from __future__ import annotations

from domain.shared.errors import DomainError, Forbidden, Locked


class InvalidToken(DomainError):
    """A verification or reset token that is unknown, used or expired (answered as 400)."""

    code = "invalid_token"


class AccountLocked(Locked):
    """Too many failed attempts on an address (423); `retry_after` is in seconds."""

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class PasswordConfirmationRequired(Forbidden):
    """The session's sign-in is too old for this change without the password (403)."""

    code = "password_confirmation_required"
