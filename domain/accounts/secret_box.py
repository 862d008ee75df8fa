"""Secrets the platform must read back (TOTP seeds), sealed before they are stored.

A TOTP seed cannot be hashed like a password: checking a code needs the seed itself. So it
is encrypted with Fernet (AES-128-CBC with an HMAC-SHA256 tag, from `cryptography`) under
a key that lives in the settings (`MFA_SECRET_KEYS`), never in the database: a copy of
the database alone does not give anyone's second factor.

Keys rotate without a migration: the first key seals, every listed key opens. Put a new
key first, and keep the old one listed for as long as seeds sealed with it may exist.
"""

from __future__ import annotations

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from config.logging import get_logger
from domain.shared.errors import ServiceUnavailable

PREFIX = "fernet:"  # what sealed values start with; a TOTP seed (base32) never does


log = get_logger(__name__)


class UnreadableSecret(ServiceUnavailable):
    """A sealed value none of the configured keys opens (a key was dropped too soon, or the
    value was altered): the request gets a 503, the operators an error in the log. Never a
    wrong code, which would count towards locking the user out for the operators' fault."""


class SecretBox:
    def __init__(self, keys: tuple[str, ...]) -> None:
        """`keys`: Fernet keys, already checked by the settings; the first one seals."""
        self._fernet = MultiFernet([Fernet(key.encode()) for key in keys])

    def seal(self, secret: str) -> str:
        return PREFIX + self._fernet.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        """The secret; a value stored before sealing existed is returned as it is."""
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self._fernet.decrypt(stored.removeprefix(PREFIX).encode()).decode()
        except InvalidToken:
            log.error("sealed_secret_unreadable", hint="is a key missing from MFA_SECRET_KEYS?")
            raise UnreadableSecret(
                "two-factor sign-in cannot be checked at the moment; try again later"
            ) from None


@lru_cache(maxsize=4)
def secret_box(keys: tuple[str, ...]) -> SecretBox:
    return SecretBox(keys)
