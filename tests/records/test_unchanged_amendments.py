"""An amendment that changes nothing (every field set to the value it has) makes no new
version, publishes no update (which would notify the patient about nothing) and is
audited as the read its answer is."""

from __future__ import annotations

from typing import Any

from tests.records.support import Cast, create_consultation, create_prescription


async def _events(cast: Cast, event_type: str) -> int:
    return int(await cast.db.outbox.count_documents({"event.type": event_type}))


async def test_a_consultation_set_as_it_is(client: Any, cast: Cast) -> None:
    consultation = await create_consultation(client, cast, diagnosis="Angina")
    url = f"/api/v1/consultations/{consultation['id']}"
    reads = await _events(cast, "record.accessed")
    for _ in range(2):
        same = await client.patch(
            url, json={"diagnosis": "Angina", "chief_complaint": "Chest pain"},
            headers=cast.doctor.headers,
        )  # fmt: skip
        assert same.status_code == 200, same.text
        assert same.json()["version"] == consultation["version"]
    assert await _events(cast, "consultation.updated") == 0
    assert await _events(cast, "record.accessed") == reads + 2
    assert await cast.db.consultation_versions.count_documents({}) <= 1  # the original only
    changed = await client.patch(
        url, json={"diagnosis": "Pericarditis"}, headers=cast.doctor.headers
    )
    assert changed.json()["version"] == consultation["version"] + 1
    assert await _events(cast, "consultation.updated") == 1


async def test_a_prescription_set_as_it_is(client: Any, cast: Cast) -> None:
    consultation = await create_consultation(client, cast)
    prescription = await create_prescription(client, cast, consultation["id"])
    url = f"/api/v1/prescriptions/{prescription['id']}"
    same = await client.patch(
        url, json={"medications": prescription["medications"], "notes": prescription["notes"]},
        headers=cast.doctor.headers,
    )  # fmt: skip
    assert same.status_code == 200, same.text
    assert same.json()["version"] == prescription["version"]
    assert await _events(cast, "prescription.updated") == 0
    versions = (await client.get(f"{url}/versions", headers=cast.doctor.headers)).json()["items"]
    assert len(versions) == 1
    changed = await client.patch(url, json={"notes": "With food"}, headers=cast.doctor.headers)
    assert changed.json()["version"] == prescription["version"] + 1
    assert await _events(cast, "prescription.updated") == 1
