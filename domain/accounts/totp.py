"""Time-based one-time passwords (RFC 6238, 30 s steps, 6 digits) through pyotp.

A code is matched to the time step it belongs to, so that the caller can refuse a step
already used on the account (a code overheard or replayed within its minute).
"""

from __future__ import annotations

import re
import time

import pyotp

ISSUER = "E-Santé"
# One step either side: a phone clock a little off, or a code typed as it rolled over.
DRIFT_STEPS = 1
CODE_FORMAT = re.compile(r"[0-9]{6}")


def new_secret() -> str:
    return pyotp.random_base32()  # 160 bits, what authenticator apps expect


def provisioning_uri(secret: str, email: str) -> str:
    """The `otpauth://` URI an authenticator app reads (usually from a QR code)."""
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def normalize(code: str) -> str:
    """Apps show codes as "123 456"; people paste them that way."""
    return "".join(code.split())


def looks_like_code(code: str) -> bool:
    return CODE_FORMAT.fullmatch(normalize(code)) is not None


def matching_step(secret: str, code: str, now: float | None = None) -> int | None:
    """The time step whose code `code` is (the current one first), or None."""
    code = normalize(code)
    if CODE_FORMAT.fullmatch(code) is None:
        return None
    otp = pyotp.TOTP(secret)
    current = otp.timecode(time.time() if now is None else now)
    for offset in (0, *range(-DRIFT_STEPS, 0), *range(1, DRIFT_STEPS + 1)):
        step = current + offset
        if otp.verify(code, for_time=step * otp.interval):
            return step
    return None
