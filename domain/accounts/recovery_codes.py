"""One-time recovery codes: what signs in when the phone with the authenticator is lost.

Shown once when two-factor sign-in is enabled and stored only as hashes, one document per
code, so spending one is a single conditional update that exactly one request wins. Each
code carries 79 random bits, so a plain SHA-256 (salted with the user id) is enough to
make a leaked collection useless, as for refresh tokens.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from domain.accounts.opaque import digest

RECOVERY_CODES = "mfa_recovery_codes"
COUNT = 10
# Lowercase letters and digits without the look-alikes (i, l, o, 0, 1): 31 symbols.
ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
GROUPS, GROUP_LENGTH = 4, 4


def generate(count: int = COUNT) -> list[str]:
    """Codes as shown to the user: `xxxx-xxxx-xxxx-xxxx`."""
    return [
        "-".join(
            "".join(secrets.choice(ALPHABET) for _ in range(GROUP_LENGTH)) for _ in range(GROUPS)
        )
        for _ in range(count)
    ]


def normalize(code: str) -> str:
    """Hyphens, spaces and capitals as typed do not matter."""
    return "".join(code.split()).replace("-", "").lower()


def _key(user_id: str, code: str) -> str:
    return digest(f"{user_id}:{normalize(code)}")


async def replace(db: Any, user_id: str, codes: list[str], *, session: Any = None) -> None:
    """The account's codes become exactly `codes`; earlier ones stop working."""
    await discard_all(db, user_id, session=session)
    now = datetime.now(UTC)
    await db[RECOVERY_CODES].insert_many(
        [{"_id": _key(user_id, code), "user_id": user_id, "created_at": now, "used_at": None}
         for code in codes],
        session=session,
    )  # fmt: skip


async def spend(db: Any, user_id: str, code: str, *, session: Any = None) -> bool:
    """True for the one call that uses an unused code of this account."""
    if not normalize(code):
        return False
    doc = await db[RECOVERY_CODES].find_one_and_update(
        {"_id": _key(user_id, code), "user_id": user_id, "used_at": None},
        {"$set": {"used_at": datetime.now(UTC)}},
        session=session,
    )
    return doc is not None


async def discard_all(db: Any, user_id: str, *, session: Any = None) -> None:
    await db[RECOVERY_CODES].delete_many({"user_id": user_id}, session=session)
