"""Email verification: a single-use token proves the address belongs to the user."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.accounts import mail_cooldown, one_time_tokens
from domain.accounts.atomic import atomically
from domain.accounts.env import AccountsEnv
from domain.accounts.errors import InvalidToken
from domain.accounts.events import user_event
from domain.accounts.models import User
from domain.accounts.one_time_tokens import Purpose
from domain.accounts.repository import get_user, update_user
from domain.events import EventContext, EventType, publish
from domain.shared.jobs import JobQueue

SEND_VERIFICATION = "auth.send_verification_email"


async def verify_email(env: AccountsEnv, token: str, context: EventContext | None = None) -> User:
    async def write(session: Any) -> User:
        user_id = await one_time_tokens.consume(
            env.db, Purpose.VERIFY_EMAIL, token, session=session
        )
        user = await get_user(env.db, user_id, session=session) if user_id else None
        if user is None:
            raise InvalidToken("The verification link is invalid or has expired", field="token")
        await one_time_tokens.discard_all(env.db, Purpose.VERIFY_EMAIL, user.id, session=session)
        if not user.email_verified:
            now = datetime.now(UTC)
            await update_user(
                env.db, user.id, {"email_verified": True, "verified_at": now}, session=session
            )
            await publish(
                env.db,
                user_event(EventType.USER_VERIFIED, user.id, user.role.value, context),
                session=session,
            )
        return user

    user = await atomically(env.client, write)
    return await get_user(env.db, user.id) or user


async def resend_verification(env: AccountsEnv, jobs: JobQueue, email: str) -> None:
    """Enqueued whatever the address, at most once per cooldown: the answer and its timing
    reveal nothing. The job decides whether there is an unverified account to write to."""
    seconds = env.settings.email_cooldown_seconds
    if await mail_cooldown.claim(env.redis, seconds, "verification", email):
        jobs.enqueue(SEND_VERIFICATION, email=email)
