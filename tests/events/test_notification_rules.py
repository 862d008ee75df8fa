"""Who hears about what, in which words, on which channels (no processes needed)."""

from __future__ import annotations

from typing import Any

from config.settings import Settings
from domain.notifications.mapping import RULES, SILENT, messages_for
from domain.notifications.models import Message
from domain.notifications.preferences import (
    DEFAULTS,
    get_preferences,
    update_preferences,
)
from domain.notifications.repository import ensure_notification_indexes, store
from infra.mongo import create_mongo_client

BASE = "http://app.test"


def _event(event_type: str, actor: str | None = "doc", **data: Any) -> dict[str, Any]:
    return {
        "id": "e1",
        "type": event_type,
        "actor": {"id": actor, "role": "doctor"},
        "subject": {"type": event_type.split(".")[0], "id": "s1"},
        "patient_id": data.get("patient_id"),
        "data": data,
    }


def test_appointment_updates_reach_the_other_party_with_a_deep_link() -> None:
    messages = messages_for(
        _event("appointment.confirmed", patient_id="pat", doctor_id="doc", reason="chest pain"),
        BASE,
    )
    assert [(m.user_id, m.category) for m in messages] == [("pat", "appointments")]
    assert messages[0].link == "http://app.test/appointments/s1"
    assert "chest" not in messages[0].body and "chest" not in messages[0].title


def test_requests_go_to_the_doctor_and_referrals_to_both_doctors_sides() -> None:
    requested = messages_for(
        _event("appointment.requested", actor="pat", patient_id="pat", doctor_id="doc"), BASE
    )
    assert [m.user_id for m in requested] == ["doc"]
    created = messages_for(
        _event(
            "referral.created", actor="a", patient_id="pat", from_doctor_id="a", to_doctor_id="b"
        ),
        BASE,
    )
    assert sorted(m.user_id for m in created) == ["b", "pat"]
    accepted = messages_for(
        _event(
            "referral.accepted", actor="b", patient_id="pat", from_doctor_id="a", to_doctor_id="b"
        ),
        BASE,
    )
    assert sorted(m.user_id for m in accepted) == ["a", "pat"]


def test_messages_name_no_content_and_link_the_conversation() -> None:
    event = _event("message.sent", actor="a", recipient_ids=["b", "c"], conversation_id="conv9")
    event["data"]["text"] = "my test results are bad"
    messages = messages_for(event, BASE)
    assert [m.user_id for m in messages] == ["b", "c"]
    assert messages[0].body == "You have a new message."
    assert messages[0].link == "http://app.test/conversations/conv9"


def test_security_alerts_reach_the_account_owner_even_for_their_own_action() -> None:
    event = _event("auth.password_changed", actor="u1")
    event["subject"] = {"type": "user", "id": "u1"}
    assert [(m.user_id, m.category) for m in messages_for(event, BASE)] == [("u1", "security")]
    assert messages_for(_event("auth.login_failed"), BASE) == []  # too noisy to notify


# The event types API.md names.
CONTRACT_EVENT_TYPES = (
    "user.registered", "user.verified", "auth.login_failed", "appointment.requested",
    "appointment.confirmed", "appointment.rejected", "appointment.cancelled",
    "appointment.completed", "consultation.created", "prescription.created",
    "prescription.updated", "prescription.locked", "document.uploaded", "referral.created",
    "referral.accepted", "referral.declined", "message.sent", "record.accessed",
)  # fmt: skip


def test_every_contract_event_notifies_someone_with_a_title_and_deep_link_or_says_why_not() -> None:
    for event_type in CONTRACT_EVENT_TYPES:
        if event_type in SILENT:
            assert event_type not in RULES, event_type
            continue
        event = _event(
            event_type, actor="system", patient_id="pat", doctor_id="doc", from_doctor_id="a",
            to_doctor_id="b", recipient_ids=["b"], conversation_id="conv9",
        )  # fmt: skip
        messages = messages_for(event, BASE)
        assert messages, event_type
        for message in messages:
            assert message.title and message.body, event_type
            assert message.link.startswith(BASE + "/") and "{" not in message.link, event_type


def test_a_final_prescription_reaches_its_patient() -> None:
    locked = messages_for(_event("prescription.locked", actor="system", patient_id="pat",
                                 doctor_id="doc"), BASE)  # fmt: skip
    assert [(m.user_id, m.category, m.link) for m in locked] == [
        ("pat", "prescriptions", "http://app.test/prescriptions/s1")
    ]


async def test_preferences_default_per_channel_and_decide_the_channels(
    settings: Settings,
) -> None:
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    await ensure_notification_indexes(db)
    assert await get_preferences(db, "u1") == {**DEFAULTS, "quiet_hours": None}
    assert DEFAULTS["email"]["messages"] is False and DEFAULTS["push"]["messages"] is True
    updated = await update_preferences(
        db, "u1", {"email": {"appointments": False}, "push": {"nonsense": True}}
    )
    assert updated["email"]["appointments"] is False and "nonsense" not in updated["push"]
    message = Message("u1", "appointments", "Appointment update", "x", BASE)
    stored = await store(db, {"id": "e1", "type": "appointment.confirmed"}, message)
    assert (stored.created, stored.email_due, stored.push_due) == (True, False, True)
    again = await store(db, {"id": "e1", "type": "appointment.confirmed"}, message)
    assert (again.created, again.id) == (False, stored.id)
    assert await db.notifications.count_documents({}) == 1
    client.close()


def _document_event(event_type: str, uploader: str, **data: Any) -> dict[str, Any]:
    """A document event as the records service writes it: `doctor_id` is the uploader
    when a doctor uploaded, None when the patient did; the scan's actor is the system."""
    doctor_id = uploader if uploader == "doc" else None
    actor = uploader if event_type == "document.uploaded" else None
    event = _event(event_type, actor=actor, patient_id="pat", doctor_id=doctor_id, **data)
    event["subject"] = {"type": "document", "id": "d1"}
    return event


def test_an_upload_still_being_scanned_announces_nothing() -> None:
    for uploader in ("doc", "pat"):
        assert messages_for(_document_event("document.uploaded", uploader), BASE) == []


def test_a_document_is_announced_once_the_scan_makes_it_available() -> None:
    by_doctor = _document_event("document.scanned", "doc", status="available", uploaded_by="doc")
    [message] = messages_for(by_doctor, BASE)
    assert (message.user_id, message.category) == ("pat", "documents")
    assert (message.title, message.body) == ("New document", "A new document is available.")
    assert message.link == "http://app.test/documents/d1"
    # The patient's own upload is news to nobody (the doctor was not told of it before).
    by_patient = _document_event("document.scanned", "pat", status="available", uploaded_by="pat")
    assert messages_for(by_patient, BASE) == []


def test_a_rejected_document_tells_its_uploader_only_and_says_nothing_of_why() -> None:
    for uploader in ("doc", "pat"):
        event = _document_event(
            "document.scanned", uploader, status="rejected", uploaded_by=uploader,
            reason="malware signature found: EICAR-Test-File",
        )  # fmt: skip
        [message] = messages_for(event, BASE)
        assert (message.user_id, message.category) == (uploader, "documents")
        assert "available" not in message.body
        assert message.link == "http://app.test/documents/d1"
        words = f"{message.title} {message.body}".lower()
        assert "eicar" not in words and "malware" not in words
