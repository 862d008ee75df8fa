"""Password changes: by reset link, by the signed-in user, by an operator (create-admin).

Each one ends every session of the user and raises the token version, so that a stolen
refresh or access token stops working together with the old password.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from domain.accounts import lockout, mail_cooldown, one_time_tokens, refresh_tokens
from domain.accounts.atomic import atomically
from domain.accounts.authentication import current_account
from domain.accounts.env import AccountsEnv
from domain.accounts.errors import AccountLocked, InvalidToken
from domain.accounts.events import user_event
from domain.accounts.models import Principal, TokenPair, User
from domain.accounts.one_time_tokens import Purpose
from domain.accounts.passwords import check_policy, hash_password, verify_password
from domain.accounts.repository import bump_token_version, get_user
from domain.accounts.revocation import record_revocation
from domain.accounts.sessions import open_session
from domain.events import EventContext, EventType, publish
from domain.shared.errors import InvalidInput
from domain.shared.jobs import JobQueue

TOO_MANY_ATTEMPTS = "Too many failed attempts; try again later or reset your password"
SEND_PASSWORD_RESET = "auth.send_password_reset_email"  # noqa: S105 - an actor name


async def check_current_password(env: AccountsEnv, user: User, password: str) -> None:
    """For changes to the account's credentials: a wrong password counts as a failed
    sign-in of the address (422 on `current_password`, 423 once locked). Admitted before
    bcrypt, as a sign-in is, so parallel guesses cannot outrun the count."""
    try:
        attempt = await lockout.admit(env.redis, env.settings, user.email)
    except lockout.Refused as refused:
        raise AccountLocked(TOO_MANY_ATTEMPTS, retry_after=refused.retry_after) from None
    try:
        if not await verify_password(password, user.password_hash):
            await count_failed_attempt(env, user, attempt)
            raise InvalidInput("The current password is incorrect", field="current_password")
    finally:
        await lockout.release(env.redis, attempt)


async def count_failed_attempt(
    env: AccountsEnv, user: User, attempt: lockout.Attempt | None = None
) -> None:
    """Raises AccountLocked when this attempt locks the address."""
    _, just_locked = await lockout.record_failure(env.redis, env.settings, user.email, attempt)
    if just_locked:
        raise AccountLocked(TOO_MANY_ATTEMPTS, retry_after=env.settings.lockout_minutes * 60)


async def revoke_everything(
    env: AccountsEnv, user_id: str, reason: str, changes: dict[str, Any], *, session: Any
) -> int:
    """Apply `changes` to the user, end all their sessions, raise the token version.
    Two-factor sign-in stays as it is: a new password does not replace the second factor."""
    version = await bump_token_version(env.db, user_id, changes, session=session)
    await refresh_tokens.revoke_all_sessions(env.db, user_id, reason, session=session)
    # A sign-in waiting for its second factor was started with the old credentials.
    await one_time_tokens.discard_all(env.db, Purpose.MFA_SIGN_IN, user_id, session=session)
    return version


async def reset_password(
    env: AccountsEnv, token: str, new_password: str, context: EventContext | None = None
) -> None:
    check_policy(new_password, field="new_password")
    # Checked before hashing so that made-up tokens cost no bcrypt work.
    if await one_time_tokens.peek(env.db, Purpose.RESET_PASSWORD, token) is None:
        raise InvalidToken("The reset link is invalid or has expired", field="token")
    new_hash = await hash_password(new_password, env.settings.bcrypt_rounds)
    now = datetime.now(UTC)

    async def write(session: Any) -> tuple[User, int]:
        user_id = await one_time_tokens.consume(
            env.db, Purpose.RESET_PASSWORD, token, session=session
        )
        user = await get_user(env.db, user_id, session=session) if user_id else None
        if user is None or not user.active:
            raise InvalidToken("The reset link is invalid or has expired", field="token")
        await one_time_tokens.discard_all(env.db, Purpose.RESET_PASSWORD, user.id, session=session)
        # Following the emailed link proves the address as well as verification does.
        changes: dict[str, Any] = {"password_hash": new_hash, "password_changed_at": now}
        if not user.email_verified:
            changes |= {"email_verified": True, "verified_at": now}
        version = await revoke_everything(env, user.id, "password_reset", changes, session=session)
        await publish(
            env.db,
            user_event(EventType.AUTH_PASSWORD_RESET, user.id, user.role.value, context),
            session=session,
        )
        return user, version

    user, version = await atomically(env.client, write)
    await record_revocation(env.redis, env.settings, user.id, version)
    await lockout.clear(env.redis, user.email, unlock=True)


async def change_password(
    env: AccountsEnv,
    principal: Principal,
    current_password: str,
    new_password: str,
    context: EventContext | None = None,
) -> TokenPair:
    """Returns a fresh token pair: every other session, and this one's old tokens, end."""
    user = await current_account(env, principal)
    await check_current_password(env, user, current_password)
    check_policy(new_password, field="new_password")
    if await verify_password(new_password, user.password_hash):
        raise InvalidInput(
            "The new password must differ from the current one", field="new_password"
        )
    new_hash = await hash_password(new_password, env.settings.bcrypt_rounds)

    async def write(session: Any) -> tuple[TokenPair, int]:
        version = await revoke_everything(
            env,
            user.id,
            "password_changed",
            {"password_hash": new_hash, "password_changed_at": datetime.now(UTC)},
            session=session,
        )
        fresh = await get_user(env.db, user.id, session=session)
        assert fresh is not None
        pair = await open_session(env, fresh, session=session)
        await publish(
            env.db,
            user_event(EventType.AUTH_PASSWORD_CHANGED, user.id, user.role.value, context),
            session=session,
        )
        return pair, version

    pair, version = await atomically(env.client, write)
    await record_revocation(env.redis, env.settings, user.id, version)
    return pair


async def set_password_by_operator(env: AccountsEnv, user: User, password: str) -> None:
    """Used by `esante create-admin` on an existing account."""
    new_hash = await hash_password(password, env.settings.bcrypt_rounds)

    async def write(session: Any) -> int:
        return await revoke_everything(
            env,
            user.id,
            "password_set_by_operator",
            {"password_hash": new_hash, "password_changed_at": datetime.now(UTC)},
            session=session,
        )

    version = await atomically(env.client, write)
    await record_revocation(env.redis, env.settings, user.id, version)


async def request_reset(env: AccountsEnv, jobs: JobQueue, email: str) -> None:
    """Enqueued whatever the address, at most once per cooldown: the answer and its timing
    reveal nothing. The job decides whether there is an account to write to."""
    if await mail_cooldown.claim(env.redis, env.settings.email_cooldown_seconds, "reset", email):
        jobs.enqueue(SEND_PASSWORD_RESET, email=email)
