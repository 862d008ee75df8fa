"""A document is announced when the scan makes it available, never while it waits for the
scan, and a rejected one only to whoever uploaded it (real streams and worker processes)."""

from __future__ import annotations

import email
from pathlib import Path
from typing import Any

import pytest

from config.settings import Settings
from domain.records.scanning import EICAR
from tests.events.support import eventually, sent_emails, sent_pushes
from tests.records.support import PDF, book, upload_form
from tests.support.people import make_person

NOTIFICATIONS = "/api/v1/notifications"
DOCUMENTS = "/api/v1/documents"


async def _inbox(client: Any, person: Any) -> list[dict[str, Any]]:
    page = (await client.get(NOTIFICATIONS, headers=person.headers)).json()
    return list(page["items"])


def _about(items: list[dict[str, Any]], document_id: str) -> list[dict[str, Any]]:
    return [n for n in items if n["link"].endswith(f"/documents/{document_id}")]


@pytest.mark.e2e
async def test_documents_are_announced_by_the_outcome_of_their_scan(
    client: Any, db: Any, settings: Settings, platform: Any, data_dir: Path
) -> None:
    doctor = await make_person(db, settings, "doctor")
    patient = await make_person(db, settings, "patient")
    await book(db, doctor, patient)
    # The patient wants no push about documents: the category still decides the channels.
    switched = await client.put(
        f"{NOTIFICATIONS}/preferences", json={"push": {"documents": False}},
        headers=patient.headers,
    )  # fmt: skip
    assert switched.status_code == 200, switched.text
    platform.start("streams")

    async def upload(data: bytes) -> str:
        form = upload_form(patient.id, data, title="Blood test of March")
        response = await client.post(DOCUMENTS, **form, headers=doctor.headers)
        assert response.status_code == 201, response.text
        assert response.json()["status"] == "pending_scan"
        return str(response.json()["id"])

    clean = await upload(PDF)
    infected = await upload(PDF + b"\n" + EICAR + b"\n")
    download = await client.get(f"{DOCUMENTS}/{clean}/download", headers=patient.headers)
    assert download.status_code == 409  # still being checked

    # A later event of the same patient (same partition, so handled after the uploads)
    # reaches the inbox: by then the uploads have been through the notifications processor.
    consultation = await client.post(
        "/api/v1/consultations", json={"patient_id": patient.id, "chief_complaint": "Cough"},
        headers=doctor.headers,
    )  # fmt: skip
    assert consultation.status_code == 201, consultation.text

    async def consultation_announced() -> list[dict[str, Any]]:
        items = await _inbox(client, patient)
        return [n for n in items if n["event_type"] == "consultation.created"]

    await eventually(consultation_announced, 90)
    # Nothing announces a document nobody can open yet.
    assert _about(await _inbox(client, patient), clean) == []
    assert _about(await _inbox(client, patient), infected) == []
    assert await _inbox(client, doctor) == []

    platform.start("worker")  # scans both uploads

    async def refusal_told() -> list[dict[str, Any]]:
        return _about(await _inbox(client, doctor), infected)

    async def clean_announced() -> list[dict[str, Any]]:
        return _about(await _inbox(client, patient), clean)

    [refusal] = await eventually(refusal_told, 60)
    [announced] = await eventually(clean_announced, 60)
    # Announced when it can be opened.
    download = await client.get(f"{DOCUMENTS}/{clean}/download", headers=patient.headers)
    assert download.status_code == 200, download.text
    assert announced["title"] == "New document"
    assert announced["body"] == "A new document is available."
    assert announced["category"] == "documents" and announced["event_type"] == "document.scanned"
    # The rejected one: its uploader learns it was refused; the patient hears nothing of it
    # (the doctor's notification and any of the patient's come from the same scan event).
    assert refusal["category"] == "documents"
    assert "available" not in refusal["body"]
    rejected = await client.get(f"{DOCUMENTS}/{infected}", headers=doctor.headers)
    assert rejected.json()["status"] == "rejected"
    assert _about(await _inbox(client, patient), infected) == []
    assert _about(await _inbox(client, doctor), clean) == []  # their own upload

    # Email, per the preferences, says only that something happened; no push about documents.
    told = {announced["id"], refusal["id"]}

    async def mailed() -> bool:
        return sorted(sent_emails(data_dir, told)) == sorted(told)

    await eventually(mailed, 60)
    for message in _emails(data_dir, told):
        text = message.as_string()
        assert "Blood test" not in text and "EICAR" not in text and "malware" not in text
    assert sent_pushes(data_dir, {announced["id"]}) == []
    stored = await db.notifications.find_one({"_id": announced["id"]})
    assert stored["push_status"] == "skipped"


def _emails(data_dir: Path, notification_ids: set[str]) -> list[email.message.Message]:
    found = []
    for path in (data_dir / "mail").glob("*.eml"):
        message = email.message_from_bytes(path.read_bytes())
        if message.get("X-Esante-Notification") in notification_ids:
            found.append(message)
    return found
