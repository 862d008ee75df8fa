"""Consultations and their append-only notes, through the API."""

from __future__ import annotations

from typing import Any

from tests.records.support import Cast, book, create_consultation


async def test_a_doctor_records_a_consultation_linked_to_their_appointment(
    client: Any, cast: Cast
) -> None:
    created = await create_consultation(
        client,
        cast,
        appointment_id=cast.appointment_id,
        diagnosis="Costochondritis",
        notes="Pain on palpation",
        vitals={
            "temperature_c": 37.2,
            "heart_rate_bpm": 80,
            "systolic_bp_mmhg": 125,
            "diastolic_bp_mmhg": 82,
        },
    )
    assert created["patient_id"] == cast.patient.id
    assert created["doctor_id"] == cast.doctor.id
    assert created["appointment_id"] == cast.appointment_id
    assert created["vitals"]["temperature_c"] == 37.2
    assert created["created_at"].endswith("Z")
    assert [n["text"] for n in created["notes"]] == ["Pain on palpation"]

    for person in (cast.doctor, cast.patient):
        read = await client.get(f"/api/v1/consultations/{created['id']}", headers=person.headers)
        assert read.status_code == 200, read.text
        assert read.json()["diagnosis"] == "Costochondritis"


async def test_vitals_out_of_range_and_missing_complaint_are_refused(
    client: Any, cast: Cast
) -> None:
    url = "/api/v1/consultations"
    for vitals, field in (
        ({"temperature_c": 370}, "vitals.temperature_c"),
        ({"heart_rate_bpm": -5}, "vitals.heart_rate_bpm"),
        ({"systolic_bp_mmhg": 120, "diastolic_bp_mmhg": 130}, "vitals.diastolic_bp_mmhg"),
        ({"oxygen_saturation_pct": 101}, "vitals.oxygen_saturation_pct"),
    ):
        body = {"patient_id": cast.patient.id, "chief_complaint": "Cough", "vitals": vitals}
        response = await client.post(url, json=body, headers=cast.doctor.headers)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == field
    response = await client.post(
        url,
        json={"patient_id": cast.patient.id, "chief_complaint": "  "},
        headers=cast.doctor.headers,
    )
    assert response.status_code == 422
    unknown = await client.post(
        url,
        json={"patient_id": cast.patient.id, "chief_complaint": "x", "vitals": {"mood": 3}},
        headers=cast.doctor.headers,
    )
    assert unknown.status_code in (400, 422)
    assert await cast.db.consultations.count_documents({}) == 0


async def test_the_linked_appointment_must_be_this_doctors_with_this_patient(
    client: Any, cast: Cast
) -> None:
    theirs = await book(cast.db, cast.stranger, cast.patient)
    other_patients = await book(cast.db, cast.doctor, cast.other_patient)
    for appointment_id in (theirs, other_patients, "nope"):
        body = {
            "patient_id": cast.patient.id,
            "chief_complaint": "Headache",
            "appointment_id": appointment_id,
        }
        response = await client.post(
            "/api/v1/consultations", json=body, headers=cast.doctor.headers
        )
        assert response.status_code == 404, response.text


async def test_notes_are_append_only_with_author_and_time(client: Any, cast: Cast) -> None:
    consultation = await create_consultation(client, cast)
    url = f"/api/v1/consultations/{consultation['id']}"
    for text in ("First note", "Second note"):
        added = await client.post(f"{url}/notes", json={"text": text}, headers=cast.doctor.headers)
        assert added.status_code == 201, added.text
        assert added.json()["author_id"] == cast.doctor.id
        assert added.json()["created_at"].endswith("Z")
    note_id = added.json()["id"]

    # No route edits or deletes a note, and PATCH of the consultation cannot touch them.
    assert (
        await client.patch(
            f"{url}/notes/{note_id}", json={"text": "x"}, headers=cast.doctor.headers
        )
    ).status_code in (404, 405)
    assert (
        await client.delete(f"{url}/notes/{note_id}", headers=cast.doctor.headers)
    ).status_code in (404, 405)
    refused = await client.patch(url, json={"notes": "rewritten"}, headers=cast.doctor.headers)
    assert refused.status_code in (400, 422)
    # Only its doctor writes notes; the patient may read but not write.
    assert (
        await client.post(f"{url}/notes", json={"text": "mine"}, headers=cast.patient.headers)
    ).status_code == 403

    read = (await client.get(url, headers=cast.patient.headers)).json()
    assert [n["text"] for n in read["notes"]] == ["First note", "Second note"]


async def test_only_its_doctor_amends_a_consultation(client: Any, cast: Cast) -> None:
    consultation = await create_consultation(client, cast)
    url = f"/api/v1/consultations/{consultation['id']}"
    changed = await client.patch(
        url, json={"diagnosis": "Reflux", "vitals": {"weight_kg": 70}}, headers=cast.doctor.headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["diagnosis"] == "Reflux"
    assert changed.json()["vitals"] == {"weight_kg": 70}
    # A second doctor in the care team reads it but cannot amend it.
    await book(cast.db, cast.stranger, cast.patient)
    assert (await client.get(url, headers=cast.stranger.headers)).status_code == 200
    other = await client.patch(url, json={"diagnosis": "x"}, headers=cast.stranger.headers)
    assert other.status_code == 403
    assert (
        await client.patch(url, json={"diagnosis": "x"}, headers=cast.patient.headers)
    ).status_code == 403


async def test_a_consultation_records_events(client: Any, cast: Cast) -> None:
    consultation = await create_consultation(client, cast)
    await client.post(
        f"/api/v1/consultations/{consultation['id']}/notes",
        json={"text": "n"},
        headers=cast.doctor.headers,
    )
    await client.get(f"/api/v1/consultations/{consultation['id']}", headers=cast.patient.headers)
    types = [e["event"]["type"] async for e in cast.db.outbox.find({})]
    assert types.count("consultation.created") == 1
    assert types.count("consultation.note_added") == 1
    read = await cast.db.outbox.find_one({"event.type": "record.accessed"})
    assert read["topic"] == "audit.access"
    assert read["event"]["subject"] == {"type": "consultation", "id": consultation["id"]}
    assert read["event"]["patient_id"] == cast.patient.id
    assert read["event"]["actor"]["id"] == cast.patient.id
    assert read["event"]["context"]["request_id"]


async def test_a_vitals_patch_changes_only_the_readings_sent(client: Any, cast: Cast) -> None:
    readings = {
        "temperature_c": 39,
        "heart_rate_bpm": 100,
        "systolic_bp_mmhg": 120,
        "diastolic_bp_mmhg": 80,
    }
    consultation = await create_consultation(client, cast, vitals=readings)
    url = f"/api/v1/consultations/{consultation['id']}"

    async def patch(vitals: Any) -> Any:
        return await client.patch(url, json={"vitals": vitals}, headers=cast.doctor.headers)

    corrected = await patch({"temperature_c": 38})
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["vitals"] == {**readings, "temperature_c": 38}
    removed = await patch({"heart_rate_bpm": None})
    assert removed.json()["vitals"] == {
        "temperature_c": 38,
        "systolic_bp_mmhg": 120,
        "diastolic_bp_mmhg": 80,
    }
    # Checked against what is stored: a diastolic above the stored systolic is refused.
    refused = await patch({"diastolic_bp_mmhg": 130})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "vitals.diastolic_bp_mmhg"
    assert (await client.get(url, headers=cast.doctor.headers)).json()["vitals"][
        "diastolic_bp_mmhg"
    ] == 80
    cleared = await patch(None)
    assert cleared.json()["vitals"] == {}
