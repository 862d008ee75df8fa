"""The account emails (verification, reset, two-factor changes): who gets one, with which link.

Called by the jobs that send them. Each job re-checks its condition (an unverified
account, an active account) because time passes between the request and the job.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from html import escape

from domain.accounts import one_time_tokens
from domain.accounts.env import AccountsEnv
from domain.accounts.events import user_event
from domain.accounts.models import User
from domain.accounts.one_time_tokens import Purpose
from domain.accounts.repository import find_by_email, get_user
from domain.events import EventType, publish
from domain.events.envelope import SYSTEM


@dataclass(frozen=True)
class OutgoingEmail:
    to: str
    subject: str
    text: str
    html: str


async def _recipient(env: AccountsEnv, user_id: str | None, email: str | None) -> User | None:
    if user_id:
        return await get_user(env.db, user_id)
    if email:
        return await find_by_email(env.db, email)
    return None


def _render(
    user: User, subject: str, intro: str, action: str, link: str, outro: str
) -> OutgoingEmail:
    name = user.first_name or "there"
    text = f"Hello {name},\n\n{intro}\n\n{action}: {link}\n\n{outro}\n\nE-Santé\n"
    html = (
        f"<p>Hello {escape(name)},</p><p>{escape(intro)}</p>"
        f'<p><a href="{escape(link)}">{escape(action)}</a></p>'
        f"<p>{escape(outro)}</p><p>E-Santé</p>"
    )
    return OutgoingEmail(to=user.email, subject=subject, text=text, html=html)


async def verification_email(
    env: AccountsEnv, *, job_id: str, user_id: str | None = None, email: str | None = None
) -> OutgoingEmail | None:
    user = await _recipient(env, user_id, email)
    if user is None or user.email_verified or not user.active:
        return None
    hours = env.settings.verification_token_hours
    token = await one_time_tokens.issue_for_job(
        env.db,
        env.settings.jwt_secret.get_secret_value(),
        Purpose.VERIFY_EMAIL,
        user.id,
        job_id,
        timedelta(hours=hours),
    )
    if token is None:
        return None
    link = f"{env.base_url.rstrip('/')}/verify-email?token={token.raw}"
    return _render(
        user,
        "Confirm your E-Santé email address",
        "Please confirm that this address is yours to finish creating your account.",
        "Confirm my email address",
        link,
        f"The link works once and expires in {hours} hours. "
        "If you did not create an account, ignore this message.",
    )


async def password_reset_email(
    env: AccountsEnv, *, job_id: str, email: str
) -> OutgoingEmail | None:
    user = await find_by_email(env.db, email)
    if user is None or not user.active:
        return None
    minutes = env.settings.reset_token_minutes
    token = await one_time_tokens.issue_for_job(
        env.db,
        env.settings.jwt_secret.get_secret_value(),
        Purpose.RESET_PASSWORD,
        user.id,
        job_id,
        timedelta(minutes=minutes),
    )
    if token is None:
        return None
    if token.first_issue:
        await publish(
            env.db,
            user_event(
                EventType.AUTH_PASSWORD_RESET_REQUESTED,
                user.id,
                user.role.value,
                None,
                actor=SYSTEM,
            ),
        )
    link = f"{env.base_url.rstrip('/')}/reset-password?token={token.raw}"
    return _render(
        user,
        "Reset your E-Santé password",
        "Someone asked to reset the password of your account.",
        "Choose a new password",
        link,
        f"The link works once and expires in {minutes} minutes. "
        "If you did not ask for this, ignore this message; your password stays the same.",
    )


async def mfa_changed_email(
    env: AccountsEnv, *, user_id: str, enabled: bool
) -> OutgoingEmail | None:
    """Sent whatever the notification preferences: whoever turned it on with a stolen
    session could have turned security notifications off first."""
    user = await get_user(env.db, user_id)
    if user is None or not user.active:
        return None
    link = f"{env.base_url.rstrip('/')}/account/security"
    if enabled:
        return _render(
            user,
            "Two-factor sign-in was turned on",
            "Two-factor sign-in was turned on for your E-Santé account: signing in now also "
            "asks for a code from an authenticator app.",
            "Review your account security",
            link,
            "If this was not you, someone else holds a session of your account and its "
            "codes: contact support to have two-factor sign-in removed, and reset your "
            "password.",
        )
    return _render(
        user,
        "Two-factor sign-in was turned off",
        "Two-factor sign-in was turned off for your E-Santé account: signing in now asks for "
        "your password only.",
        "Review your account security",
        link,
        "If this was not you, reset your password at once and turn two-factor sign-in on again.",
    )
