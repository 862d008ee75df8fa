"""Operator actions on accounts: the admin created from the command line, (de)activation."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId
from pymongo.errors import DuplicateKeyError

from domain.accounts.atomic import atomically
from domain.accounts.credentials import revoke_everything, set_password_by_operator
from domain.accounts.emails import normalize_email
from domain.accounts.env import AccountsEnv
from domain.accounts.events import user_event
from domain.accounts.models import User
from domain.accounts.passwords import check_policy, hash_password
from domain.accounts.repository import (
    USERS,
    find_by_email,
    get_user,
    insert_user,
    update_user,
)
from domain.accounts.revocation import record_revocation
from domain.accounts.roles import Role
from domain.events import Actor, EventContext, EventType, publish
from domain.events.envelope import SYSTEM
from domain.shared.errors import Conflict, NotFound

ADMIN_GUARD = "admin_guard"


async def create_admin(env: AccountsEnv, email: str, password: str) -> tuple[User, bool]:
    """Creates a verified admin, or makes the existing account one with this password.
    Returns the user and whether it was created."""
    check_policy(password)
    existing = await find_by_email(env.db, email)
    if existing is not None:
        await update_user(
            env.db,
            existing.id,
            {
                "role": Role.ADMIN.value,
                "email_verified": True,
                "verified_at": existing.verified_at or datetime.now(UTC),
                "active": True,
            },
        )
        await set_password_by_operator(env, existing, password)
        user = await get_user(env.db, existing.id)
        assert user is not None
        return user, False
    now = datetime.now(UTC)
    user = User(
        id=str(ObjectId()),
        email=normalize_email(email),
        role=Role.ADMIN,
        first_name="Admin",
        last_name="",
        password_hash=await hash_password(password, env.settings.bcrypt_rounds),
        email_verified=True,
        active=True,
        created_at=now,
        verified_at=now,
    )
    event = user_event(
        EventType.USER_REGISTERED, user.id, "admin", None, actor=SYSTEM, role="admin"
    )

    async def write(session: Any) -> None:
        await insert_user(env.db, user, session=session)
        await publish(env.db, event, session=session)

    try:
        await atomically(env.client, write)
    except DuplicateKeyError:  # created concurrently: reset that one instead
        return await create_admin(env, email, password)
    return user, True


async def set_active(
    env: AccountsEnv,
    user_id: str,
    active: bool,
    *,
    by: Actor = SYSTEM,
    context: EventContext | None = None,
) -> User:
    """Deactivation ends every session and voids every access token at once. An admin
    cannot deactivate their own account, nor the last active admin (409)."""
    user = await get_user(env.db, user_id)
    if user is None:
        raise NotFound("No such user")
    # `user.id` is the canonical id: the one in the path may be spelt in upper case.
    if not active and user.id == by.id:
        raise Conflict("Admins cannot deactivate their own account")
    event_type = EventType.USER_ACTIVATED if active else EventType.USER_DEACTIVATED

    async def write(session: Any) -> int | None:
        version = None
        if active:
            await update_user(env.db, user.id, {"active": True}, session=session)
        else:
            version = await revoke_everything(
                env, user.id, "deactivated", {"active": False}, session=session
            )
            if user.role is Role.ADMIN:
                await _keep_an_admin(env, session)
        await publish(
            env.db,
            user_event(event_type, user.id, user.role.value, context, actor=by),
            session=session,
        )
        return version

    version = await atomically(env.client, write)
    if version is not None:
        await record_revocation(env.redis, env.settings, user.id, version)
    updated = await get_user(env.db, user.id)
    assert updated is not None
    return updated


async def _keep_an_admin(env: AccountsEnv, session: Any) -> None:
    """Inside the deactivation's transaction: refuse it if no active admin is left. Every
    admin deactivation also writes one shared document, so two of them in parallel
    (admins deactivating each other) conflict on a replica set and the retried one counts
    again, instead of each counting the other as still active."""
    await env.db[ADMIN_GUARD].update_one(
        {"_id": "active_admins"}, {"$inc": {"changes": 1}}, upsert=True, session=session
    )
    left = await env.db[USERS].count_documents(
        {"role": Role.ADMIN.value, "active": True}, limit=1, session=session
    )
    if not left:
        raise Conflict("The last active admin cannot be deactivated")
