"""Delivery state per channel, so that a resent job never delivers twice.

A delivery job claims its channel under a lease (`<channel>_status: sending` with a fresh
token), delivers, and commits `sent` only while it still holds that token. A job that
crashes leaves a claim that runs out; the next attempt takes it over, and a slow holder
that lost its claim cannot commit any more. For email the commit happens just before the
SMTP end-of-data marker (see `infra/mail.py`), so a crash either precedes the commit
(nothing was accepted by the server: safe to resend) or follows it (the message is out).

The functions take a blocking (pymongo) database: the delivery actors run them on their
own threads, where each step is one round trip with no hop through an event loop and an
executor thread (a third of a send_email job's time when these went through motor).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pymongo import ReturnDocument

from domain.notifications.models import DEAD, NOTIFICATIONS, PENDING, SENDING, SENT, SKIPPED
from domain.notifications.preferences import merged, preferences_now, wants
from domain.notifications.quiet_hours import held_until, quiet_hours_from
from domain.shared.clock import as_utc, epoch_ms

LEASE_SECONDS = 10.0


@dataclass(frozen=True)
class Claim:
    outcome: str  # claimed | done | busy | missing
    token: str = ""
    notification: dict[str, Any] | None = None
    retry_in: float = 0.0  # for busy: when the other holder's lease runs out


def _field(channel: str) -> str:
    return f"{channel}_status"


def claim(
    db: Any, notification_id: str, channel: str, lease_seconds: float = LEASE_SECONDS
) -> Claim:
    status = _field(channel)
    now = datetime.now(UTC)
    now_ms = epoch_ms(now)
    token = uuid.uuid4().hex
    doc = db[NOTIFICATIONS].find_one_and_update(
        # `$and`, not `_id` beside `$or`: the embedded store's writes then drop the `_id`
        # condition and would take over another notification's expired claim.
        {
            "$and": [
                {"_id": notification_id},
                {
                    "$or": [
                        {status: PENDING},
                        {status: SENDING, f"{channel}_lease_until_ms": {"$lte": now_ms}},
                    ]
                },
            ]
        },
        {
            "$set": {
                status: SENDING,
                f"{channel}_claim": token,
                f"{channel}_lease_until_ms": now_ms + int(lease_seconds * 1000),
            },
            "$inc": {f"{channel}_attempts": 1},
        },
        return_document=ReturnDocument.AFTER,
    )
    if doc is not None:
        return Claim("claimed", token, doc)
    current = db[NOTIFICATIONS].find_one({"_id": notification_id})
    if current is None:
        return Claim("missing")
    if current.get(status) == SENDING:
        until_ms = int(current.get(f"{channel}_lease_until_ms") or now_ms)
        return Claim("busy", retry_in=max(0.1, (until_ms - now_ms) / 1000))
    return Claim("done", notification=current)  # sent, skipped or dead


def commit_query(notification_id: str, channel: str, token: str) -> tuple[dict, dict]:
    """The conditional update that records a delivery (filter, update)."""
    return (
        {"_id": notification_id, _field(channel): SENDING, f"{channel}_claim": token},
        {"$set": {_field(channel): SENT, f"{channel}_sent_at": datetime.now(UTC)}},
    )


def lease_left(claim: Claim, channel: str) -> float:
    """Seconds until the claim's lease runs out (and another job may take it over)."""
    until_ms = int((claim.notification or {}).get(f"{channel}_lease_until_ms") or 0)
    return (until_ms - epoch_ms(datetime.now(UTC))) / 1000


def committed_by(doc: dict[str, Any] | None, channel: str, token: str) -> bool:
    """Whether `doc` records the delivery as made under the claim `token`."""
    return bool(doc and doc.get(_field(channel)) == SENT and doc.get(f"{channel}_claim") == token)


def commit(db: Any, notification_id: str, channel: str, token: str) -> bool:
    """Record the delivery; False when the claim was lost (then the caller must not send)."""
    result = db[NOTIFICATIONS].update_one(*commit_query(notification_id, channel, token))
    if result.modified_count:
        return True
    # Refused, or its answer misreported: the document itself says whether this claim's
    # commit stands (then the message must go out).
    doc = db[NOTIFICATIONS].find_one(
        {"_id": notification_id}, {_field(channel): 1, f"{channel}_claim": 1}
    )
    return committed_by(doc, channel, token)


def release(db: Any, notification_id: str, channel: str, token: str, error: str) -> None:
    """Give the delivery back after a failure (also undoes a commit the server then refused)."""
    db[NOTIFICATIONS].update_one(
        {"_id": notification_id, f"{channel}_claim": token},
        {
            "$set": {_field(channel): PENDING, f"{channel}_error": error[:500]},
            "$unset": {f"{channel}_lease_until_ms": ""},
        },
    )


@dataclass(frozen=True)
class Hold:
    until: datetime | None = None  # quiet hours, as they are now, hold it until then
    switched_off: bool = False  # the recipient turned this channel and category off


def hold_now(db: Any, notification: dict[str, Any], channel: str) -> Hold:
    """For a notification held back for its recipient's quiet hours: whether, by their
    preferences as they are now (one read), it still waits, and until when (the window may
    have moved or gone while the job waited), or is not wanted any more. A switch turned
    off skips what is pending at once (`preferences.update_preferences`); this read catches
    a notification stored or postponed while that happened. Only held notifications
    (`deliver_after`) read the preferences: every other delivery costs no round trip more
    than before, its switches read moments ago when it was stored."""
    if not notification.get("deliver_after"):
        return Hold()
    stored = preferences_now(db, str(notification["user_id"]))
    category = str(notification.get("category", ""))
    if not wants(merged(stored), channel, category):
        return Hold(switched_off=True)
    return Hold(held_until(quiet_hours_from(stored), category, datetime.now(UTC)))


def postpone(db: Any, notification_id: str, channel: str, token: str, until: datetime) -> None:
    """Give the claim back, the delivery now due at `until`."""
    db[NOTIFICATIONS].update_one(
        {"_id": notification_id, f"{channel}_claim": token},
        {
            "$set": {_field(channel): PENDING, "deliver_after": until},
            "$unset": {f"{channel}_lease_until_ms": ""},
        },
    )


def mark_dead(db: Any, notification_id: str, channel: str, error: str) -> None:
    db[NOTIFICATIONS].update_one(
        {"_id": notification_id, _field(channel): {"$ne": SENT}},
        {"$set": {_field(channel): DEAD, f"{channel}_error": error[:500]}},
    )


def finish_without_sending(
    db: Any,
    notification_id: str,
    channel: str,
    token: str,
    status: str = SKIPPED,
    reason: str | None = None,
) -> None:
    """Nowhere to deliver (no address, no device, a deactivated account), or nothing left
    to announce (`lapsed`): the job is done, not failed. `reason`, when given, is kept as
    `<channel>_reason` for whoever wonders why nothing went out."""
    change = {_field(channel): status, **({f"{channel}_reason": reason} if reason else {})}
    db[NOTIFICATIONS].update_one(
        {"_id": notification_id, f"{channel}_claim": token}, {"$set": change}
    )


def lapsed_by(notification: dict[str, Any], moment: datetime) -> bool:
    """Whether what the notification announced has run out at `moment` (`lapses_at`)."""
    lapses_at = notification.get("lapses_at")
    return lapses_at is not None and as_utc(lapses_at) <= moment
