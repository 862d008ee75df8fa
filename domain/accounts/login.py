"""Sign-in with email and password.

Every refusal before the password is known to be right looks the same (401, same message,
same bcrypt cost), so the answers do not tell which addresses have accounts. Only once
the password matches do the account's own states show: unverified (403), deactivated
(403).
"""

from __future__ import annotations

from typing import Any, NoReturn

from domain.accounts import lockout
from domain.accounts.atomic import atomically
from domain.accounts.emails import email_key, normalize_email
from domain.accounts.env import AccountsEnv
from domain.accounts.errors import AccountLocked
from domain.accounts.events import anonymous_event, user_event
from domain.accounts.models import TokenPair, User
from domain.accounts.passwords import (
    hash_password,
    hash_rounds,
    password_problem,
    spend_equal_time,
    verify_password,
)
from domain.accounts.repository import find_by_email, update_user
from domain.accounts.sessions import open_session
from domain.events import Event, EventContext, EventType, publish
from domain.shared.errors import Forbidden, Unauthenticated

BAD_CREDENTIALS = "The email or password is incorrect"


def _locked_message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return (
        "Too many failed sign-in attempts; the account is locked. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''} or reset your password."
    )


async def _refuse(
    env: AccountsEnv, email: str, user: User | None, context: EventContext | None
) -> NoReturn:
    failures, just_locked = await lockout.record_failure(env.redis, env.settings, email)
    events: list[Event] = []
    if user is None:
        events.append(
            anonymous_event(
                EventType.AUTH_LOGIN_FAILED, email_key(email), context, email=email,
                reason="unknown_email", failures=failures,
            )
        )  # fmt: skip
    else:
        events.append(
            user_event(
                EventType.AUTH_LOGIN_FAILED, user.id, user.role.value, context,
                outcome="failure", email=email, reason="bad_password", failures=failures,
            )
        )  # fmt: skip
    if just_locked:
        minutes = env.settings.lockout_minutes
        if user is None:
            events.append(
                anonymous_event(EventType.AUTH_LOCKED_OUT, email_key(email), context,
                                email=email, minutes=minutes)
            )  # fmt: skip
        else:
            events.append(
                user_event(EventType.AUTH_LOCKED_OUT, user.id, user.role.value, context,
                           outcome="failure", email=email, minutes=minutes)
            )  # fmt: skip
    await publish(env.db, *events)
    if just_locked:
        seconds = env.settings.lockout_minutes * 60
        raise AccountLocked(_locked_message(seconds), retry_after=seconds)
    raise Unauthenticated(BAD_CREDENTIALS)


async def login(
    env: AccountsEnv, email: str, password: str, context: EventContext | None = None
) -> TokenPair:
    email = normalize_email(email)
    remaining = await lockout.locked_for(env.redis, email)
    if remaining:
        raise AccountLocked(_locked_message(remaining), retry_after=remaining)
    user = await find_by_email(env.db, email)
    if user is None:
        await spend_equal_time(password, env.settings.bcrypt_rounds)
        await _refuse(env, email, None, context)
    if not await verify_password(password, user.password_hash):
        await _refuse(env, email, user, context)
    if not user.active:
        raise Forbidden("This account has been deactivated")
    if not user.email_verified:
        raise Forbidden(
            "Confirm your email address before signing in; "
            "POST /api/v1/auth/resend-verification sends a new link"
        )
    await lockout.clear(env.redis, email)
    await _upgrade_hash(env, user, password)

    async def write(session: Any) -> TokenPair:
        pair = await open_session(env, user, session=session)
        await publish(
            env.db,
            user_event(EventType.AUTH_LOGIN_SUCCEEDED, user.id, user.role.value, context),
            session=session,
        )
        return pair

    return await atomically(env.client, write)


async def _upgrade_hash(env: AccountsEnv, user: User, password: str) -> None:
    """Rehash at the configured cost when it was raised since this hash was made."""
    if hash_rounds(user.password_hash) >= env.settings.bcrypt_rounds:
        return
    if password_problem(password) is not None:  # accepted under an older policy
        return
    new_hash = await hash_password(password, env.settings.bcrypt_rounds)
    await update_user(env.db, user.id, {"password_hash": new_hash})
