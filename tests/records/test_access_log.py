"""End to end with the streams process: reads reach the audit trail and the patient's access
log, and the lock timer locks a prescription created through the API exactly once."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from config.settings import Settings
from tests.records.support import Cast, create_consultation, create_prescription

pytestmark = pytest.mark.e2e


async def _eventually(check: Any, timeout: float = 60.0) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = await check()
        if result or asyncio.get_running_loop().time() > deadline:
            return result
        await asyncio.sleep(0.5)


async def test_the_patient_sees_who_read_their_record(
    client: Any, cast: Cast, platform: Any
) -> None:
    consultation = await create_consultation(client, cast)
    platform.start("streams")
    read = await client.get(
        f"/api/v1/consultations/{consultation['id']}",
        headers={**cast.doctor.headers, "X-Request-ID": "read-by-doctor-1"},
    )
    assert read.status_code == 200
    timeline = await client.get(
        f"/api/v1/patients/{cast.patient.id}/timeline", headers=cast.doctor.headers
    )
    assert timeline.status_code == 200
    # The patient's own reads are audited but are not "someone read my record".
    await client.get(f"/api/v1/consultations/{consultation['id']}", headers=cast.patient.headers)

    async def logged() -> Any:
        response = await client.get("/api/v1/patients/me/access-log", headers=cast.patient.headers)
        assert response.status_code == 200, response.text
        body = response.json()
        return body if body["total"] >= 2 else None

    body = await _eventually(logged)
    assert body, platform.log()
    assert body["total"] == 2
    entries = body["items"]
    assert {e["actor_id"] for e in entries} == {cast.doctor.id}
    assert {e["actor_name"] for e in entries} == {"Karim Tester"}
    assert {e["resource_type"] for e in entries} == {"consultation", "patient"}
    assert all(e["accessed_at"].endswith("Z") for e in entries)
    assert entries[0]["accessed_at"] >= entries[1]["accessed_at"]
    record = await cast.db.audit_logs.find_one({"request_id": "read-by-doctor-1"})
    assert record["resource_id"] == consultation["id"]
    assert record["patient_id"] == cast.patient.id
    assert record["ip"]

    # Nobody else has an access log of this patient's reads.
    other = await client.get("/api/v1/patients/me/access-log", headers=cast.other_patient.headers)
    assert other.json()["total"] == 0
    doctor = await client.get("/api/v1/patients/me/access-log", headers=cast.doctor.headers)
    assert doctor.status_code == 403


async def test_the_stream_timer_locks_an_api_prescription_once(
    client: Any, cast: Cast, platform: Any, settings: Settings
) -> None:
    settings.medical.prescription_edit_seconds = 3
    platform.start("streams")
    consultation = await create_consultation(client, cast)
    prescription = await create_prescription(client, cast, consultation["id"])

    async def locked() -> bool:
        stored = await cast.db.prescriptions.find_one({})
        return bool(stored["status"] == "locked")

    assert await _eventually(locked), platform.log()
    url = f"/api/v1/prescriptions/{prescription['id']}"
    assert (await client.get(url, headers=cast.patient.headers)).json()["status"] == "locked"
    assert (
        await client.patch(url, json={"notes": "late"}, headers=cast.doctor.headers)
    ).status_code == 409
    await asyncio.sleep(1.5)
    assert await cast.db.outbox.count_documents({"event.type": "prescription.locked"}) == 1
