"""Indexes of the accounts collections; safe to run at every start."""

from __future__ import annotations

from typing import Any

from pymongo import ASCENDING, IndexModel

from domain.accounts.one_time_tokens import ONE_TIME_TOKENS
from domain.accounts.recovery_codes import RECOVERY_CODES
from domain.accounts.refresh_tokens import SESSIONS, TOKENS
from domain.accounts.repository import USERS


async def ensure_indexes(db: Any) -> None:
    await db[USERS].create_indexes(
        [
            IndexModel([("email", ASCENDING)], unique=True, name="email_unique"),
            IndexModel([("role", ASCENDING)], name="role"),
        ]
    )
    # Expired tokens and sessions are removed by MongoDB's TTL monitor.
    await db[TOKENS].create_indexes(
        [
            IndexModel([("session_id", ASCENDING)], name="session"),
            IndexModel([("user_id", ASCENDING)], name="user"),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="ttl"),
        ]
    )
    await db[SESSIONS].create_indexes(
        [
            IndexModel([("user_id", ASCENDING)], name="user"),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="ttl"),
        ]
    )
    await db[ONE_TIME_TOKENS].create_indexes(
        [
            IndexModel([("user_id", ASCENDING), ("purpose", ASCENDING)], name="user_purpose"),
            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0, name="ttl"),
        ]
    )
    await db[RECOVERY_CODES].create_indexes([IndexModel([("user_id", ASCENDING)], name="user")])
