"""A patient id typed in upper case reads the same patient and is audited under the stored
id, so the read shows in that patient's access logs (it was audited as typed and never
showed)."""

from __future__ import annotations

from typing import Any

from config.settings import Settings
from domain.audit.chain import append
from domain.audit.mapping import audit_record
from domain.events import Actor, EventContext, EventType, Subject, new_event
from tests.records.support import Cast, create_consultation, make_person, upload_form


async def _audited_patient_ids(cast: Cast, actor_id: str) -> set[str]:
    reads = cast.db.outbox.find({"event.actor.id": actor_id, "event.type": "record.accessed"})
    return {e["event"]["patient_id"] async for e in reads}


async def test_an_admin_read_by_upper_case_id_is_audited_under_the_stored_id(
    client: Any, cast: Cast, settings: Settings
) -> None:
    admin = await make_person(cast.db, settings, "admin")
    shouted = cast.patient.id.upper()

    profile = await client.get(f"/api/v1/patients/{shouted}", headers=admin.headers)
    assert profile.status_code == 200, profile.text
    assert profile.json()["id"] == cast.patient.id
    assert await _audited_patient_ids(cast, admin.id) == {cast.patient.id}


async def test_the_timeline_by_upper_case_id_reads_and_audits_the_patient(
    client: Any, cast: Cast, settings: Settings
) -> None:
    admin = await make_person(cast.db, settings, "admin")
    await create_consultation(client, cast)
    shouted = cast.patient.id.upper()
    for reader in (admin, cast.doctor, cast.patient):
        timeline = await client.get(f"/api/v1/patients/{shouted}/timeline", headers=reader.headers)
        assert timeline.status_code == 200, timeline.text
        assert "consultation" in {item["type"] for item in timeline.json()["items"]}
        assert await _audited_patient_ids(cast, reader.id) == {cast.patient.id}
    # Not an id at all is still the plain 404.
    missing = await client.get("/api/v1/patients/nope/timeline", headers=admin.headers)
    assert missing.status_code == 404


async def test_the_admin_access_log_by_upper_case_id(
    client: Any, cast: Cast, settings: Settings
) -> None:
    admin = await make_person(cast.db, settings, "admin")
    event = new_event(
        EventType.RECORD_ACCESSED,
        actor=Actor(id=cast.doctor.id, role="doctor"),
        subject=Subject(type="patient", id=cast.patient.id),
        patient_id=cast.patient.id,
        context=EventContext(ip="10.0.0.9"),
    )
    key = settings.audit.hmac_key.get_secret_value().encode()
    assert await append(cast.db, key, audit_record(event.to_message(), source="test"))
    for url in (
        f"/api/v1/admin/patients/{cast.patient.id.upper()}/access-log",
        f"/api/v1/admin/users/{cast.doctor.id.upper()}/activity",
    ):
        page = (await client.get(url, headers=admin.headers)).json()
        assert [i["actor_id"] for i in page["items"]] == [cast.doctor.id], url


async def test_patient_ids_typed_in_upper_case_in_a_body_are_stored_as_the_patient_s(
    client: Any, cast: Cast
) -> None:
    """A record written for `5F1A...` belongs to patient `5f1a...`: it shows in that patient's
    lists, and a patient uploading under their own id in upper case is not refused."""
    shouted = cast.patient.id.upper()
    consultation = await create_consultation(client, cast, patient_id=shouted)
    assert consultation["patient_id"] == cast.patient.id
    form = upload_form(shouted)
    document = await client.post("/api/v1/documents", **form, headers=cast.patient.headers)
    assert document.status_code == 201, document.text
    assert document.json()["patient_id"] == cast.patient.id
    timeline = await client.get(
        f"/api/v1/patients/{cast.patient.id}/timeline", headers=cast.patient.headers
    )
    shown = {(item["type"], item["id"]) for item in timeline.json()["items"]}
    assert {("consultation", consultation["id"]), ("document", document.json()["id"])} <= shown
