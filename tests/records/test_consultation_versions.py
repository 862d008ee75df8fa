"""Amending a consultation keeps what it said before: one version per state, readable by the
care team and the patient (GET .../versions, paged, audited), nobody else."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bson import ObjectId

from tests.records.support import Cast, create_consultation

FIELDS = ("version", "chief_complaint", "diagnosis", "vitals", "changed_by")


def _states(page: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [tuple(item[f] for f in FIELDS) for item in page["items"]]


async def test_each_amendment_keeps_the_state_before_it(client: Any, cast: Cast) -> None:
    consultation = await create_consultation(client, cast, diagnosis="Angina?")
    url = f"/api/v1/consultations/{consultation['id']}"
    assert consultation["version"] == 1
    for change in ({"diagnosis": "Reflux"}, {"vitals": {"weight_kg": 70}}):
        amended = await client.patch(url, json=change, headers=cast.doctor.headers)
        assert amended.status_code == 200, amended.text
    assert amended.json()["version"] == 3

    d = cast.doctor.id
    expected = [
        (3, "Chest pain", "Reflux", {"weight_kg": 70}, d),
        (2, "Chest pain", "Reflux", {}, d),
        (1, "Chest pain", "Angina?", {}, d),
    ]
    for reader in (cast.doctor, cast.patient):
        history = await client.get(f"{url}/versions", headers=reader.headers)
        assert history.status_code == 200, history.text
        body = history.json()
        assert (body["total"], body["page"], body["page_size"]) == (3, 1, 20)
        assert _states(body) == expected  # newest first, like every list
        assert all(item["changed_at"].endswith("Z") for item in body["items"])
    second = await client.get(
        f"{url}/versions", params={"page": 2, "page_size": 2}, headers=cast.patient.headers
    )
    assert _states(second.json()) == expected[2:] and second.json()["total"] == 3
    # Outside the care team it does not exist.
    for outsider in (cast.stranger, cast.other_patient):
        assert (await client.get(f"{url}/versions", headers=outsider.headers)).status_code == 404
    assert (
        await client.get("/api/v1/consultations/not-an-id/versions", headers=cast.doctor.headers)
    ).status_code == 404


async def test_a_consultation_from_before_versions_keeps_its_original_too(
    client: Any, cast: Cast
) -> None:
    # As stored before this change: no `version` field and no version documents.
    created = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    oid = ObjectId()
    await cast.db.consultations.insert_one(
        {"_id": oid, "patient_id": cast.patient.id, "doctor_id": cast.doctor.id,
         "appointment_id": None, "chief_complaint": "Cough", "diagnosis": None,
         "vitals": {}, "created_at": created, "updated_at": created}
    )  # fmt: skip
    url = f"/api/v1/consultations/{oid}"
    before = (await client.get(f"{url}/versions", headers=cast.patient.headers)).json()
    original = (1, "Cough", None, {}, cast.doctor.id)
    assert _states(before) == [original] and before["total"] == 1
    assert before["items"][0]["changed_at"] == "2024-05-01T09:00:00Z"
    amended = await client.patch(url, json={"diagnosis": "Bronchitis"}, headers=cast.doctor.headers)
    assert amended.status_code == 200 and amended.json()["version"] == 2
    after = (await client.get(f"{url}/versions", headers=cast.patient.headers)).json()
    assert _states(after) == [(2, "Cough", "Bronchitis", {}, cast.doctor.id), original]


async def test_a_version_number_taken_already_is_a_conflict_and_changes_nothing(
    client: Any, cast: Cast
) -> None:
    """Two amendments numbering the same version (a store without transactions): the
    second is refused with 409, not a 500, and the consultation keeps what it said."""
    consultation = await create_consultation(client, cast, diagnosis="Angina?")
    url = f"/api/v1/consultations/{consultation['id']}"
    # Version 2 stored already, as the racing amendment would have.
    await cast.db.consultation_versions.insert_one(
        {
            "consultation_id": consultation["id"],
            "patient_id": cast.patient.id,
            "version": 2,
            "chief_complaint": "Chest pain",
            "diagnosis": "Elsewhere",
            "vitals": {},
            "changed_by": cast.doctor.id,
            "changed_at": datetime.now(UTC),
        }
    )
    refused = await client.patch(url, json={"diagnosis": "Reflux"}, headers=cast.doctor.headers)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    read = (await client.get(url, headers=cast.doctor.headers)).json()
    assert (read["diagnosis"], read["version"]) == ("Angina?", 1)
