"""Delivery of stored notifications by email and push, once each, by notification id."""

from __future__ import annotations

import html
import time
from datetime import UTC, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

import dramatiq
from dramatiq.middleware import CurrentMessage
from pymongo.errors import ConnectionFailure

from actors.context import worker_redis, worker_sync_db
from config.logging import get_logger
from config.settings import get_settings
from domain.messaging.presence import presence_key
from domain.notifications import delivery
from domain.notifications.devices import remove_subscriptions, subscriptions_of
from domain.notifications.models import ACCOUNT_INACTIVE, LAPSED, NOTIFICATIONS, PREFERENCE_OFF
from domain.notifications.recipients import recipient_of
from infra.mail_errors import AddressNotAccepted

if TYPE_CHECKING:
    from infra.mail import EndOfData

log = get_logger(__name__)
QUEUE = "notifications"
# Between attempts to record a delivery whose first answer was lost, while the claim lasts.
RECORD_RETRY_PAUSES = (0.0, 0.1, 0.3, 0.8, 2.0)


def _last_attempt() -> bool:
    message = CurrentMessage.get_current_message()
    if message is None:
        return True
    limit = message.options.get("max_retries", get_settings().worker.max_retries)
    return int(message.options.get("retries", 0)) >= int(limit)


def _give_back(db: Any, notification_id: str, channel: str, token: str, exc: Exception) -> None:
    """After a failed attempt: free the claim for the retry, or give up on the last one."""
    error = f"{type(exc).__name__}: {exc}"
    if _last_attempt():
        delivery.mark_dead(db, notification_id, channel, error)
    else:
        delivery.release(db, notification_id, channel, token, error)


def _requeue_later(actor: Any, notification_id: str, seconds: float) -> None:
    # Another job holds the delivery (look again once its lease has run out), or the
    # recipient's quiet hours do (look again when they end).
    actor.send_with_options(args=(notification_id,), delay=max(0, int(seconds * 1000)) + 100)


def _not_now(
    actor: Any, db: Any, notification_id: str, channel: str, claim: delivery.Claim
) -> bool:
    """Whether the delivery is not to be made now. Either the recipient switched it off
    while it was held, or what it announced has run out (an offer), or will have when the
    recipient's quiet hours end: then it is never made. Or those quiet hours, as they are
    now, still hold it back: then the job is queued again for their end and the claim
    given back."""
    notification = claim.notification or {}
    hold = delivery.hold_now(db, notification, channel)
    if hold.switched_off:
        _skip(db, notification_id, channel, claim, PREFERENCE_OFF)
        return True
    until = hold.until
    if delivery.lapsed_by(notification, until or datetime.now(UTC)):
        delivery.finish_without_sending(db, notification_id, channel, claim.token, LAPSED)
        log.info("delivery_lapsed", notification_id=notification_id, channel=channel)
        return True
    if until is None:
        return False
    # Queued before the claim is given back: should the worker die in between, the claim
    # runs out and the queued job takes the delivery over.
    _requeue_later(actor, notification_id, (until - datetime.now(UTC)).total_seconds())
    delivery.postpone(db, notification_id, channel, claim.token, until)
    log.info("delivery_held_for_quiet_hours", notification_id=notification_id,
             channel=channel, until=until.isoformat())  # fmt: skip
    return True


def _recipient(
    db: Any, notification_id: str, channel: str, claim: delivery.Claim
) -> dict[str, Any] | None:
    """The account to deliver to (both channels ask here). A deactivated or deleted one ends
    the delivery `skipped`, so nothing reaches an account its owner or an admin closed."""
    user_id = str((claim.notification or {})["user_id"])
    user = recipient_of(db, user_id)
    if user is None:
        _skip(db, notification_id, channel, claim, ACCOUNT_INACTIVE)
    return user


def _skip(db: Any, notification_id: str, channel: str, claim: delivery.Claim, reason: str) -> None:
    delivery.finish_without_sending(db, notification_id, channel, claim.token, reason=reason)
    log.info("delivery_skipped", notification_id=notification_id, channel=channel, reason=reason)


def _email_bodies(notification: dict[str, Any]) -> tuple[str, str]:
    title, body, link = notification["title"], notification["body"], notification["link"]
    text = f"{body}\n\nOpen E-Santé: {link}\n"
    markup = (
        f"<p>{html.escape(body)}</p>"
        f'<p><a href="{html.escape(link, quote=True)}">Open E-Santé</a></p>'
        f"<p style='color:#777'>{html.escape(title)}</p>"
    )
    return text, markup


def _record_then_end(db: Any, notification_id: str, claim: delivery.Claim, end: EndOfData) -> None:
    """The commit hook of an email: record the delivery, then send the end-of-data marker.

    Blocking and on this thread, with the record's request on the wire before the marker:
    a crash in between would lose the email (see infra/pipelined_write.py), so nothing may
    wait there.
    """
    from infra.mail import CommitRefused
    from infra.pipelined_write import update_one_then_send

    if delivery.lease_left(claim, "email") < delivery.LEASE_SECONDS / 2:
        # Nobody can take a claim over before its lease runs out, so with half of it left
        # the record below cannot be refused after the marker went out.
        raise CommitRefused("too little of the delivery claim left")
    filter_, update = delivery.commit_query(notification_id, "email", claim.token)
    try:
        if update_one_then_send(db[NOTIFICATIONS], filter_, update, end):
            return
    except ConnectionFailure as lost:
        if not end.sent:
            raise  # nothing was delivered: the claim is given back as after any failure
        # The marker is out, so the message is delivered, but the store's answer was lost:
        # the record may or may not have been applied. Giving the claim back now would
        # have the retry send the message a second time.
        log.warning("email_record_answer_lost", notification_id=notification_id,
                    error=type(lost).__name__)  # fmt: skip
    if not _recorded_as_delivered(db, notification_id, claim):
        # The message is out and someone else holds the delivery: it may arrive twice.
        log.error("email_commit_refused_after_sending", notification_id=notification_id)


