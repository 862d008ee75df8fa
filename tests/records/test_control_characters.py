"""Free text takes no control characters, in any area: a NUL or an escape sequence stored in
a record reached every client, notification and export showing it, and made the FHIR
narrative invalid XHTML. Tab and line breaks stay allowed."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

import pytest
from bson import ObjectId

from tests.records.support import Cast, book, create_consultation, create_prescription

BAD = "ctrl\x00\x1b[2Jtext"


def _medication(**change: str) -> dict[str, str]:
    return {
        "name": "Amoxicillin",
        "dosage": "500 mg",
        "frequency": "3/day",
        "duration": "7 d",
    } | change


async def _refused(response: Any, field: str) -> None:
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == [field], response.text


@pytest.mark.parametrize(
    ("field", "body"),
    [
        ("chief_complaint", {"chief_complaint": BAD}),
        ("diagnosis", {"chief_complaint": "Cough", "diagnosis": BAD}),
        ("notes", {"chief_complaint": "Cough", "notes": BAD}),
    ],
)
async def test_a_consultation(client: Any, cast: Cast, field: str, body: dict[str, Any]) -> None:
    response = await client.post(
        "/api/v1/consultations", json={"patient_id": cast.patient.id, **body},
        headers=cast.doctor.headers,
    )  # fmt: skip
    await _refused(response, field)
    assert await cast.db.consultations.count_documents({}) == 0


async def test_its_change_note_prescription_and_addendum(client: Any, cast: Cast) -> None:
    consultation = await create_consultation(client, cast)
    url = f"/api/v1/consultations/{consultation['id']}"
    doctor = cast.doctor.headers
    await _refused(await client.patch(url, json={"diagnosis": BAD}, headers=doctor), "diagnosis")
    await _refused(await client.post(f"{url}/notes", json={"text": BAD}, headers=doctor), "text")
    prescribed = {"consultation_id": consultation["id"], "medications": [_medication(dosage=BAD)]}
    await _refused(
        await client.post("/api/v1/prescriptions", json=prescribed, headers=doctor),
        "medications[0].dosage",
    )
    prescription = await create_prescription(client, cast, consultation["id"])
    addenda = f"/api/v1/prescriptions/{prescription['id']}/addenda"
    await _refused(await client.post(addenda, json={"text": BAD}, headers=doctor), "text")
    fine = await client.post(
        addenda, json={"text": "Take\twith food.\r\nNo alcohol."}, headers=doctor
    )
    assert fine.status_code == 201, fine.text


async def test_a_referral_an_appointment_s_reason_and_a_profile(client: Any, cast: Cast) -> None:
    doctor, patient = cast.doctor.headers, cast.patient.headers
    referral = {"patient_id": cast.patient.id, "to_doctor_id": cast.stranger.id, "reason": BAD}
    await _refused(await client.post("/api/v1/referrals", json=referral, headers=doctor), "reason")
    requested = await book(cast.db, cast.doctor, cast.patient, status="requested", days=3)
    rejected = await client.post(
        f"/api/v1/appointments/{requested}/reject", json={"reason": BAD}, headers=doctor
    )
    await _refused(rejected, "reason")
    profile = await client.patch("/api/v1/users/me/profile", json={"address": BAD}, headers=patient)
    await _refused(profile, "address")


async def test_a_narrative_stays_valid_xhtml_for_text_stored_before(
    client: Any, cast: Cast
) -> None:
    """Records written before the fields refused control characters may hold some."""
    consultation_id = ObjectId()
    await cast.db.consultations.insert_one(
        {
            "_id": consultation_id, "patient_id": cast.patient.id, "doctor_id": cast.doctor.id,
            "chief_complaint": BAD, "diagnosis": None, "vitals": None, "version": 1,
            "created_at": datetime.now(UTC), "updated_at": datetime.now(UTC),
        }
    )  # fmt: skip
    answer = await client.get(
        f"/api/v1/fhir/Patient/{cast.patient.id}/$everything", headers=cast.patient.headers
    )
    assert answer.status_code == 200, answer.text
    [encounter] = [
        e["resource"] for e in answer.json()["entry"] if e["resource"]["id"] == str(consultation_id)
    ]
    narrative = ET.fromstring(encounter["text"]["div"])  # raises on what XML cannot carry
    assert "ctrl[2Jtext" in "".join(narrative.itertext())
