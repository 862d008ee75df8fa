"""Accounts made straight in the store, with a valid access token each: tests of other
areas need signed-in patients, doctors and admins without going through email flows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from config.settings import Settings
from domain.accounts.access_tokens import issue_access_token
from domain.accounts.models import name_keys
from domain.accounts.roles import Role


@dataclass
class Person:
    id: str
    role: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def make_person(
    db: Any,
    settings: Settings,
    role: str,
    first_name: str = "Amel",
    last_name: str = "Ben Salah",
    **fields: Any,
) -> Person:
    user_id = ObjectId()
    await db.users.insert_one(
        {
            "_id": user_id,
            "email": f"{user_id}@example.test",
            "role": role,
            "first_name": first_name,
            "last_name": last_name,
            **name_keys(first_name, last_name),  # as every account is written
            "password_hash": "unused",
            "email_verified": True,
            "active": True,
            "created_at": datetime.now(UTC),
            "token_version": 0,
            **fields,
        }
    )
    token, _ = issue_access_token(
        settings.auth, user_id=str(user_id), role=Role(role), token_version=0, session_id=None
    )
    return Person(str(user_id), role, token)
