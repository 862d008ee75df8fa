"""Which domain events notify whom, and with what words.

Recipients come from the event by convention: `data.patient_id`, `data.doctor_id`,
`data.from_doctor_id` / `data.to_doctor_id` for referrals, `data.recipient_ids` for
messages, the envelope's `patient_id`, and the subject for account security events.
Nobody is notified of their own action, except about their account's security. An event
that reports an outcome (`data.status`, such as a document's scan) may have one rule per
outcome; an outcome without one notifies nobody. Texts
never carry medical details: whoever sees a lock screen or an inbox learns only that
something happened and where to look.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from domain.notifications.models import Message
from domain.shared.clock import as_utc
from domain.waitlist.entries import OFFER_MINUTES


@dataclass(frozen=True)
class Rule:
    category: str
    title: str
    body: str
    path: str  # deep link below APP_BASE_URL; `{subject_id}` and data fields are filled in
    recipients: Callable[[dict[str, Any]], list[str | None]]
    lapses_with: str | None = None  # the event's data field holding `Message.lapses_at`
    status: str | None = None  # only events whose `data.status` is this one


def _data(event: dict[str, Any], name: str) -> str | None:
    value = (event.get("data") or {}).get(name)
    return str(value) if value else None


def _patient(event: dict[str, Any]) -> str | None:
    return _data(event, "patient_id") or event.get("patient_id")


def _patient_and_doctor(event: dict[str, Any]) -> list[str | None]:
    return [_patient(event), _data(event, "doctor_id")]


def _patient_only(event: dict[str, Any]) -> list[str | None]:
    return [_patient(event)]


def _doctor_only(event: dict[str, Any]) -> list[str | None]:
    return [_data(event, "doctor_id")]


def _referral_receiver(event: dict[str, Any]) -> list[str | None]:
    return [_data(event, "to_doctor_id"), _patient(event)]


def _referral_sender(event: dict[str, Any]) -> list[str | None]:
    return [_data(event, "from_doctor_id"), _patient(event)]


def _referring_doctor(event: dict[str, Any]) -> list[str | None]:
    return [_data(event, "from_doctor_id")]


def _both_doctors_and_patient(event: dict[str, Any]) -> list[str | None]:
    return [_data(event, "from_doctor_id"), _data(event, "to_doctor_id"), _patient(event)]


def _message_recipients(event: dict[str, Any]) -> list[str | None]:
    ids = (event.get("data") or {}).get("recipient_ids") or []
    return [str(i) for i in ids if i]


def _document_uploader(event: dict[str, Any]) -> list[str | None]:
    return [_data(event, "uploaded_by")]


def _document_readers_but_uploader(event: dict[str, Any]) -> list[str | None]:
    # The scan is the system's doing, so "never the actor" would not spare the uploader.
    uploader = _data(event, "uploaded_by")
    return [user_id for user_id in _patient_and_doctor(event) if user_id != uploader]


def _account_owner(event: dict[str, Any]) -> list[str | None]:
    subject = event.get("subject") or {}
    return [subject.get("id") if subject.get("type") == "user" else None]


_APPOINTMENT = "/appointments/{subject_id}"
_APPOINTMENT_UPDATE = ("Appointment update", "You have an appointment update.")

RULES: dict[str, Rule | tuple[Rule, ...]] = {
    "appointment.requested": Rule(
        "appointments",
        "New appointment request",
        "You have a new appointment request.",
        _APPOINTMENT,
        _doctor_only,
    ),
    **{
        event_type: Rule("appointments", *_APPOINTMENT_UPDATE, _APPOINTMENT, _patient_and_doctor)
        for event_type in (
            "appointment.confirmed",
            "appointment.rejected",
            "appointment.cancelled",
            "appointment.completed",
        )
    },
    "appointment.reminder": Rule(
        "appointments",
        "Appointment reminder",
        "You have an upcoming appointment.",
        _APPOINTMENT,
        _patient_and_doctor,
    ),
    "waitlist.slot_offered": Rule(
        "appointments",
        "A slot opened up",
        f"A slot you are waiting for is held for you for {OFFER_MINUTES} minutes.",
        "/waitlist/{subject_id}",
        _patient_only,
        lapses_with="expires_at",
    ),
    "prescription.created": Rule(
        "prescriptions",
        "New prescription",
        "You have a new prescription.",
        "/prescriptions/{subject_id}",
        _patient_only,
    ),
    "prescription.updated": Rule(
        "prescriptions",
        "Prescription update",
        "One of your prescriptions was updated.",
        "/prescriptions/{subject_id}",
        _patient_only,
    ),
    "prescription.locked": Rule(
        "prescriptions",
        "Prescription final",
        "One of your prescriptions is now final.",
        "/prescriptions/{subject_id}",
        _patient_only,
    ),
    "prescription.addendum_added": Rule(
        "prescriptions",
        "Prescription update",
        "A note was added to one of your prescriptions.",
        "/prescriptions/{subject_id}",
        _patient_only,
    ),
    "consultation.created": Rule(
        "documents",
        "New consultation record",
        "A new consultation record is available.",
        "/consultations/{subject_id}",
        _patient_only,
    ),
    # A document is news once it can be opened; one the scan refused is news to its
    # uploader alone (the others never knew of it).
    "document.scanned": (
        Rule(
            "documents",
            "New document",
            "A new document is available.",
            "/documents/{subject_id}",
            _document_readers_but_uploader,
            status="available",
        ),
        Rule(
            "documents",
            "Document not accepted",
            "A document you uploaded could not be accepted.",
            "/documents/{subject_id}",
            _document_uploader,
            status="rejected",
        ),
    ),
    "referral.created": Rule(
        "referrals",
        "New referral",
        "You have a new referral.",
        "/referrals/{subject_id}",
        _referral_receiver,
    ),
    "referral.accepted": Rule(
        "referrals",
        "Referral update",
        "You have a referral update.",
        "/referrals/{subject_id}",
        _referral_sender,
    ),
    "referral.declined": Rule(
        "referrals",
        "Referral update",
        "You have a referral update.",
        "/referrals/{subject_id}",
        _referral_sender,
    ),
    "referral.booked": Rule(
        "referrals",
        "Referral appointment booked",
        "You have an appointment update.",
        "/referrals/{subject_id}",
        _both_doctors_and_patient,
    ),
    # The patient and the receiving doctor hear of the cancellation itself; the referring
    # doctor learns that the referral waits to be booked again.
    "referral.reopened": Rule(
        "referrals",
        "Referral to book again",
        "A referred appointment was cancelled; the referral can be booked again.",
        "/referrals/{subject_id}",
        _referring_doctor,
    ),
    "message.sent": Rule(
        "messages",
        "New message",
        "You have a new message.",
        "/conversations/{conversation_id}",
        _message_recipients,
    ),
    **{
        event_type: Rule(
            "security",
            "Security alert",
            "There was security activity on your account. If it was not you, change your password.",
            "/account/security",
            _account_owner,
        )
        for event_type in (
            "auth.locked_out",
            "auth.refresh_reused",
            "auth.password_changed",
            "auth.password_reset",
            "auth.mfa_enabled",
            "auth.mfa_disabled",
        )
    },
}

# Contract events that notify nobody, and why (a new event type gets a rule or a line here).
SILENT: dict[str, str] = {
    "user.registered": "the verification email, sent whatever the preferences, is the message",
    "user.verified": "the person has just done it and sees the answer on screen",
    "auth.login_failed": "too noisy (anyone can type an address); a lockout does notify",
    "document.uploaded": (
        "it cannot be opened until scanned; `document.scanned` announces it once available"
    ),
    "auth.mfa_failed": (
        "a mistyped code is common; repeated wrong codes at sign-in lock the account, and the "
        "lockout notifies"
    ),
    "record.accessed": "every read of a record; admins answer 'who read it' from the access log",
}


def messages_for(event: dict[str, Any], base_url: str) -> list[Message]:
    """One message per distinct recipient of `event` (none for unmapped types)."""
    rule = rule_for(event)
    if rule is None:
        return []
    actor_id = (event.get("actor") or {}).get("id")
    subject_id = (event.get("subject") or {}).get("id") or ""
    fields = {k: v for k, v in (event.get("data") or {}).items() if isinstance(v, str | int)}
    fields.setdefault("conversation_id", subject_id)
    try:
        path = rule.path.format(**{**fields, "subject_id": subject_id})
    except (KeyError, IndexError, ValueError):
        path = "/notifications"
    link = base_url.rstrip("/") + path
    lapses_at = _instant(fields.get(rule.lapses_with)) if rule.lapses_with else None
    seen: set[str] = set()
    result: list[Message] = []
    for user_id in rule.recipients(event):
        own_action = user_id == actor_id and rule.category != "security"
        if not user_id or own_action or user_id in seen:
            continue
        seen.add(user_id)
        result.append(
            Message(user_id, rule.category, rule.title, rule.body, link, lapses_at=lapses_at)
        )
    return result


def rule_for(event: dict[str, Any]) -> Rule | None:
    """The rule of the event's type, and of its outcome where its type has one per outcome."""
    found = RULES.get(str(event.get("type")))
    rules = found if isinstance(found, tuple) else (found,) if found else ()
    status = _data(event, "status")
    return next((rule for rule in rules if rule.status in (None, status)), None)


def _instant(value: object) -> datetime | None:
    try:
        return as_utc(value) if isinstance(value, str) else None
    except ValueError:
        return None
