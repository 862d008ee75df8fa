"""Email addresses are compared case-insensitively: one account per address, whatever case.

They are also compared in Unicode NFC: registration's validator stores an accented local
part composed (é as one code point), while a keyboard or an autofill may send it
decomposed (e + combining accent). Without NFC here that spelling could not sign in,
and its failed sign-ins counted under another lockout key than the account's.
"""

from __future__ import annotations

import hashlib
import unicodedata


def normalize_email(email: str) -> str:
    return unicodedata.normalize("NFC", email.strip().lower())


def email_key(email: str) -> str:
    """A stable key for an address that does not reveal it (Redis keys, logs)."""
    return hashlib.sha256(normalize_email(email).encode()).hexdigest()[:32]
