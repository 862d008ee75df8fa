"""A refused sign-in step (a wrong password, a wrong second-factor code): counted against
the address, reported, and answered 401, or 423 by the attempt that locks the address.

Each step is admitted before it is checked (domain/accounts/lockout.py), so parallel
guesses cannot outrun the count."""

from __future__ import annotations

from typing import Any, NoReturn

from domain.accounts import lockout
from domain.accounts.emails import email_key
from domain.accounts.env import AccountsEnv
from domain.accounts.errors import AccountLocked
from domain.accounts.events import anonymous_event, user_event
from domain.accounts.models import User
from domain.events import Event, EventContext, EventType, publish
from domain.shared.errors import Unauthenticated

BUSY_MESSAGE = (
    "Too many sign-in attempts for this account are being checked at once; "
    "try again in a few seconds."
)


def locked_message(seconds: int) -> str:
    minutes = max(1, -(-seconds // 60))
    return (
        "Too many failed sign-in attempts; the account is locked. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''} or reset your password."
    )


async def admit(env: AccountsEnv, email: str) -> lockout.Attempt:
    """A place for one guess at `email`; 423 while the address is locked, or while the
    attempts already being checked could lock it. Release it once checked."""
    try:
        return await lockout.admit(env.redis, env.settings, email)
    except lockout.Refused as refused:
        seconds = refused.retry_after
        message = BUSY_MESSAGE if refused.busy else locked_message(seconds)
        raise AccountLocked(message, retry_after=seconds) from None


async def ensure_unlocked(env: AccountsEnv, email: str) -> None:
    """After a slow check that succeeded: a lock set meanwhile still wins (423)."""
    remaining = await lockout.locked_for(env.redis, email)
    if remaining:
        raise AccountLocked(locked_message(remaining), retry_after=remaining)


def _event(
    type_: str, email: str, user: User | None, context: EventContext | None, **data: Any
) -> Event:
    if user is None:
        return anonymous_event(type_, email_key(email), context, email=email, **data)
    return user_event(
        type_, user.id, user.role.value, context, outcome="failure", email=email, **data
    )


async def refuse(
    env: AccountsEnv,
    email: str,
    user: User | None,
    context: EventContext | None,
    *,
    event_type: str,
    reason: str,
    message: str,
    attempt: lockout.Attempt,
    **data: Any,
) -> NoReturn:
    failures, just_locked = await lockout.record_failure(env.redis, env.settings, email, attempt)
    events = [_event(event_type, email, user, context, reason=reason, failures=failures, **data)]
    if just_locked:
        minutes = env.settings.lockout_minutes
        events.append(_event(EventType.AUTH_LOCKED_OUT, email, user, context, minutes=minutes))
    await publish(env.db, *events)
    if just_locked:
        seconds = env.settings.lockout_minutes * 60
        raise AccountLocked(locked_message(seconds), retry_after=seconds)
    raise Unauthenticated(message)
