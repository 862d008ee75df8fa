"""Who a bearer token belongs to: a signature check and one Redis read per request."""

from __future__ import annotations

from domain.accounts.access_tokens import decode_access_token
from domain.accounts.env import AccountsEnv
from domain.accounts.models import Principal, User
from domain.accounts.repository import get_user
from domain.accounts.revocation import is_revoked
from domain.shared.errors import Unauthenticated


async def authenticate(env: AccountsEnv, token: str) -> Principal:
    claims = decode_access_token(env.settings, token)
    if await is_revoked(env.redis, env.db, claims):
        raise Unauthenticated("The access token has been revoked; sign in again")
    return Principal(
        user_id=claims.user_id,
        role=claims.role,
        session_id=claims.session_id,
        token_id=claims.token_id,
    )


async def current_account(env: AccountsEnv, principal: Principal) -> User:
    """The caller's account, as long as it still exists and is active."""
    user = await get_user(env.db, principal.user_id)
    if user is None or not user.active:
        raise Unauthenticated("The access token is invalid or has expired")
    return user
