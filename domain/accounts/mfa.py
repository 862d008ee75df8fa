"""Turning two-factor sign-in (TOTP) on and off.

Setup gives a new secret that waits, pending until a code from the authenticator proves
the user holds it; only then does sign-in ask for codes, and the recovery codes are
shown, once. Turning it on ends the account's other sessions: whoever signed in with the
password alone, before, must now show a code too. Turning it off takes the password and a
code (or a recovery code), so a stolen access token alone can do neither. A password
change or reset leaves it on.

Turning it on is also how a thief holding only a session could lock the owner out for
good (a reset keeps the second factor). So `enable` takes the password too, counted like a
sign-in, and requires it once the session's sign-in is older than
`MFA_ENABLE_RECENT_SIGN_IN_MINUTES`: a session kept alive by refreshes cannot do it alone,
while a fresh sign-in still can with just the code. Either change mails the account.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from domain.accounts import mfa_state, recovery_codes, refresh_tokens, second_factor, totp
from domain.accounts.atomic import atomically
from domain.accounts.authentication import current_account
from domain.accounts.credentials import check_current_password, count_failed_attempt
from domain.accounts.env import AccountsEnv
from domain.accounts.errors import PasswordConfirmationRequired
from domain.accounts.events import user_event
from domain.accounts.models import Principal, User
from domain.accounts.revocation import record_session_revocation
from domain.events import EventContext, EventType, publish
from domain.shared.errors import Conflict, InvalidInput
from domain.shared.jobs import JobQueue

ALREADY_ENABLED = "Two-factor sign-in is already enabled; disable it first to set it up again"
SIGN_IN_NOT_RECENT = (
    "Confirm your password to turn on two-factor sign-in: send current_password with the "
    "code, or sign in again"
)
SEND_MFA_CHANGED = "auth.send_mfa_changed_email"


@dataclass(frozen=True)
class Enrolment:
    secret: str
    otpauth_uri: str


async def setup(env: AccountsEnv, principal: Principal) -> Enrolment:
    """A new pending secret (replacing any earlier pending one)."""
    user = await current_account(env, principal)
    secret = totp.new_secret()
    if not await mfa_state.set_pending(env.db, env.secrets, user.id, secret):
        raise Conflict(ALREADY_ENABLED)
    return Enrolment(secret=secret, otpauth_uri=totp.provisioning_uri(secret, user.email))


async def _confirm_owner(
    env: AccountsEnv, principal: Principal, user: User, password: str | None
) -> None:
    """The password when given (wrong: 422, counted towards the lockout); without it, a
    sign-in within the recent window (else 403)."""
    if password is not None:
        await check_current_password(env, user, password)
        return
    started = (
        await refresh_tokens.signed_in_at(env.db, principal.session_id)
        if principal.session_id
        else None
    )
    recent = timedelta(minutes=env.settings.recent_sign_in_minutes)
    if started is None or datetime.now(UTC) - started > recent:
        raise PasswordConfirmationRequired(SIGN_IN_NOT_RECENT, field="current_password")


async def enable(
    env: AccountsEnv,
    jobs: JobQueue,
    principal: Principal,
    code: str,
    context: EventContext | None = None,
    *,
    current_password: str | None = None,
) -> list[str]:
    """Turns it on; returns the recovery codes (their only appearance in clear)."""
    user = await current_account(env, principal)
    state = await mfa_state.read(env.db, env.secrets, user.id)
    if state.enabled:
        raise Conflict(ALREADY_ENABLED)
    if state.pending_secret is None or state.pending_sealed is None:
        raise Conflict("There is no setup to confirm; POST /api/v1/auth/mfa/setup first")
    step = totp.matching_step(state.pending_secret, code)
    if step is None:
        raise InvalidInput(
            "The code is incorrect; enter the 6 digits the authenticator app shows now",
            field="code",
        )
    # After the setup and the code: a mistyped code costs no password attempt.
    await _confirm_owner(env, principal, user, current_password)
    codes = recovery_codes.generate()
    pending = state.pending_sealed

    async def write(session: Any) -> list[str]:
        version = await mfa_state.enable(env.db, user.id, pending, step, session=session)
        if version is None:
            raise Conflict("The setup changed meanwhile; start again with a new setup")
        # This session stays signed in under the raised version. No user-wide revocation
        # marker: it would void this session's access token too; the others are ended
        # one by one below, and a sign-in that overlapped this is refused at its refresh.
        if principal.session_id:
            await refresh_tokens.move_to_version(
                env.db, principal.session_id, version, session=session
            )
        await recovery_codes.replace(env.db, user.id, codes, session=session)
        ended = await refresh_tokens.revoke_other_sessions(
            env.db, user.id, principal.session_id, "mfa_enabled", session=session
        )
        event = user_event(EventType.AUTH_MFA_ENABLED, user.id, user.role.value, context,
                           recovery_codes=len(codes), other_sessions_ended=len(ended))  # fmt: skip
        await publish(env.db, event, session=session)
        return ended

    for session_id in await atomically(env.client, write):
        await record_session_revocation(env.redis, env.settings, session_id)
    jobs.enqueue(SEND_MFA_CHANGED, user_id=user.id, enabled=True)
    return codes


async def disable(
    env: AccountsEnv,
    jobs: JobQueue,
    principal: Principal,
    current_password: str,
    code: str,
    context: EventContext | None = None,
) -> None:
    user = await current_account(env, principal)
    await check_current_password(env, user, current_password)
    if not (await mfa_state.read(env.db, env.secrets, user.id)).enabled:
        raise Conflict("Two-factor sign-in is not enabled")

    async def write(session: Any) -> None:
        method = await second_factor.use(env.db, env.secrets, user.id, code, session=session)
        if not await mfa_state.disable(env.db, user.id, session=session):
            raise Conflict("Two-factor sign-in is not enabled")
        await recovery_codes.discard_all(env.db, user.id, session=session)
        event = user_event(EventType.AUTH_MFA_DISABLED, user.id, user.role.value, context,
                           second_factor=method)  # fmt: skip
        await publish(env.db, event, session=session)

    try:
        await atomically(env.client, write)
    except second_factor.WrongCode:
        failed = user_event(EventType.AUTH_MFA_FAILED, user.id, user.role.value, context,
                            outcome="failure", reason="wrong_code", stage="disable")  # fmt: skip
        await publish(env.db, failed)
        await count_failed_attempt(env, user)
        raise InvalidInput(second_factor.WRONG_CODE, field="code") from None
    jobs.enqueue(SEND_MFA_CHANGED, user_id=user.id, enabled=False)
