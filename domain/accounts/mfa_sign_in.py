"""The second step of a two-factor sign-in.

A right password on an account with two-factor sign-in gets no tokens, only an
`mfa_token`: random, single-use, stored as a hash with its user, valid
`MFA_TOKEN_SECONDS`, and of a purpose nothing else accepts (it is no JWT and no refresh
token). With a right code it opens the session exactly as a sign-in without a second
factor does. A wrong code counts as a failed sign-in of the address, so codes cannot be
guessed faster than passwords: the lockout stops both.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from domain.accounts import lockout, one_time_tokens, second_factor, sign_in_refusals
from domain.accounts.atomic import atomically
from domain.accounts.env import AccountsEnv
from domain.accounts.models import MfaChallenge, TokenPair, User
from domain.accounts.one_time_tokens import Purpose
from domain.accounts.repository import get_user
from domain.accounts.sessions import open_after_sign_in
from domain.events import EventContext, EventType
from domain.shared.errors import Unauthenticated

CHALLENGE_REFUSED = "The sign-in has expired or was already completed; sign in again"


async def challenge(env: AccountsEnv, user: User) -> MfaChallenge:
    seconds = env.settings.mfa_token_seconds
    token = await one_time_tokens.issue(
        env.db, Purpose.MFA_SIGN_IN, user.id, timedelta(seconds=seconds)
    )
    return MfaChallenge(mfa_token=token, expires_in=seconds)


async def verify(
    env: AccountsEnv, mfa_token: str, code: str, context: EventContext | None = None
) -> TokenPair:
    user_id = await one_time_tokens.peek(env.db, Purpose.MFA_SIGN_IN, mfa_token)
    user = await get_user(env.db, user_id) if user_id else None
    if user is None or not user.active or not user.mfa_enabled:
        raise Unauthenticated(CHALLENGE_REFUSED)
    # Admitted before the code is checked, so parallel codes on one mfa_token cannot all
    # be checked before the first failures are counted.
    attempt = await sign_in_refusals.admit(env, user.email)

    async def write(session: Any) -> TokenPair:
        used = await one_time_tokens.consume(
            env.db, Purpose.MFA_SIGN_IN, mfa_token, session=session
        )
        if used is None:  # another request completed this sign-in meanwhile
            raise Unauthenticated(CHALLENGE_REFUSED)
        # A wrong code rolls the token's use back: it stays usable for another try.
        method = await second_factor.use(env.db, env.secrets, user.id, code, session=session)
        return await open_after_sign_in(env, user, context, session=session, second_factor=method)

    try:
        pair = await atomically(env.client, write)
    except second_factor.WrongCode:
        await sign_in_refusals.refuse(
            env, user.email, user, context, event_type=EventType.AUTH_MFA_FAILED,
            reason="wrong_code", message=second_factor.WRONG_CODE, stage="sign_in",
            attempt=attempt,
        )  # fmt: skip
    finally:
        await lockout.release(env.redis, attempt)
    await lockout.clear(env.redis, user.email)
    return pair