def _recorded_as_delivered(db: Any, notification_id: str, claim: delivery.Claim) -> bool:
    """After the end marker went out: make the record say `sent` under the claim (the commit
    is conditional on its token, so applying it again is harmless), waiting out a store
    that does not answer for a few seconds, as long as the claim's lease lasts."""
    from infra.mail import DeliveryUnconfirmed

    failure: Exception | None = None
    for pause in RECORD_RETRY_PAUSES:
        time.sleep(pause)
        if delivery.lease_left(claim, "email") <= 0:
            break  # another job may take the delivery over from here on
        try:
            return delivery.commit(db, notification_id, "email", claim.token)
        except ConnectionFailure as lost:
            failure = lost
    # Delivered, but the record still says `sending`: the job must still not be retried.
    raise DeliveryUnconfirmed(f"the delivery could not be recorded: {failure}")


@dramatiq.actor(
    actor_name="notifications.send_email", queue_name=QUEUE, throws=(AddressNotAccepted,)
)
def send_email(notification_id: str) -> None:
    from infra.mail import CommitRefused, DeliveryUnconfirmed, send_committed

    db = worker_sync_db()
    claim = delivery.claim(db, notification_id, "email")
    if claim.outcome == "busy":
        _requeue_later(send_email, notification_id, claim.retry_in)
        return
    if claim.outcome != "claimed":
        return  # done already, or nothing to deliver
    if _not_now(send_email, db, notification_id, "email", claim):
        return
    notification = claim.notification or {}
    user = _recipient(db, notification_id, "email", claim)
    if user is None:
        return
    address = user.get("email")
    if not address:
        delivery.finish_without_sending(db, notification_id, "email", claim.token)
        return

    text, markup = _email_bodies(notification)
    settings = get_settings()
    try:
        send_committed(
            settings.mail,
            to=address,
            subject=notification["title"],
            text=text,
            html=markup,
            message_id=f"<{notification_id}@esante>",
            headers={"X-Esante-Notification": notification_id},
            commit=partial(_record_then_end, db, notification_id, claim),
        )
    except DeliveryUnconfirmed as unconfirmed:
        # The message and its end marker are out, but an answer was lost: the relay's (the
        # delivery is recorded) or the store's for longer than the claim lasts (the record
        # still says `sending`). Sending it again could deliver it twice (see infra/mail.py).
        log.warning("email_answer_lost_after_end_of_data", notification_id=notification_id,
                    error=str(unconfirmed))  # fmt: skip
        return
    except AddressNotAccepted as refused:
        # Nothing was sent (the relay refused before the message) and no retry can change
        # that: recorded as failed, and the job goes to the dead letters at once.
        log.warning("email_address_not_accepted", notification_id=notification_id,
                    error=str(refused))  # fmt: skip
        delivery.mark_dead(db, notification_id, "email", f"AddressNotAccepted: {refused}")
        raise
    except CommitRefused as refused:
        # Nothing was delivered (the marker never went out): give the claim back and start
        # over with a fresh one.
        log.info("email_commit_refused", notification_id=notification_id, reason=str(refused))
        delivery.release(db, notification_id, "email", claim.token, str(refused))
        _requeue_later(send_email, notification_id, 0.0)
        return
    except Exception as exc:
        _give_back(db, notification_id, "email", claim.token, exc)
        raise


def _connected(user_id: str) -> bool:
    """Whether the user has a live Socket.IO connection on any web process (the presence set
    the web processes keep, read the way `domain.messaging.presence.is_online` does)."""
    return int(worker_redis().zcount(presence_key(user_id), time.time(), "+inf")) > 0


@dramatiq.actor(actor_name="notifications.send_push", queue_name=QUEUE)
def send_push(notification_id: str) -> None:
    from infra.push import push_client
    from infra.push import send_push as post_push

    db = worker_sync_db()
    claim = delivery.claim(db, notification_id, "push")
    if claim.outcome == "busy":
        _requeue_later(send_push, notification_id, claim.retry_in)
        return
    if claim.outcome != "claimed":
        return
    if _not_now(send_push, db, notification_id, "push", claim):
        return
    notification = claim.notification or {}
    if notification.get("category") == "messages" and _connected(notification["user_id"]):
        # The open socket already showed the message (`message:new`): no push on top.
        delivery.finish_without_sending(db, notification_id, "push", claim.token)
        return
    if _recipient(db, notification_id, "push", claim) is None:
        return
    subscriptions = subscriptions_of(db, notification["user_id"])
    if not subscriptions:
        delivery.finish_without_sending(db, notification_id, "push", claim.token)
        return
    try:
        invalid = post_push(
            push_client(get_settings().push),
            subscription_ids=subscriptions,
            title=notification["title"],
            body=notification["body"],
            link=notification["link"],
            notification_id=notification_id,
        )
    except Exception as exc:
        _give_back(db, notification_id, "push", claim.token, exc)
        raise
    if set(invalid) >= set(subscriptions):
        # Every device was gone: OneSignal created nothing, so nothing was delivered.
        delivery.finish_without_sending(db, notification_id, "push", claim.token)
    else:
        delivery.commit(db, notification_id, "push", claim.token)
    if invalid:
        removed = remove_subscriptions(db, invalid)
        log.info("push_subscriptions_removed", count=removed, user_id=notification["user_id"])
