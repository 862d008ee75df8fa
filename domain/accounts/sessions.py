"""Token pairs: opening a session at sign-in, rotating it on refresh, closing it on logout."""

from __future__ import annotations

from typing import Any, NoReturn

from domain.accounts import refresh_tokens
from domain.accounts.access_tokens import issue_access_token
from domain.accounts.atomic import atomically
from domain.accounts.env import AccountsEnv
from domain.accounts.events import user_event
from domain.accounts.models import TokenPair, User
from domain.accounts.repository import get_user
from domain.accounts.revocation import record_session_revocation
from domain.events import EventContext, EventType, publish
from domain.shared.errors import Unauthenticated

REFRESH_REFUSED = "The refresh token is invalid, expired or revoked; sign in again"


def _access(env: AccountsEnv, user: User, session_id: str) -> tuple[str, int]:
    return issue_access_token(
        env.settings,
        user_id=user.id,
        role=user.role,
        token_version=user.token_version,
        session_id=session_id,
    )


async def open_session(env: AccountsEnv, user: User, *, session: Any = None) -> TokenPair:
    days = env.settings.refresh_token_days
    # `user` as read before the password was checked: its version, not the current one.
    session_id = await refresh_tokens.open_session(
        env.db, user.id, token_version=user.token_version, days=days, session=session
    )
    refresh = await refresh_tokens.issue(env.db, user.id, session_id, days=days, session=session)
    access, lifetime = _access(env, user, session_id)
    return TokenPair(access, refresh, lifetime, user)


async def open_after_sign_in(
    env: AccountsEnv, user: User, context: EventContext | None, *, session: Any, **data: Any
) -> TokenPair:
    """The session of a user who has just proved who they are, and its sign-in event."""
    pair = await open_session(env, user, session=session)
    event = user_event(EventType.AUTH_LOGIN_SUCCEEDED, user.id, user.role.value, context, **data)
    await publish(env.db, event, session=session)
    return pair


async def refresh(
    env: AccountsEnv, raw_refresh_token: str, context: EventContext | None = None
) -> TokenPair:
    result = await refresh_tokens.spend(env.db, raw_refresh_token)
    if result.outcome == "reused":
        await _revoke_reused(env, result.session_id, result.user_id, context)
        raise Unauthenticated(REFRESH_REFUSED)
    if result.outcome != "spent":
        raise Unauthenticated(REFRESH_REFUSED)
    assert result.session_id is not None and result.user_id is not None
    user = await get_user(env.db, result.user_id)
    if user is None or not user.active:
        await _end(env, result.session_id, "account_inactive")
    if _outdated(result, user):
        await _end(env, result.session_id, "credentials_changed")
    days = env.settings.refresh_token_days
    new_refresh = await refresh_tokens.issue(env.db, user.id, result.session_id, days=days)
    access, lifetime = _access(env, user, result.session_id)
    return TokenPair(access, new_refresh, lifetime, user)


def _outdated(result: refresh_tokens.SpendResult, user: User) -> bool:
    """Opened under an older version: its sign-in checked a password (or skipped a second
    factor) that a reset, change or MFA enable replaced while the check ran. A family stored
    before families kept their version has none and is let be: every raise of the version
    revokes all the user's families open at that time, so such a family can only be
    outdated by a race that ended before this was deployed, and refusing all of them would
    sign everyone out on deploy."""
    return result.token_version is not None and result.token_version < user.token_version


async def _end(env: AccountsEnv, session_id: str, reason: str) -> NoReturn:
    """Refuse the refresh and close the family (its access tokens too)."""
    if await refresh_tokens.revoke_session(env.db, session_id, reason):
        await record_session_revocation(env.redis, env.settings, session_id)
    raise Unauthenticated(REFRESH_REFUSED)


async def logout(
    env: AccountsEnv, raw_refresh_token: str, context: EventContext | None = None
) -> None:
    """Ends the session the token belongs to. Unknown tokens are ignored: logging out
    twice is not an error."""
    session_id = await refresh_tokens.find_session_of(env.db, raw_refresh_token)
    if session_id is None:
        return

    async def write(session: Any) -> None:
        if not await refresh_tokens.revoke_session(env.db, session_id, "logout", session=session):
            return
        doc = await env.db[refresh_tokens.SESSIONS].find_one({"_id": session_id}, session=session)
        user = await get_user(env.db, doc["user_id"], session=session) if doc else None
        if user is not None:
            event = user_event(
                EventType.AUTH_LOGGED_OUT, user.id, user.role.value, context, session_id=session_id
            )
            await publish(env.db, event, session=session)

    await atomically(env.client, write)
    await record_session_revocation(env.redis, env.settings, session_id)


async def _revoke_reused(
    env: AccountsEnv, session_id: str | None, user_id: str | None, context: EventContext | None
) -> None:
    """Two parties hold the same refresh token: end the family, report it once."""
    assert session_id is not None and user_id is not None

    async def write(session: Any) -> None:
        if not await refresh_tokens.revoke_session(
            env.db, session_id, "refresh_token_reused", session=session
        ):
            return
        user = await get_user(env.db, user_id, session=session)
        event = user_event(
            EventType.AUTH_REFRESH_REUSED,
            user_id,
            user.role.value if user else "unknown",
            context,
            outcome="failure",
            session_id=session_id,
        )
        await publish(env.db, event, session=session)

    await atomically(env.client, write)
    await record_session_revocation(env.redis, env.settings, session_id)
