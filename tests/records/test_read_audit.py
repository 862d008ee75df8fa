"""Every successful read of a patient's records leaves exactly one `record.accessed` event on
`audit.access`, naming the reader, the patient and what was read (the access log's source)."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from tests.records.support import Cast, create_records


def _reads(ids: dict[str, str], patient_id: str) -> list[tuple[str, dict[str, str], str | None]]:
    """(url, audited subject, `data.view`) of every read route of the medical record."""
    c, p, d = ids["consultation"], ids["prescription"], ids["document"]
    patient = {"type": "patient", "id": patient_id}
    return [
        (f"/api/v1/consultations/{c}", {"type": "consultation", "id": c}, None),
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
