"""A patient's timeline: every kind of record, newest first, paginated."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from config.settings import Settings
from tests.records.support import (
    Cast,
    create_consultation,
    create_prescription,
    make_person,
    upload_form,
)


async def test_everything_newest_first_one_page_at_a_time(
    client: Any, cast: Cast, settings: Settings
) -> None:
    # Cast made an appointment for tomorrow; an older one, a month ago, comes last.
    past = datetime.now(UTC) - timedelta(days=30)
    await cast.db.appointments.insert_one(
        {
            "patient_id": cast.patient.id,
            "doctor_id": cast.doctor.id,
            "start": past,
            "status": "completed",
            "reason": "follow-up",
        }
    )
    consultation = await create_consultation(client, cast)
    await asyncio.sleep(0.01)
    await client.post(
        f"/api/v1/consultations/{consultation['id']}/notes",
        json={"text": "Stable"},
        headers=cast.doctor.headers,
    )
    await asyncio.sleep(0.01)
    prescription = await create_prescription(client, cast, consultation["id"])
    await asyncio.sleep(0.01)
    document = await client.post(
        "/api/v1/documents", **upload_form(cast.patient.id), headers=cast.patient.headers
    )
    await asyncio.sleep(0.01)
    await cast.db.referrals.insert_one(
        {
            "patient_id": cast.patient.id,
            "from_doctor_id": cast.doctor.id,
            "to_doctor_id": cast.stranger.id,
            "status": "pending",
            "urgency": "routine",
            "reason": "Cardiology opinion",
            "created_at": datetime.now(UTC),
        }
    )
    # Another patient's records never appear.
    await cast.db.consultations.insert_one(
        {
            "patient_id": cast.other_patient.id,
            "doctor_id": cast.doctor.id,
            "chief_complaint": "x",
            "created_at": datetime.now(UTC),
        }
    )

    url = f"/api/v1/patients/{cast.patient.id}/timeline"
    full = await client.get(url, headers=cast.patient.headers)
    assert full.status_code == 200, full.text
    body = full.json()
    assert [item["type"] for item in body["items"]] == [
        "appointment",
        "referral",
        "document",
        "prescription",
        "note",
        "consultation",
        "appointment",
    ]
    assert body["total"] == 7 and body["page"] == 1
    times = [item["occurred_at"] for item in body["items"]]
    assert times == sorted(times, reverse=True) and all(t.endswith("Z") for t in times)
    ids = {item["type"]: item["id"] for item in body["items"][1:-1]}
    assert ids["prescription"] == prescription["id"]
    assert ids["document"] == document.json()["id"]
    assert all(item["summary"] for item in body["items"])

    pages = []
    for page in (1, 2, 3, 4):
        response = await client.get(
            url, params={"page": page, "page_size": 2}, headers=cast.doctor.headers
        )
        assert response.status_code == 200
        pages.extend(response.json()["items"])
        assert response.json()["total"] == 7
    assert [i["id"] for i in pages] == [i["id"] for i in body["items"]]

    admin = await make_person(cast.db, settings, "admin")
    assert (await client.get(url, headers=admin.headers)).status_code == 200
    # An admin is told that an id is nobody's (or a doctor's), not shown an empty record.
    for nobody in ("000000000000000000000000", cast.doctor.id):
        missing = await client.get(f"/api/v1/patients/{nobody}/timeline", headers=admin.headers)
        assert missing.status_code == 404, missing.text
    assert (await client.get(url, headers=cast.other_patient.headers)).status_code == 404
    audited = await cast.db.outbox.count_documents(
        {"event.type": "record.accessed", "event.subject.id": cast.patient.id}
    )
    assert audited == 6


async def test_a_prescription_addendum_has_its_place_in_the_timeline(
    client: Any, cast: Cast
) -> None:
    consultation = await create_consultation(client, cast)
    prescription = await create_prescription(client, cast, consultation["id"])
    await asyncio.sleep(0.01)
    added = await client.post(
        f"/api/v1/prescriptions/{prescription['id']}/addenda",
        json={"text": "Take with food"},
        headers=cast.doctor.headers,
    )
    assert added.status_code == 201, added.text

    response = await client.get(
        f"/api/v1/patients/{cast.patient.id}/timeline", headers=cast.patient.headers
    )
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    # Cast's appointment is tomorrow, so it comes first.
    assert [i["type"] for i in items] == ["appointment", "addendum", "prescription", "consultation"]
    newest = items[1]
    assert newest["id"] == added.json()["id"]
    assert newest["prescription_id"] == prescription["id"]
    assert newest["doctor_id"] == cast.doctor.id
    assert newest["summary"] == "Prescription addendum: Take with food"
