"""From an event envelope to an audit record, shaped after FHIR AuditEvent.

FHIR names in brackets: `category` (type), `action` (action: C/R/U/D/E), `time`
(recorded), `outcome`, `actor_id`/`actor_role` (agent.who / agent.role),
`resource_type`/`resource_id` (entity.what), `patient_id` (patient), `ip`
(agent.network), `request_id`, `event_id`/`event_type` (source).
Fields are flat so that each admin filter is one indexed equality.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

CATEGORIES = (
    "auth",
    "user",
    "appointment",
    "medical",
    "referral",
    "messaging",
    "notification",
    "admin",
    "security",
)

_CATEGORY_BY_PREFIX = {
    "auth": "auth",
    "user": "user",
    "appointment": "appointment",
    "waitlist": "appointment",
    "consultation": "medical",
    "prescription": "medical",
    "document": "medical",
    "record": "medical",
    "referral": "referral",
    "message": "messaging",
    "notification": "notification",
    "admin": "admin",
}

# What an admin looks for under "security events".
SECURITY_EVENTS = frozenset(
    {
        "auth.login_failed",
        "auth.locked_out",
        "auth.refresh_reused",
        "auth.access_denied",
        "auth.mfa_enabled",
        "auth.mfa_disabled",
        "auth.mfa_failed",
    }
)

_ACTION_BY_VERB = {
    "registered": "C",
    "requested": "C",
    "created": "C",
    "uploaded": "C",
    "sent": "C",
    "note_added": "C",
    "addendum_added": "C",
    "joined": "C",
    "slot_offered": "C",
    "left": "D",
    "offer_expired": "U",
    "closed": "U",
    "booked": "C",
    "accessed": "R",
    "deleted": "D",
    "updated": "U",
    "verified": "U",
    "confirmed": "U",
    "rejected": "U",
    "cancelled": "U",
    "completed": "U",
    "locked": "U",
    "accepted": "U",
    "declined": "U",
    "reopened": "U",
    "activated": "U",
    "deactivated": "U",
    "scanned": "U",
    "password_changed": "U",
    "password_reset": "U",
    "mfa_enabled": "U",
    "mfa_disabled": "U",
}


def category_of(event_type: str) -> str:
    if event_type in SECURITY_EVENTS:
        return "security"
    return _CATEGORY_BY_PREFIX.get(event_type.split(".", 1)[0], "admin")


def action_of(event_type: str) -> str:
    # Logins, logouts, denials and admin operations are executions ("E") in FHIR terms.
    return _ACTION_BY_VERB.get(event_type.split(".", 1)[-1], "E")


def to_millis(value: datetime) -> datetime:
    """MongoDB keeps milliseconds; hashing what it will give back keeps the chain stable."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return to_millis(value)
    if isinstance(value, str):
        try:
            return to_millis(datetime.fromisoformat(value.replace("Z", "+00:00")))
        except ValueError:
            pass
    return to_millis(datetime.now(UTC))


def audit_record(event: dict[str, Any], *, source: str) -> dict[str, Any]:
    """The audit fields of one event (without seq and hashes, which the chain adds)."""
    event_type = str(event.get("type", "unknown"))
    actor = event.get("actor") or {}
    subject = event.get("subject") or {}
    context = event.get("context") or {}
    outcome = context.get("outcome") or ("failure" if event_type in SECURITY_EVENTS else "success")
    return {
        "event_id": str(event["id"]),
        "event_type": event_type,
        "category": category_of(event_type),
        "action": action_of(event_type),
        "time": parse_time(event.get("occurred_at")),
        "actor_id": actor.get("id"),
        "actor_role": actor.get("role") or "anonymous",
        "resource_type": subject.get("type"),
        "resource_id": subject.get("id"),
        "patient_id": event.get("patient_id"),
        "outcome": outcome,
        "ip": context.get("ip"),
        "request_id": context.get("request_id"),
        "user_agent": context.get("user_agent"),
        "source": source,
    }
