"""Every event type the platform emits, and the Kafka topic each one goes to."""

from __future__ import annotations

from enum import StrEnum


class EventType(StrEnum):
    USER_REGISTERED = "user.registered"
    USER_VERIFIED = "user.verified"
    USER_UPDATED = "user.updated"
    USER_DEACTIVATED = "user.deactivated"
    USER_ACTIVATED = "user.activated"
    AUTH_LOGIN_SUCCEEDED = "auth.login_succeeded"
    AUTH_LOGIN_FAILED = "auth.login_failed"
    AUTH_LOCKED_OUT = "auth.locked_out"
    AUTH_REFRESH_REUSED = "auth.refresh_reused"
    AUTH_LOGGED_OUT = "auth.logged_out"
    AUTH_PASSWORD_RESET_REQUESTED = "auth.password_reset_requested"
    AUTH_PASSWORD_RESET = "auth.password_reset"
    AUTH_PASSWORD_CHANGED = "auth.password_changed"
    AUTH_ACCESS_DENIED = "auth.access_denied"
    AUTH_MFA_ENABLED = "auth.mfa_enabled"
    AUTH_MFA_DISABLED = "auth.mfa_disabled"
    AUTH_MFA_FAILED = "auth.mfa_failed"
    APPOINTMENT_REQUESTED = "appointment.requested"
    APPOINTMENT_CONFIRMED = "appointment.confirmed"
    APPOINTMENT_REJECTED = "appointment.rejected"
    APPOINTMENT_CANCELLED = "appointment.cancelled"
    APPOINTMENT_COMPLETED = "appointment.completed"
    APPOINTMENT_REMINDER = "appointment.reminder"
    CONSULTATION_CREATED = "consultation.created"
    CONSULTATION_UPDATED = "consultation.updated"
    CONSULTATION_NOTE_ADDED = "consultation.note_added"
    PRESCRIPTION_CREATED = "prescription.created"
    PRESCRIPTION_UPDATED = "prescription.updated"
    PRESCRIPTION_LOCKED = "prescription.locked"
    PRESCRIPTION_ADDENDUM_ADDED = "prescription.addendum_added"
    DOCUMENT_UPLOADED = "document.uploaded"
    DOCUMENT_SCANNED = "document.scanned"
    DOCUMENT_DELETED = "document.deleted"
    REFERRAL_CREATED = "referral.created"
    REFERRAL_ACCEPTED = "referral.accepted"
    REFERRAL_DECLINED = "referral.declined"
    REFERRAL_BOOKED = "referral.booked"
    # Its appointment was cancelled or rejected: accepted again, to be booked anew.
    REFERRAL_REOPENED = "referral.reopened"
    WAITLIST_JOINED = "waitlist.joined"
    WAITLIST_SLOT_OFFERED = "waitlist.slot_offered"
    WAITLIST_OFFER_EXPIRED = "waitlist.offer_expired"
    WAITLIST_LEFT = "waitlist.left"
    WAITLIST_CLOSED = "waitlist.closed"
    MESSAGE_SENT = "message.sent"
    RECORD_ACCESSED = "record.accessed"
    ADMIN_ACTION = "admin.action"


# The first part of the type decides the topic; a type not listed here is refused.
_TOPIC_BY_PREFIX = {
    "user": "users.events",
    "auth": "auth.events",
    "appointment": "appointments.events",
    "waitlist": "appointments.events",
    "consultation": "medical.events",
    "prescription": "medical.events",
    "document": "medical.events",
    "referral": "referrals.events",
    "message": "messaging.events",
    "record": "audit.access",
    "admin": "users.events",
}

TOPICS = sorted(set(_TOPIC_BY_PREFIX.values()))


def topic_for(event_type: str) -> str:
    prefix = event_type.split(".", 1)[0]
    try:
        return _TOPIC_BY_PREFIX[prefix]
    except KeyError:
        raise ValueError(f"no topic for event type {event_type!r}") from None
