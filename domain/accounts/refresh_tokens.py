"""Refresh tokens and their families (one family per sign-in, called a session).

Each refresh spends the presented token and issues its successor in the same family.
Spending is one atomic `find_one_and_update` on `{_id: hash, status: "active"}`, so of
many parallel refreshes of one token exactly one wins. A token that is presented after
it was spent means two parties hold it: the whole family is revoked.

A family is revoked on its own document, and every refresh checks that document, so a
successor written just after a revocation is refused all the same.

The family also holds the user's `token_version` as it was read when the password was
checked. A sign-in whose bcrypt check overlapped a password reset opens its family after
the reset has revoked every family: the version it holds is then lower than the user's,
and the refresh refuses it (domain/accounts/sessions.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import ReturnDocument

from domain.accounts.opaque import digest, new_secret
from domain.shared.clock import as_utc

TOKENS = "refresh_tokens"
SESSIONS = "auth_sessions"


@dataclass(frozen=True)
class SpendResult:
    outcome: str  # spent | reused | invalid
    user_id: str | None = None
    session_id: str | None = None
    # The version the family was opened under; None for families stored before it was kept.
    token_version: int | None = None


async def open_session(
    db: Any, user_id: str, *, token_version: int, days: int, session: Any = None
) -> str:
    now = datetime.now(UTC)
    session_id = uuid.uuid4().hex
    await db[SESSIONS].insert_one(
        {
            "_id": session_id,
            "user_id": user_id,
            "token_version": token_version,
            "created_at": now,
            "expires_at": now + timedelta(days=days),
            "revoked_at": None,
        },
        session=session,
    )
    return session_id


async def issue(db: Any, user_id: str, session_id: str, *, days: int, session: Any = None) -> str:
    """A new active refresh token in `session_id`; returns the raw token (never stored)."""
    raw = new_secret()
    now = datetime.now(UTC)
    await db[TOKENS].insert_one(
        {
            "_id": digest(raw),
            "session_id": session_id,
            "user_id": user_id,
            "status": "active",
            "created_at": now,
            "expires_at": now + timedelta(days=days),
        },
        session=session,
    )
    # The session lives as long as its newest token (each new token expires last).
    await db[SESSIONS].update_one(
        {"_id": session_id}, {"$set": {"expires_at": now + timedelta(days=days)}}, session=session
    )
    return raw


async def spend(db: Any, raw: str) -> SpendResult:
    now = datetime.now(UTC)
    doc = await db[TOKENS].find_one_and_update(
        {"_id": digest(raw), "status": "active", "expires_at": {"$gt": now}},
        {"$set": {"status": "spent", "spent_at": now}},
        return_document=ReturnDocument.AFTER,
    )
    if doc is not None:
        family = await db[SESSIONS].find_one(
            {"_id": doc["session_id"]}, projection={"revoked_at": 1, "token_version": 1}
        )
        if family is None or family.get("revoked_at") is not None:
            return SpendResult("invalid", doc["user_id"], doc["session_id"])
        version = family.get("token_version")
        return SpendResult(
            "spent", doc["user_id"], doc["session_id"], None if version is None else int(version)
        )
    known = await db[TOKENS].find_one({"_id": digest(raw)})
    if known is not None and known["status"] == "spent":
        return SpendResult("reused", known["user_id"], known["session_id"])
    return SpendResult("invalid")


async def find_session_of(db: Any, raw: str) -> str | None:
    doc = await db[TOKENS].find_one({"_id": digest(raw)}, projection={"session_id": 1})
    return doc["session_id"] if doc else None


async def signed_in_at(db: Any, session_id: str) -> datetime | None:
    """When the session's sign-in happened (refreshes keep it); None for an unknown one."""
    doc = await db[SESSIONS].find_one({"_id": session_id}, projection={"created_at": 1})
    return as_utc(doc["created_at"]) if doc and doc.get("created_at") else None


async def session_revoked(db: Any, session_id: str) -> bool:
    doc = await db[SESSIONS].find_one({"_id": session_id}, projection={"revoked_at": 1})
    return doc is None or doc.get("revoked_at") is not None


async def revoke_session(db: Any, session_id: str, reason: str, *, session: Any = None) -> bool:
    """Revoke one family; True only for the call that revoked it (one event per revocation)."""
    now = datetime.now(UTC)
    doc = await db[SESSIONS].find_one_and_update(
        {"_id": session_id, "revoked_at": None},
        {"$set": {"revoked_at": now, "revoked_reason": reason}},
        session=session,
    )
    await db[TOKENS].update_many(
        {"session_id": session_id, "status": "active"},
        {"$set": {"status": "revoked", "revoked_at": now}},
        session=session,
    )
    return doc is not None


async def revoke_all_sessions(db: Any, user_id: str, reason: str, *, session: Any = None) -> None:
    now = datetime.now(UTC)
    await db[SESSIONS].update_many(
        {"user_id": user_id, "revoked_at": None},
        {"$set": {"revoked_at": now, "revoked_reason": reason}},
        session=session,
    )
    await db[TOKENS].update_many(
        {"user_id": user_id, "status": "active"},
        {"$set": {"status": "revoked", "revoked_at": now}},
        session=session,
    )


async def move_to_version(db: Any, session_id: str, version: int, *, session: Any = None) -> None:
    """The family that raised the user's version itself stays valid under the new one."""
    await db[SESSIONS].update_one(
        {"_id": session_id}, {"$set": {"token_version": version}}, session=session
    )


async def revoke_other_sessions(
    db: Any, user_id: str, keep: str | None, reason: str, *, session: Any = None
) -> list[str]:
    """End every open session of `user_id` but `keep`; the ids of those ended (their access
    tokens still need a revocation marker each)."""
    open_ones = db[SESSIONS].find(
        {"user_id": user_id, "revoked_at": None}, projection={"_id": 1}, session=session
    )
    ended = [str(doc["_id"]) async for doc in open_ones if doc["_id"] != keep]
    if ended:
        now = datetime.now(UTC)
        await db[SESSIONS].update_many(
            {"_id": {"$in": ended}, "revoked_at": None},
            {"$set": {"revoked_at": now, "revoked_reason": reason}},
            session=session,
        )
        await db[TOKENS].update_many(
            {"session_id": {"$in": ended}, "status": "active"},
            {"$set": {"status": "revoked", "revoked_at": now}},
            session=session,
        )
    return ended
