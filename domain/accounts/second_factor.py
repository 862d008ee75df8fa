"""Checking the second factor of an account: a TOTP code not used before, or an unused
recovery code. Accepting one uses it up."""

from __future__ import annotations

from typing import Any

from domain.accounts import mfa_state, recovery_codes, totp
from domain.accounts.secret_box import SecretBox

WRONG_CODE = "The code is incorrect or was already used"


class WrongCode(Exception):
    """Raised inside the transaction of the change the code was to allow, so that the
    change and anything else the attempt touched are rolled back together."""


async def accept(
    db: Any, box: SecretBox, user_id: str, code: str, *, session: Any = None
) -> str | None:
    """How the code was accepted ("totp" or "recovery_code"), or None when it is wrong,
    already used, or the account has no second factor."""
    if totp.looks_like_code(code):
        state = await mfa_state.read(db, box, user_id, session=session)
        if not state.enabled or state.secret is None:
            return None
        step = totp.matching_step(state.secret, code)
        if step is None or not await mfa_state.accept_step(db, user_id, step, session=session):
            return None
        return "totp"
    if await recovery_codes.spend(db, user_id, code, session=session):
        return "recovery_code"
    return None


async def use(db: Any, box: SecretBox, user_id: str, code: str, *, session: Any) -> str:
    """Like `accept`, raising WrongCode instead of answering None."""
    method = await accept(db, box, user_id, code, session=session)
    if method is None:
        raise WrongCode
    return method
