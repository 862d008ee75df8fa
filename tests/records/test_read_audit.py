"""Every successful read of a patient's records leaves exactly one `record.accessed` event on
`audit.access`, naming the reader, the patient and what was read (the access log's source)."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from tests.records.support import Cast, Person, book, create_records


def _reads(ids: dict[str, str], patient_id: str) -> list[tuple[str, dict[str, str], str | None]]:
    """(url, audited subject, `data.view`) of every read route of the medical record."""
    c, p, d = ids["consultation"], ids["prescription"], ids["document"]
    patient = {"type": "patient", "id": patient_id}
    return [
        (f"/api/v1/consultations/{c}", {"type": "consultation", "id": c}, None),
        (f"/api/v1/consultations/{c}/versions", {"type": "consultation", "id": c}, "versions"),
        (f"/api/v1/prescriptions/{p}", {"type": "prescription", "id": p}, None),
        (f"/api/v1/prescriptions/{p}/versions", {"type": "prescription", "id": p}, "versions"),
        (f"/api/v1/prescriptions?patient_id={patient_id}", patient, "prescriptions"),
        (f"/api/v1/documents/{d}", {"type": "document", "id": d}, None),
        (f"/api/v1/documents/{d}/download", {"type": "document", "id": d}, "download"),
        (f"/api/v1/documents?patient_id={patient_id}", patient, "documents"),
        (f"/api/v1/patients/{patient_id}/timeline", patient, "timeline"),
    ]


async def test_every_read_route_audits_the_read_once(client: Any, cast: Cast) -> None:
    ids = await create_records(client, cast)
    # Downloads wait for the scan; its outcome is not what this test is about.
    await cast.db.documents.update_one(
        {"_id": ObjectId(ids["document"])}, {"$set": {"status": "available"}}
    )
    for reader in (cast.doctor, cast.patient):
        for number, (url, subject, view) in enumerate(_reads(ids, cast.patient.id)):
            request_id = f"audit-{reader.role}-{number}"
            response = await client.get(url, headers={**reader.headers, "X-Request-ID": request_id})
            assert response.status_code == 200, (url, response.text)
            events = [
                entry
                async for entry in cast.db.outbox.find({"event.context.request_id": request_id})
            ]
            assert len(events) == 1, (url, events)
            entry, event = events[0], events[0]["event"]
            assert entry["topic"] == "audit.access", url
            assert event["type"] == "record.accessed", url
            assert event["actor"] == {"id": reader.id, "role": reader.role}, url
            assert event["patient_id"] == cast.patient.id, url
            assert event["subject"] == subject, url
            assert event["data"].get("view") == view, url


async def _audited_reads(client: Any, cast: Cast, reader: Person, url: str) -> list[Any]:
    """GET `url` as `reader` (200) and the events the read left, in the order written."""
    # A request id of safe characters only (others are replaced by a fresh one).
    request_id = f"audit-{reader.id}-{abs(hash(url))}"
    response = await client.get(url, headers={**reader.headers, "X-Request-ID": request_id})
    assert response.status_code == 200, (url, response.text)
    outbox = cast.db.outbox.find({"event.context.request_id": request_id}).sort("_id", 1)
    return [entry async for entry in outbox]


async def test_referral_reads_are_audited_once_per_referral_or_per_patient_on_a_page(
    client: Any, cast: Cast
) -> None:
    # Referrals carry a reason and clinical notes, so reading them is reading the record.
    await book(cast.db, cast.doctor, cast.other_patient)
    referral_ids = []
    for patient in (cast.patient, cast.patient, cast.other_patient):
        body = {
            "patient_id": patient.id,
            "to_doctor_id": cast.stranger.id,
            "reason": "Suspected arrhythmia",
            "urgency": "urgent",
            "notes": "On anticoagulants",
        }
        created = await client.post("/api/v1/referrals", json=body, headers=cast.doctor.headers)
        assert created.status_code == 201, created.text
        referral_ids.append(created.json()["id"])

    rid = referral_ids[0]
    for reader in (cast.doctor, cast.stranger, cast.patient):
        events = await _audited_reads(client, cast, reader, f"/api/v1/referrals/{rid}")
        assert len(events) == 1, events
        entry, event = events[0], events[0]["event"]
        assert entry["topic"] == "audit.access"
        assert event["type"] == "record.accessed"
        assert event["actor"] == {"id": reader.id, "role": reader.role}
        assert event["patient_id"] == cast.patient.id
        assert event["subject"] == {"type": "referral", "id": rid}

    # A list page: one read per patient on it, not one per row.
    both = {cast.patient.id, cast.other_patient.id}
    pages = [
        (cast.stranger, "/api/v1/referrals?direction=received", both),
        (cast.doctor, "/api/v1/referrals", both),
        (cast.patient, "/api/v1/referrals", {cast.patient.id}),
        (cast.stranger, "/api/v1/referrals?direction=sent", set()),
    ]
    for reader, url, patients in pages:
        events = [e["event"] for e in await _audited_reads(client, cast, reader, url)]
        assert sorted(e["patient_id"] for e in events) == sorted(patients), url
        for event in events:
            assert event["type"] == "record.accessed"
            assert event["subject"] == {"type": "patient", "id": event["patient_id"]}
            assert event["data"]["view"] == "referrals"
