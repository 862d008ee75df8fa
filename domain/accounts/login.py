"""Sign-in with email and password.

Every refusal before the password is known to be right looks the same (401, same message,
same bcrypt cost), so the answers do not tell which addresses have accounts. Only once
the password matches do the account's own states show: unverified (403), deactivated
(403), and two-factor sign-in, which answers with a challenge instead of tokens
(domain/accounts/mfa_sign_in.py).
"""

from __future__ import annotations

from typing import Any, NoReturn

from domain.accounts import lockout, mfa_sign_in, sign_in_refusals
from domain.accounts.atomic import atomically
from domain.accounts.emails import normalize_email
from domain.accounts.env import AccountsEnv
from domain.accounts.models import MfaChallenge, TokenPair, User
from domain.accounts.passwords import (
    hash_password,
    hash_rounds,
    password_problem,
    spend_equal_time,
    verify_password,
)
from domain.accounts.repository import find_by_email, update_user
from domain.accounts.sessions import open_after_sign_in
from domain.events import EventContext, EventType
from domain.shared.errors import Forbidden

BAD_CREDENTIALS = "The email or password is incorrect"


async def _refuse(
    env: AccountsEnv,
    email: str,
    user: User | None,
    context: EventContext | None,
    attempt: lockout.Attempt,
) -> NoReturn:
    await sign_in_refusals.refuse(
        env, email, user, context, event_type=EventType.AUTH_LOGIN_FAILED,
        reason="unknown_email" if user is None else "bad_password", message=BAD_CREDENTIALS,
        attempt=attempt,
    )  # fmt: skip


async def login(
    env: AccountsEnv, email: str, password: str, context: EventContext | None = None
) -> TokenPair | MfaChallenge:
    email = normalize_email(email)
    # Counted before bcrypt, not after: parallel guesses all pass a check of the count
    # made while the first of them are still hashing.
    attempt = await sign_in_refusals.admit(env, email)
    try:
        user = await _check_password(env, email, password, context, attempt)
    finally:
        await lockout.release(env.redis, attempt)
    if not user.active:
        raise Forbidden("This account has been deactivated")
    if not user.email_verified:
        raise Forbidden(
            "Confirm your email address before signing in; "
            "POST /api/v1/auth/resend-verification sends a new link"
        )
    await _upgrade_hash(env, user, password)
    if user.mfa_enabled:
        # Failures are forgotten only once the code is right too: signing in again with
        # the password must not reset the count of wrong codes.
        return await mfa_sign_in.challenge(env, user)
    await lockout.clear(env.redis, email)

    async def write(session: Any) -> TokenPair:
        return await open_after_sign_in(env, user, context, session=session)

    return await atomically(env.client, write)


async def _check_password(
    env: AccountsEnv,
    email: str,
    password: str,
    context: EventContext | None,
    attempt: lockout.Attempt,
) -> User:
    """The account whose password this is, or a refusal counted against `attempt`."""
    user = await find_by_email(env.db, email)
    if user is None:
        await spend_equal_time(password, env.settings.bcrypt_rounds)
        await _refuse(env, email, None, context, attempt)
    if not await verify_password(password, user.password_hash):
        await _refuse(env, email, user, context, attempt)
    # Another process may have locked the address while this hash was being checked.
    await sign_in_refusals.ensure_unlocked(env, email)
    return user


async def _upgrade_hash(env: AccountsEnv, user: User, password: str) -> None:
    """Rehash at the configured cost when it was raised since this hash was made."""
    if hash_rounds(user.password_hash) >= env.settings.bcrypt_rounds:
        return
    if password_problem(password) is not None:  # accepted under an older policy
        return
    new_hash = await hash_password(password, env.settings.bcrypt_rounds)
    await update_user(env.db, user.id, {"password_hash": new_hash})
