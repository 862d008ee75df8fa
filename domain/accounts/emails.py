"""Email addresses are compared case-insensitively: one account per address, whatever case."""

from __future__ import annotations

import hashlib


def normalize_email(email: str) -> str:
    return email.strip().lower()


def email_key(email: str) -> str:
    """A stable key for an address that does not reveal it (Redis keys, logs)."""
    return hashlib.sha256(normalize_email(email).encode()).hexdigest()[:32]
