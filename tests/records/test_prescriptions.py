"""Prescriptions: the edit window, its lock (exactly once), versions, early locking."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from config.settings import Settings
from tests.records.support import Cast, create_consultation, create_prescription

MEDICATION = {"name": "Ibuprofen", "dosage": "400 mg", "frequency": "2/day", "duration": "5 days"}


def at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def at_utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


async def test_a_prescription_is_active_for_the_configured_window(
    client: Any, cast: Cast, settings: Settings
) -> None:
    consultation = await create_consultation(client, cast)
    created = await create_prescription(client, cast, consultation["id"])
    assert created["status"] == "active"
    assert created["patient_id"] == cast.patient.id
    window = at(created["editable_until"]) - at(created["created_at"])
    assert window == timedelta(seconds=settings.medical.prescription_edit_seconds)
    event = await cast.db.outbox.find_one({"event.type": "prescription.created"})
    assert event["event"]["data"]["editable_until"] == created["editable_until"]
    assert event["event"]["data"]["doctor_id"] == cast.doctor.id
    assert event["event"]["patient_id"] == cast.patient.id


async def test_medications_are_required_and_complete(client: Any, cast: Cast) -> None:
    consultation = await create_consultation(client, cast)
    url = "/api/v1/prescriptions"
    for medications in ([], [{"name": "x", "dosage": "1", "frequency": "1"}], None):
        body = {"consultation_id": consultation["id"], "medications": medications}
        response = await client.post(url, json=body, headers=cast.doctor.headers)
        assert response.status_code in (400, 422), response.text
    assert await cast.db.prescriptions.count_documents({}) == 0


async def test_changes_inside_the_window_keep_a_version_history(client: Any, cast: Cast) -> None:
    consultation = await create_consultation(client, cast)
    created = await create_prescription(client, cast, consultation["id"])
    url = f"/api/v1/prescriptions/{created['id']}"
    changed = await client.patch(
        url, json={"medications": [MEDICATION], "notes": "with food"}, headers=cast.doctor.headers
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["medications"][0]["name"] == "Ibuprofen"
    assert changed.json()["version"] == 2
    history = (await client.get(f"{url}/versions", headers=cast.patient.headers)).json()
    assert (history["total"], history["page"], history["page_size"]) == (2, 1, 20)
    versions = history["items"]
    assert [v["version"] for v in versions] == [2, 1]  # newest first, as a consultation's
    assert versions[0]["notes"] == "with food"
    assert versions[1]["medications"][0]["name"] == "Amoxicillin"
    older = await client.get(
        f"{url}/versions", params={"page": 2, "page_size": 1}, headers=cast.patient.headers
    )
    assert [v["version"] for v in older.json()["items"]] == [1]
    too_many = await client.get(
        f"{url}/versions", params={"page_size": 1000}, headers=cast.patient.headers
    )
    assert too_many.status_code == 422
    # The patient reads it but never changes it.
    assert (
        await client.patch(url, json={"notes": "x"}, headers=cast.patient.headers)
    ).status_code == 403


async def test_after_the_window_a_change_is_refused_and_it_reads_locked(
    client: Any, cast: Cast, settings: Settings
) -> None:
    settings.medical.prescription_edit_seconds = 1
    consultation = await create_consultation(client, cast)
    created = await create_prescription(client, cast, consultation["id"])
    url = f"/api/v1/prescriptions/{created['id']}"
    await asyncio.sleep(1.2)
    assert (await client.get(url, headers=cast.patient.headers)).json()["status"] == "locked"
    for _ in range(2):
        refused = await client.patch(url, json={"notes": "late"}, headers=cast.doctor.headers)
        assert refused.status_code == 409, refused.text
    stored = await cast.db.prescriptions.find_one({})
    assert stored["status"] == "locked" and stored.get("notes") is None
    assert await cast.db.outbox.count_documents({"event.type": "prescription.locked"}) == 1


async def test_concurrent_changes_at_the_end_of_the_window_never_land_after_it(
    client: Any, cast: Cast, settings: Settings
) -> None:
    settings.medical.prescription_edit_seconds = 2
    consultation = await create_consultation(client, cast)
    created = await create_prescription(client, cast, consultation["id"])
    url = f"/api/v1/prescriptions/{created['id']}"
    deadline = at(created["editable_until"])
    statuses: list[int] = []

    async def keep_changing(worker: int) -> None:
        # Each worker edits back to back from well inside the window until it is refused,
        # so many edits are in flight when the window closes, whatever the machine's speed.
        for attempt in range(1000):
            response = await client.patch(
                url, json={"notes": f"edit {worker}.{attempt}"}, headers=cast.doctor.headers
            )
            statuses.append(response.status_code)
            if response.status_code != 200 or datetime.now(UTC) > deadline + timedelta(seconds=2):
                return

    await asyncio.gather(*(keep_changing(worker) for worker in range(6)))
    assert set(statuses) <= {200, 409}, statuses
    assert 200 in statuses and 409 in statuses
    versions = [v async for v in cast.db.prescription_versions.find({})]
    assert all(at_utc(v["changed_at"]) < deadline for v in versions)
    assert len(versions) == 1 + statuses.count(200)
    stored = await cast.db.prescriptions.find_one({})
    last = max(versions, key=lambda v: v["version"])
    assert stored["notes"] == last["notes"] and stored["version"] == last["version"]
    assert stored["status"] == "locked"
    assert (
        await client.patch(url, json={"notes": "x"}, headers=cast.doctor.headers)
    ).status_code == 409
    assert await cast.db.outbox.count_documents({"event.type": "prescription.locked"}) == 1


async def test_its_doctor_locks_early_once(client: Any, cast: Cast) -> None:
    consultation = await create_consultation(client, cast)
    created = await create_prescription(client, cast, consultation["id"])
    url = f"/api/v1/prescriptions/{created['id']}"
    assert (await client.post(f"{url}/lock", headers=cast.patient.headers)).status_code == 403
    locked = await client.post(f"{url}/lock", headers=cast.doctor.headers)
    assert locked.status_code == 200, locked.text
    assert locked.json()["status"] == "locked"
    assert (await client.post(f"{url}/lock", headers=cast.doctor.headers)).status_code == 409
    assert (
        await client.patch(url, json={"notes": "x"}, headers=cast.doctor.headers)
    ).status_code == 409
    assert await cast.db.outbox.count_documents({"event.type": "prescription.locked"}) == 1


async def test_a_patients_prescriptions_newest_first(client: Any, cast: Cast) -> None:
    consultation = await create_consultation(client, cast)
    ids = [(await create_prescription(client, cast, consultation["id"]))["id"] for _ in range(3)]
    for person, query in ((cast.doctor, f"?patient_id={cast.patient.id}"), (cast.patient, "")):
        page = await client.get(
            f"/api/v1/prescriptions{query}&page_size=2".replace("s&", "s?"), headers=person.headers
        )
        assert page.status_code == 200, page.text
        body = page.json()
        assert body["total"] == 3 and body["page_size"] == 2
        assert [p["id"] for p in body["items"]] == ids[::-1][:2]


@pytest.mark.parametrize("page_size", [0, 101])
async def test_page_size_is_bounded(client: Any, cast: Cast, page_size: int) -> None:
    response = await client.get(
        f"/api/v1/prescriptions?patient_id={cast.patient.id}&page_size={page_size}",
        headers=cast.doctor.headers,
    )
    assert response.status_code in (400, 422)
