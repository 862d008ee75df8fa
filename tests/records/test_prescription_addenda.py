"""Prescription addenda: the only change a locked prescription takes, append-only."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from bson import ObjectId

from domain.records import prescription_addenda
from tests.records.support import Cast, create_consultation, create_prescription


async def _locked_prescription(client: Any, cast: Cast) -> str:
    consultation = await create_consultation(client, cast)
    created = await create_prescription(client, cast, consultation["id"])
    url = f"/api/v1/prescriptions/{created['id']}"
    locked = await client.post(f"{url}/lock", headers=cast.doctor.headers)
    assert locked.status_code == 200, locked.text
    return str(created["id"])


async def test_a_locked_prescription_takes_addenda_but_no_edit(client: Any, cast: Cast) -> None:
    prescription_id = await _locked_prescription(client, cast)
    url = f"/api/v1/prescriptions/{prescription_id}"
    refused = await client.patch(url, json={"notes": "with food"}, headers=cast.doctor.headers)
    assert refused.status_code == 409

    texts = ["Take it with food.", "Stop if a rash appears."]
    for text in texts:
        added = await client.post(
            f"{url}/addenda", json={"text": text}, headers=cast.doctor.headers
        )
        assert added.status_code == 201, added.text
        assert added.json()["text"] == text
        assert added.json()["author_id"] == cast.doctor.id
        assert added.json()["prescription_id"] == prescription_id

    read = (await client.get(url, headers=cast.patient.headers)).json()
    assert [a["text"] for a in read["addenda"]] == texts  # oldest first
    assert read["status"] == "locked"
    assert read["version"] == 1  # the prescription itself is unchanged
    assert read["medications"][0]["name"] == "Amoxicillin"
    events = cast.db.outbox.find({"event.type": "prescription.addendum_added"})
    published = [entry["event"] async for entry in events]
    assert len(published) == 2
    assert {e["patient_id"] for e in published} == {cast.patient.id}
    assert {e["subject"]["id"] for e in published} == {prescription_id}


async def test_an_active_prescription_takes_addenda_too(client: Any, cast: Cast) -> None:
    consultation = await create_consultation(client, cast)
    created = await create_prescription(client, cast, consultation["id"])
    url = f"/api/v1/prescriptions/{created['id']}"
    added = await client.post(f"{url}/addenda", json={"text": "x"}, headers=cast.doctor.headers)
    assert added.status_code == 201, added.text
    read = (await client.get(url, headers=cast.doctor.headers)).json()
    assert read["status"] == "active"
    assert len(read["addenda"]) == 1


async def test_only_its_doctor_adds_and_outsiders_learn_nothing(client: Any, cast: Cast) -> None:
    prescription_id = await _locked_prescription(client, cast)
    url = f"/api/v1/prescriptions/{prescription_id}/addenda"
    body = {"text": "not mine to add"}
    by_patient = await client.post(url, json=body, headers=cast.patient.headers)
    assert by_patient.status_code == 403  # doctors only
    by_stranger = await client.post(url, json=body, headers=cast.stranger.headers)
    missing = await client.post(
        "/api/v1/prescriptions/65a000000000000000000000/addenda",
        json=body,
        headers=cast.stranger.headers,
    )
    assert by_stranger.status_code == missing.status_code == 404
    assert await cast.db.prescription_addenda.count_documents({}) == 0


@pytest.mark.parametrize(
    "body", [{}, {"text": ""}, {"text": "   "}, {"text": 5}, {"text": "x" * 5001}]
)
async def test_an_empty_or_oversized_addendum_is_refused(
    client: Any, cast: Cast, body: dict[str, Any]
) -> None:
    prescription_id = await _locked_prescription(client, cast)
    url = f"/api/v1/prescriptions/{prescription_id}/addenda"
    refused = await client.post(url, json=body, headers=cast.doctor.headers)
    assert refused.status_code in (400, 422), refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert await cast.db.prescription_addenda.count_documents({}) == 0
    assert await cast.db.outbox.count_documents({"event.type": "prescription.addendum_added"}) == 0


@pytest.mark.parametrize("from_before_the_counter", [False, True])
async def test_addenda_are_bounded(
    client: Any, cast: Cast, monkeypatch: pytest.MonkeyPatch, from_before_the_counter: bool
) -> None:
    monkeypatch.setattr(prescription_addenda, "MAX_ADDENDA", 2)
    prescription_id = await _locked_prescription(client, cast)
    url = f"/api/v1/prescriptions/{prescription_id}/addenda"

    async def add(text: str) -> int:
        return (
            await client.post(url, json={"text": text}, headers=cast.doctor.headers)
        ).status_code

    statuses = [await add("n0")]
    if from_before_the_counter:  # as a prescription stored before it counted its addenda
        unset = await cast.db.prescriptions.update_one(
            {"_id": ObjectId(prescription_id)}, {"$unset": {"addenda_count": ""}}
        )
        assert unset.modified_count == 1
    statuses += [await add("n1"), await add("n2")]
    assert statuses == [201, 201, 409]
    assert await cast.db.prescription_addenda.count_documents({}) == 2


@pytest.mark.e2e
async def test_appends_at_the_same_time_do_not_pass_the_bound(
    client: Any, cast: Cast, platform: Any
) -> None:
    """Through a real web process (requests truly at once): twelve appends for the last
    ten places take exactly ten. Counting before inserting let all twelve through."""
    prescription_id = await _locked_prescription(client, cast)
    places = 10
    await cast.db.prescriptions.update_one(
        {"_id": ObjectId(prescription_id)},
        {"$set": {"addenda_count": prescription_addenda.MAX_ADDENDA - places}},
    )
    await cast.db.prescription_addenda.insert_many(
        [
            {"prescription_id": prescription_id, "text": "earlier", "author_id": cast.doctor.id}
            for _ in range(prescription_addenda.MAX_ADDENDA - places)
        ]
    )
    web = platform.start("web")
    url = f"/api/v1/prescriptions/{prescription_id}/addenda"
    async with httpx.AsyncClient(base_url=web.url, timeout=30) as http:
        answers = await asyncio.gather(
            *(
                http.post(url, json={"text": f"m{i}"}, headers=cast.doctor.headers)
                for i in range(12)
            )
        )
    assert sorted(a.status_code for a in answers) == [201] * places + [409] * 2, [
        a.text for a in answers
    ]
    total = await cast.db.prescription_addenda.count_documents({"prescription_id": prescription_id})
    assert total == prescription_addenda.MAX_ADDENDA
    events = {"event.type": "prescription.addendum_added"}
    assert await cast.db.outbox.count_documents(events) == places
