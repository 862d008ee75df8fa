"""Opaque secrets (refresh, verification and reset tokens): random, stored only as hashes."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(token: str) -> str:
    """What the database keeps: a leaked collection gives no usable token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def derive_secret(key: str, label: str) -> str:
    """A token that the same job always recomputes, so a retried email sends the same link
    while the queue message itself carries no secret."""
    mac = hmac.new(key.encode("utf-8"), label.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")
