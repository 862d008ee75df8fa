"""`GET /fhir/Patient/{id}/$everything`: the whole record as a valid FHIR R4 Bundle, for
the patient and the doctors who treat them only, and every read recorded."""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from fhir.resources.R4B.bundle import Bundle

from config.settings import Settings
from tests.records.support import Cast, create_records, make_person

MISSING = "65a000000000000000000000"


def everything_url(patient_id: str) -> str:
    return f"/api/v1/fhir/Patient/{patient_id}/$everything"


def by_type(bundle: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for entry in bundle["entry"]:
        found.setdefault(entry["resource"]["resourceType"], []).append(entry["resource"])
    return found


def references(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["reference"]] if isinstance(value.get("reference"), str) else []
        return own + [r for v in value.values() for r in references(v)]
    if isinstance(value, list):
        return [r for v in value for r in references(v)]
    return []


async def a_full_record(client: Any, cast: Cast, settings: Settings) -> dict[str, str]:
    records = await create_records(client, cast)
    # The scan actor would mark the document available; no worker runs in these tests.
    await cast.db.documents.update_one(
        {"_id": ObjectId(records["document"])}, {"$set": {"status": "available"}}
    )
    doctor = cast.doctor.headers
    note = f"/api/v1/consultations/{records['consultation']}/notes"
    assert (
        await client.post(note, json={"text": "Rest <3 days>"}, headers=doctor)
    ).status_code == 201
    addendum = f"/api/v1/prescriptions/{records['prescription']}/addenda"
    assert (
        await client.post(addendum, json={"text": "With food"}, headers=doctor)
    ).status_code == 201
    specialist = await make_person(cast.db, settings, "doctor", "Nour")
    referral = await client.post(
        "/api/v1/referrals",
        json={
            "patient_id": cast.patient.id,
            "to_doctor_id": specialist.id,
            "reason": "cardiology opinion",
            "urgency": "urgent",
            "consultation_id": records["consultation"],
        },
        headers=doctor,
    )
    assert referral.status_code == 201, referral.text
    return {**records, "referral": referral.json()["id"], "specialist": specialist.id}


async def test_the_patient_gets_a_valid_bundle_of_their_whole_record(
    client: Any, cast: Cast, settings: Settings
) -> None:
    ids = await a_full_record(client, cast, settings)
    answer = await client.get(everything_url(cast.patient.id), headers=cast.patient.headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/fhir+json")
    bundle = answer.json()
    Bundle.model_validate(bundle)  # raises on anything FHIR R4(B) does not allow
    assert bundle["type"] == "searchset"
    # Bundle.total counts the matches (the Patient), not the resources included with it.
    modes = [entry["search"]["mode"] for entry in bundle["entry"]]
    assert (bundle["total"], modes.count("match")) == (1, 1)
    assert modes.count("include") == len(modes) - 1 > 5

    found = by_type(bundle)
    assert [p["id"] for p in found["Patient"]] == [cast.patient.id]
    assert {p["id"] for p in found["Practitioner"]} == {cast.doctor.id, ids["specialist"]}
    assert [a["id"] for a in found["Appointment"]] == [cast.appointment_id]
    assert found["Appointment"][0]["status"] == "booked"  # confirmed
    (encounter,) = found["Encounter"]
    assert encounter["id"] == ids["consultation"]
    assert "Rest &lt;3 days&gt;" in encounter["text"]["div"]  # the note, escaped
    (medication,) = found["MedicationRequest"]
    assert medication["groupIdentifier"]["value"] == ids["prescription"]
    assert medication["medicationCodeableConcept"]["text"] == "Amoxicillin"
    assert medication["note"][-1]["text"] == "With food"
    (document,) = found["DocumentReference"]
    assert document["id"] == ids["document"]
    assert document["content"][0]["attachment"]["url"].endswith(
        f"/api/v1/documents/{ids['document']}/download"
    )
    (referral,) = found["ServiceRequest"]
    assert referral["id"] == ids["referral"]
    assert referral["priority"] == "urgent"
    assert referral["performer"] == [{"reference": f"Practitioner/{ids['specialist']}"}]

    # Every reference resolves inside the bundle.
    present = {f"{r['resourceType']}/{r['id']}" for e in bundle["entry"] for r in [e["resource"]]}
    assert set(references(bundle["entry"])) <= present


async def test_a_pending_or_deleted_document_is_left_out(client: Any, cast: Cast) -> None:
    records = await create_records(client, cast)  # the document is still pending its scan
    answer = await client.get(everything_url(cast.patient.id), headers=cast.doctor.headers)
    assert answer.status_code == 200, answer.text
    assert "DocumentReference" not in by_type(answer.json())
    assert records["document"] not in answer.text


async def test_only_the_patient_and_their_doctors_read_it(client: Any, cast: Cast) -> None:
    await create_records(client, cast)
    url = everything_url(cast.patient.id)
    assert (await client.get(url)).status_code == 401
    assert (await client.get(url, headers=cast.doctor.headers)).status_code == 200
    outsider = await client.get(url, headers=cast.stranger.headers)
    other_patient = await client.get(url, headers=cast.other_patient.headers)
    missing = await client.get(everything_url(MISSING), headers=cast.stranger.headers)
    malformed = await client.get(everything_url("not-an-id"), headers=cast.stranger.headers)
    assert outsider.status_code == other_patient.status_code == missing.status_code == 404
    assert malformed.status_code == 404
    assert outsider.json()["detail"] == missing.json()["detail"]
    assert cast.patient.id not in outsider.text


async def test_each_read_is_recorded_for_the_patient(client: Any, cast: Cast) -> None:
    url = everything_url(cast.patient.id)
    assert (await client.get(url, headers=cast.doctor.headers)).status_code == 200
    assert (await client.get(url, headers=cast.stranger.headers)).status_code == 404
    reads = cast.db.outbox.find({"event.type": "record.accessed"})
    events = [entry["event"] async for entry in reads]
    assert len(events) == 1  # the refused read is not a read of the record
    assert events[0]["actor"]["id"] == cast.doctor.id
    assert events[0]["patient_id"] == cast.patient.id
    assert events[0]["data"]["view"] == "fhir_everything"
