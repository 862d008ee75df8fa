"""Account emails: verification, password reset, two-factor sign-in turned on or off.

Messages carry a user id or an address, never a token: the job derives its token from its
own message id, so a retry mails the same link and a dead letter shows nothing secret.
"""

from __future__ import annotations

import dramatiq
from dramatiq.middleware import CurrentMessage

from actors.context import run_async, worker_db, worker_mongo
from config.logging import get_logger
from config.settings import get_settings
from domain.accounts import AccountsEnv
from domain.accounts.mails import (
    OutgoingEmail,
    mfa_changed_email,
    password_reset_email,
    verification_email,
)
from infra.mail_errors import AddressNotAccepted

log = get_logger(__name__)
QUEUE = "auth"
# Failures no retry can mend: the job goes to the dead letters at once, for an admin to see.
UNDELIVERABLE = (AddressNotAccepted,)


def _env() -> AccountsEnv:
    settings = get_settings()
    return AccountsEnv(
        db=worker_db(),
        client=worker_mongo(),
        redis=None,  # mail jobs touch neither lockout counters nor revocation markers
        settings=settings.auth,
        base_url=settings.app.base_url,
    )


def _job_id() -> str:
    message = CurrentMessage.get_current_message()
    if message is None:
        raise RuntimeError("account emails must run as Dramatiq jobs")
    return str(message.message_id)


def _send(kind: str, job_id: str, mail: OutgoingEmail | None) -> None:
    from infra.mail import send_committed

    if mail is None:
        log.info("account_email_not_needed", kind=kind, job=job_id)
        return
    try:
        send_committed(
            get_settings().mail,
            to=mail.to,
            subject=mail.subject,
            text=mail.text,
            html=mail.html,
            message_id=f"<{kind}.{job_id}@esante>",
            # Nothing to record: the token is already stored and a resend repeats the same link.
        )
    except AddressNotAccepted as refused:
        # The dead letter this becomes carries no reason (none is stored without a retry).
        log.warning("email_address_not_accepted", kind=kind, job=job_id, error=str(refused))
        raise
    log.info("account_email_sent", kind=kind, job=job_id)


@dramatiq.actor(actor_name="auth.send_verification_email", queue_name=QUEUE, throws=UNDELIVERABLE)
def send_verification_email(user_id: str | None = None, email: str | None = None) -> None:
    job_id = _job_id()
    mail = run_async(verification_email(_env(), job_id=job_id, user_id=user_id, email=email))
    _send("verification", job_id, mail)


@dramatiq.actor(actor_name="auth.send_password_reset_email", queue_name=QUEUE, throws=UNDELIVERABLE)
def send_password_reset_email(email: str) -> None:
    job_id = _job_id()
    mail = run_async(password_reset_email(_env(), job_id=job_id, email=email))
    _send("password_reset", job_id, mail)


@dramatiq.actor(actor_name="auth.send_mfa_changed_email", queue_name=QUEUE, throws=UNDELIVERABLE)
def send_mfa_changed_email(user_id: str, enabled: bool) -> None:
    job_id = _job_id()
    mail = run_async(mfa_changed_email(_env(), user_id=user_id, enabled=enabled))
    _send("mfa_enabled" if enabled else "mfa_disabled", job_id, mail)
