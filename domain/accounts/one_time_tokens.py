"""Single-use, expiring tokens: those sent by email (email verification, password reset)
and the second-step token of a two-factor sign-in.

Only the hash is stored. An emailed token is derived from the job that sends the email, so
a retried job writes the same document and mails the same link, and the queue message
holds nothing secret. A token's purpose is part of every lookup: one kind never passes for
another.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pymongo.errors import DuplicateKeyError

from domain.accounts.opaque import derive_secret, digest, new_secret

ONE_TIME_TOKENS = "one_time_tokens"


class Purpose(StrEnum):
    VERIFY_EMAIL = "verify_email"
    RESET_PASSWORD = "reset_password"  # noqa: S105 - a purpose, not a secret
    MFA_SIGN_IN = "mfa_sign_in"


@dataclass(frozen=True)
class IssuedToken:
    raw: str
    first_issue: bool  # False when a retry of the same job finds the token already written


async def issue(db: Any, purpose: Purpose, user_id: str, lifetime: timedelta) -> str:
    """A new random token handed straight to the caller; returns the raw token."""
    raw = new_secret()
    await db[ONE_TIME_TOKENS].insert_one(_document(raw, purpose, user_id, lifetime))
    return raw


def _document(raw: str, purpose: Purpose, user_id: str, lifetime: timedelta) -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "_id": digest(raw),
        "purpose": purpose.value,
        "user_id": user_id,
        "created_at": now,
        "expires_at": now + lifetime,
        "used_at": None,
    }


async def issue_for_job(
    db: Any, key: str, purpose: Purpose, user_id: str, job_id: str, lifetime: timedelta
) -> IssuedToken | None:
    """The token for this job, or None when the job's token was already used or expired."""
    raw = derive_secret(key, f"{purpose.value}:{job_id}")
    document = _document(raw, purpose, user_id, lifetime)
    try:
        await db[ONE_TIME_TOKENS].insert_one(document)
        return IssuedToken(raw, first_issue=True)
    except DuplicateKeyError:  # a retry of the same job
        pass
    existing = await db[ONE_TIME_TOKENS].find_one({"_id": digest(raw)})
    now = datetime.now(UTC)
    if existing is None or existing.get("used_at") is not None or existing["expires_at"] <= now:
        return None
    return IssuedToken(raw, first_issue=False)


async def peek(db: Any, purpose: Purpose, raw: str) -> str | None:
    """The user id of a token that is still usable, without using it."""
    doc = await db[ONE_TIME_TOKENS].find_one(
        {
            "_id": digest(raw),
            "purpose": purpose.value,
            "used_at": None,
            "expires_at": {"$gt": datetime.now(UTC)},
        }
    )
    return str(doc["user_id"]) if doc else None


async def consume(db: Any, purpose: Purpose, raw: str, *, session: Any = None) -> str | None:
    """Mark the token used and return its user id; None if unknown, used or expired."""
    now = datetime.now(UTC)
    doc = await db[ONE_TIME_TOKENS].find_one_and_update(
        {
            "_id": digest(raw),
            "purpose": purpose.value,
            "used_at": None,
            "expires_at": {"$gt": now},
        },
        {"$set": {"used_at": now}},
        session=session,
    )
    return str(doc["user_id"]) if doc else None


async def discard_all(db: Any, purpose: Purpose, user_id: str, *, session: Any = None) -> None:
    """Once one token has done its job, the others sent to the same user are void."""
    await db[ONE_TIME_TOKENS].update_many(
        {"user_id": user_id, "purpose": purpose.value, "used_at": None},
        {"$set": {"used_at": datetime.now(UTC)}},
        session=session,
    )
