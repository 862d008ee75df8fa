"""The list of accounts operators browse: filtered, paginated, newest first."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from domain.accounts.models import User
from domain.accounts.repository import names_containing
from domain.accounts.roles import Role


@dataclass(frozen=True)
class UserFilter:
    role: Role | None = None
    active: bool | None = None
    q: str | None = None  # part of the email or name, whatever the case and accents


def _query(filters: UserFilter) -> dict[str, Any]:
    query: dict[str, Any] = {}
    if filters.role is not None:
        query["role"] = filters.role.value
    if filters.active is not None:
        query["active"] = filters.active
    if filters.q:
        # A plain string pattern: the embedded store ignores compiled ones. Names are also
        # found as doctor search finds them, whatever the accents: "helene" finds Hélène.
        pattern = {"$regex": re.escape(filters.q.strip()), "$options": "i"}
        query["$or"] = [
            {"email": pattern},
            {"first_name": pattern},
            {"last_name": pattern},
            names_containing(filters.q),
        ]
    return query


async def list_users(
    db: Any, filters: UserFilter, page: int, page_size: int
) -> tuple[list[User], int]:
    query = _query(filters)
    total = await db.users.count_documents(query)
    cursor = db.users.find(query).sort("created_at", -1).skip((page - 1) * page_size)
    docs = await cursor.limit(page_size).to_list(page_size)
    return [User.from_doc(doc) for doc in docs], total
