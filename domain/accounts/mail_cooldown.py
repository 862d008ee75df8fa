"""At most one emailed link of a kind per address within `AUTH_EMAIL_COOLDOWN_SECONDS`.

`forgot-password` and `resend-verification` answer 202 whatever the address, so anyone
could make the platform mail a stranger on every call. A request within the cooldown is
answered the same way but sends nothing. Keyed by the address whether or not it has an
account, so the cooldown says nothing about which addresses exist.
"""

from __future__ import annotations

from typing import Any

from redis.exceptions import RedisError

from config.logging import get_logger
from domain.accounts.emails import email_key

log = get_logger(__name__)


async def claim(redis: Any, seconds: int, kind: str, email: str) -> bool:
    """True when no `kind` email was asked for the address within `seconds` (0: no
    cooldown). If Redis cannot answer, True: the job cannot be queued without it either,
    and the request then fails on its own."""
    if seconds <= 0:
        return True
    try:
        key = f"auth:mail-cooldown:{kind}:{email_key(email)}"
        return bool(await redis.set(key, "1", ex=seconds, nx=True))
    except RedisError as exc:
        log.warning("mail_cooldown_unavailable", error=type(exc).__name__)
        return True
