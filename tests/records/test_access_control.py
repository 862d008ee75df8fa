"""Nobody outside the care relationship sees anything: every record route answers 404."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from config.settings import Settings
from tests.records.support import (
    Cast,
    Person,
    book,
    create_records,
    make_person,
    upload_form,
)


def _routes(ids: dict[str, str], patient_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    c, p, d = ids["consultation"], ids["prescription"], ids["document"]
    medication = {"name": "x", "dosage": "1", "frequency": "1", "duration": "1"}
    return [
        ("GET", f"/api/v1/consultations/{c}", {}),
        ("PATCH", f"/api/v1/consultations/{c}", {"json": {"diagnosis": "x"}}),
        ("POST", f"/api/v1/consultations/{c}/notes", {"json": {"text": "x"}}),
        (
            "POST",
            "/api/v1/consultations",
            {"json": {"patient_id": patient_id, "chief_complaint": "x"}},
        ),
        (
            "POST",
            "/api/v1/prescriptions",
            {"json": {"consultation_id": c, "medications": [medication]}},
        ),
        ("GET", f"/api/v1/prescriptions/{p}", {}),
        ("GET", f"/api/v1/prescriptions/{p}/versions", {}),
        ("PATCH", f"/api/v1/prescriptions/{p}", {"json": {"notes": "x"}}),
        ("POST", f"/api/v1/prescriptions/{p}/lock", {}),
        ("GET", "/api/v1/prescriptions", {"params": {"patient_id": patient_id}}),
        ("POST", "/api/v1/documents", upload_form(patient_id)),
        ("GET", "/api/v1/documents", {"params": {"patient_id": patient_id}}),
        ("GET", f"/api/v1/documents/{d}", {}),
        ("GET", f"/api/v1/documents/{d}/download", {}),
        ("DELETE", f"/api/v1/documents/{d}", {}),
        ("GET", f"/api/v1/patients/{patient_id}/timeline", {}),
    ]


async def _statuses(client: Any, person: Person, routes: list[Any]) -> dict[str, int]:
    result = {}
    for method, url, kwargs in routes:
        response = await client.request(method, url, headers=person.headers, **kwargs)
        result[f"{method} {url}"] = response.status_code
    return result


async def test_a_doctor_without_a_care_relationship_gets_404_everywhere(
    client: Any, cast: Cast
) -> None:
    ids = await create_records(client, cast)
    routes = _routes(ids, cast.patient.id)
    statuses = await _statuses(client, cast.stranger, routes)
    assert set(statuses.values()) == {404}, statuses
    # Same for a doctor whose only appointment with the patient was rejected.
    await book(cast.db, cast.stranger, cast.patient, status="rejected")
    statuses = await _statuses(client, cast.stranger, routes)
    assert set(statuses.values()) == {404}, statuses
    # Nothing changed and no read was audited for the outsider.
    assert await cast.db.outbox.count_documents({"event.actor.id": cast.stranger.id}) == 0


async def test_a_patient_never_sees_another_patients_data(client: Any, cast: Cast) -> None:
    ids = await create_records(client, cast)
    statuses = await _statuses(client, cast.other_patient, _routes(ids, cast.patient.id))
    for route, status in statuses.items():
        # Reads and their own-patient actions are 404; doctor-only routes refuse the role.
        assert status == 404 or (status == 403 and not route.startswith("GET")), (route, status)
    # Their own lists are empty: nothing of the other patient leaks into them.
    for url in ("/api/v1/prescriptions", "/api/v1/documents"):
        own = await client.get(url, headers=cast.other_patient.headers)
        assert own.status_code == 200 and own.json()["total"] == 0
    reads = cast.db.outbox.find(
        {"event.actor.id": cast.other_patient.id, "event.type": "record.accessed"}
    )
    assert {e["event"]["patient_id"] async for e in reads} == {cast.other_patient.id}


async def test_the_care_relationship_comes_from_appointments_referrals_or_consultations(
    client: Any, cast: Cast
) -> None:
    url = f"/api/v1/patients/{cast.patient.id}/timeline"
    assert (await client.get(url, headers=cast.stranger.headers)).status_code == 404
    for status, sees in (("declined", False), ("pending", True)):
        await cast.db.referrals.delete_many({})
        await cast.db.referrals.insert_one(
            {
                "patient_id": cast.patient.id,
                "from_doctor_id": cast.doctor.id,
                "to_doctor_id": cast.stranger.id,
                "status": status,
                "created_at": datetime.now(UTC),
            }
        )
        response = await client.get(url, headers=cast.stranger.headers)
        assert response.status_code == (200 if sees else 404), status
    await cast.db.referrals.delete_many({})
    for status in ("requested", "cancelled", "completed"):
        await cast.db.appointments.delete_many({"doctor_id": cast.stranger.id})
        await book(cast.db, cast.stranger, cast.patient, status=status)
        assert (await client.get(url, headers=cast.stranger.headers)).status_code == 200


async def test_signed_out_callers_get_401_and_malformed_ids_read_as_missing(
    client: Any, cast: Cast, settings: Settings
) -> None:
    ids = await create_records(client, cast)
    for method, url, kwargs in _routes(ids, cast.patient.id):
        response = await client.request(method, url, **kwargs)
        assert response.status_code == 401, (method, url)
    for url in (
        "/api/v1/consultations/not-an-id",
        "/api/v1/prescriptions/123",
        "/api/v1/documents/zzz",
        "/api/v1/documents/zzz/download",
        "/api/v1/patients/nobody/timeline",
    ):
        assert (await client.get(url, headers=cast.doctor.headers)).status_code == 404, url
    # An admin reads the timeline (audit duty) but not the records themselves.
    admin = await make_person(cast.db, settings, "admin")
    assert (
        await client.get(f"/api/v1/consultations/{ids['consultation']}", headers=admin.headers)
    ).status_code == 404
    assert (
        await client.get(f"/api/v1/documents/{ids['document']}", headers=admin.headers)
    ).status_code == 404
