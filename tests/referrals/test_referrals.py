"""Referral life cycle over HTTP: who may refer, see, decide and book; the resulting
appointment, the care relationship and the events."""

from __future__ import annotations

import asyncio

from tests.referrals.conftest import slot

API = "/api/v1/referrals"


async def refer(client, cast, sender=None, **overrides):  # type: ignore[no-untyped-def]
    body = {
        "patient_id": cast["patient"].id,
        "to_doctor_id": cast["cardio"].id,
        "reason": "Palpitations on exertion",
        "urgency": "urgent",
        "notes": "ECG attached to the record",
        **overrides,
    }
    return await client.post(API, json=body, headers=(sender or cast["gp"]).headers)


async def test_lifecycle_accept_then_book_for_the_patient(client, cast, db) -> None:  # type: ignore[no-untyped-def]
    gp, cardio, patient = cast["gp"], cast["cardio"], cast["patient"]
    created = await refer(client, cast)
    assert created.status_code == 201, created.text
    referral = created.json()
    assert referral["status"] == "pending" and referral["from_doctor_id"] == gp.id
    assert referral["urgency"] == "urgent" and referral["created_at"].endswith("Z")
    rid = referral["id"]

    received = (
        await client.get(API, params={"direction": "received"}, headers=cardio.headers)
    ).json()
    assert [r["id"] for r in received["items"]] == [rid] and received["total"] == 1
    sent = (await client.get(API, params={"direction": "sent"}, headers=gp.headers)).json()
    assert [r["id"] for r in sent["items"]] == [rid]
    assert (await client.get(API, params={"direction": "sent"}, headers=cardio.headers)).json()[
        "total"
    ] == 0
    for who in (gp, cardio, patient):
        assert (await client.get(f"{API}/{rid}", headers=who.headers)).status_code == 200

    # Booking needs an accepted referral.
    early = await client.post(
        f"{API}/{rid}/appointments", json={"start": slot("09:00")}, headers=gp.headers
    )
    assert early.status_code == 409
    accepted = await client.post(f"{API}/{rid}/accept", headers=cardio.headers)
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert accepted.json()["accepted_at"].endswith("Z")
    assert (await client.post(f"{API}/{rid}/accept", headers=cardio.headers)).status_code == 409

    booked = await client.post(
        f"{API}/{rid}/appointments", json={"start": slot("09:30")}, headers=gp.headers
    )
    assert booked.status_code == 201, booked.text
    appointment = booked.json()
    assert appointment["status"] == "confirmed"
    assert appointment["patient_id"] == patient.id and appointment["doctor_id"] == cardio.id
    assert appointment["start"] == slot("09:30") and appointment["referral_id"] == rid

    # The patient sees it among their appointments; the referring doctor sees the outcome.
    mine = (await client.get("/api/v1/appointments", headers=patient.headers)).json()
    [listed] = [a for a in mine["items"] if a["id"] == appointment["id"]]
    shown = await client.get(f"/api/v1/appointments/{appointment['id']}", headers=patient.headers)
    for view in (listed, shown.json()):  # where it came from, and never a request
        assert view["referral_id"] == rid
        assert [step["status"] for step in view["history"]] == ["confirmed"]
    outcome = (await client.get(f"{API}/{rid}", headers=gp.headers)).json()
    assert outcome["status"] == "booked" and outcome["appointment_id"] == appointment["id"]
    again = await client.post(
        f"{API}/{rid}/appointments", json={"start": slot("10:00")}, headers=cardio.headers
    )
    assert again.status_code == 409

    # The life cycle's own events (reads of the referral go to audit.access, not here).
    lifecycle = db.outbox.find({"topic": "referrals.events", "event.subject.type": "referral"})
    types = [e["event"]["type"] async for e in lifecycle]
    assert types == ["referral.created", "referral.accepted", "referral.booked"]
    event = await db.outbox.find_one({"event.type": "referral.booked"})
    data = event["event"]["data"]
    assert (data["patient_id"], data["from_doctor_id"], data["to_doctor_id"]) == (
        patient.id,
        gp.id,
        cardio.id,
    )
    assert data["appointment_id"] == appointment["id"]
    assert "Palpitations" not in str(event["event"])
    confirmed = await db.outbox.find_one({"event.type": "appointment.confirmed"})
    assert confirmed["event"]["data"]["referral_id"] == rid


async def test_decline_with_reason_and_referring_doctor_sees_it(client, cast, db) -> None:  # type: ignore[no-untyped-def]
    rid = (await refer(client, cast)).json()["id"]
    no_reason = await client.post(
        f"{API}/{rid}/decline", json={"reason": " "}, headers=cast["cardio"].headers
    )
    assert no_reason.status_code in (400, 422)
    declined = await client.post(
        f"{API}/{rid}/decline",
        json={"reason": "Outside my practice"},
        headers=cast["cardio"].headers,
    )
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    seen = (await client.get(f"{API}/{rid}", headers=cast["gp"].headers)).json()
    assert seen["status"] == "declined" and seen["decline_reason"] == "Outside my practice"
    assert (
        await client.post(f"{API}/{rid}/accept", headers=cast["cardio"].headers)
    ).status_code == 409
    book = await client.post(
        f"{API}/{rid}/appointments", json={"start": slot("09:00")}, headers=cast["cardio"].headers
    )
    assert book.status_code == 409
    assert await db.outbox.count_documents({"event.type": "referral.declined"}) == 1


async def test_who_may_refer(client, cast) -> None:  # type: ignore[no-untyped-def]
    # Not in the referring doctor's care: looks missing.
    assert (await refer(client, cast, patient_id=cast["other_patient"].id)).status_code == 404
    assert (await refer(client, cast, sender=cast["other_doctor"])).status_code == 404
    # A patient cannot refer; the receiver must be another existing doctor.
    assert (await refer(client, cast, sender=cast["patient"])).status_code == 403
    assert (await refer(client, cast, to_doctor_id=cast["gp"].id)).status_code in (400, 422)
    assert (await refer(client, cast, to_doctor_id=cast["other_patient"].id)).status_code == 404
    assert (await refer(client, cast, to_doctor_id="64b000000000000000000000")).status_code == 404
    assert (await refer(client, cast, urgency="whenever")).status_code in (400, 422)
    assert (await refer(client, cast, reason="")).status_code in (400, 422)
    assert (await refer(client, cast, reason="x" * 1001)).status_code in (400, 422)
    assert (await client.post(API, json={})).status_code == 401


async def test_who_may_see_and_act(client, cast) -> None:  # type: ignore[no-untyped-def]
    rid = (await refer(client, cast)).json()["id"]
    outsider, other_patient = cast["other_doctor"], cast["other_patient"]
    for who in (outsider, other_patient):
        assert (await client.get(f"{API}/{rid}", headers=who.headers)).status_code == 404
        assert (await client.post(f"{API}/{rid}/accept", headers=who.headers)).status_code in (
            403,
            404,
        )
    assert (await client.post(f"{API}/{rid}/accept", headers=outsider.headers)).status_code == 404
    # Seeing it is not deciding it: only the receiving doctor accepts or declines.
    assert (await client.post(f"{API}/{rid}/accept", headers=cast["gp"].headers)).status_code == 403
    assert (
        await client.post(f"{API}/{rid}/accept", headers=cast["patient"].headers)
    ).status_code == 403
    await client.post(f"{API}/{rid}/accept", headers=cast["cardio"].headers)
    by_patient = await client.post(
        f"{API}/{rid}/appointments", json={"start": slot("09:00")}, headers=cast["patient"].headers
    )
    assert by_patient.status_code == 403
    assert (await client.get(f"{API}/not-an-id", headers=cast["gp"].headers)).status_code == 404
    # Patients list the referrals about them; direction lists are for doctors.
    listed = (await client.get(API, headers=cast["patient"].headers)).json()
    assert [r["id"] for r in listed["items"]] == [rid]
    assert (
        await client.get(API, params={"direction": "sent"}, headers=cast["patient"].headers)
    ).status_code == 403
    assert (await client.get(API, headers=other_patient.headers)).json()["total"] == 0


async def test_referral_gives_the_receiving_doctor_care(client, cast, db) -> None:  # type: ignore[no-untyped-def]
    from domain.care.relationship import doctor_treats_patient

    cardio, patient = cast["cardio"], cast["patient"]
    assert not await doctor_treats_patient(db, cardio.id, patient.id)
    rid = (await refer(client, cast)).json()["id"]
    assert await doctor_treats_patient(db, cardio.id, patient.id)
    # ...so the specialist may now open a conversation with the patient.
    opened = await client.post(
        "/api/v1/conversations", json={"participant_id": patient.id}, headers=cardio.headers
    )
    assert opened.status_code == 201
    await client.post(f"{API}/{rid}/decline", json={"reason": "no"}, headers=cardio.headers)
    assert not await doctor_treats_patient(db, cardio.id, patient.id)


async def test_booking_slot_rules_and_race(client, cast) -> None:  # type: ignore[no-untyped-def]
    gp, cardio = cast["gp"], cast["cardio"]
    first = (await refer(client, cast)).json()["id"]
    second = (await refer(client, cast, reason="Second opinion")).json()["id"]
    for rid in (first, second):
        await client.post(f"{API}/{rid}/accept", headers=cardio.headers)
    off_grid = await client.post(
        f"{API}/{first}/appointments", json={"start": slot("09:10")}, headers=gp.headers
    )
    assert off_grid.status_code in (400, 422)
    past = await client.post(
        f"{API}/{first}/appointments", json={"start": "2020-01-06T09:00:00Z"}, headers=gp.headers
    )
    assert past.status_code in (400, 422)
    # Two referrals racing for one slot: exactly one gets it.
    results = await asyncio.gather(
        *(
            client.post(
                f"{API}/{rid}/appointments", json={"start": slot("11:00")}, headers=gp.headers
            )
            for rid in (first, second)
        )
    )
    assert sorted(r.status_code for r in results) == [201, 409]
    loser = first if results[1].status_code == 201 else second
    assert (await client.get(f"{API}/{loser}", headers=gp.headers)).json()["status"] == "accepted"
    retry = await client.post(
        f"{API}/{loser}/appointments", json={"start": slot("11:30")}, headers=cardio.headers
    )
    assert retry.status_code == 201


async def test_concurrent_accept_and_decline_one_wins(client, cast) -> None:  # type: ignore[no-untyped-def]
    rid = (await refer(client, cast)).json()["id"]
    headers = cast["cardio"].headers
    results = await asyncio.gather(
        client.post(f"{API}/{rid}/accept", headers=headers),
        client.post(f"{API}/{rid}/decline", json={"reason": "busy"}, headers=headers),
        client.post(f"{API}/{rid}/accept", headers=headers),
    )
    assert sorted(r.status_code for r in results) == [200, 409, 409]
    final = (await client.get(f"{API}/{rid}", headers=headers)).json()["status"]
    winner = next(r for r in results if r.status_code == 200).json()["status"]
    assert final == winner


async def test_each_step_notifies_the_patient_and_the_other_doctor(client, cast, db) -> None:  # type: ignore[no-untyped-def]
    from domain.notifications.mapping import messages_for

    gp, cardio, patient = cast["gp"], cast["cardio"], cast["patient"]
    rid = (await refer(client, cast)).json()["id"]
    await client.post(f"{API}/{rid}/accept", headers=cardio.headers)
    booked = await client.post(
        f"{API}/{rid}/appointments", json={"start": slot("09:00")}, headers=cardio.headers
    )
    assert booked.status_code == 201, booked.text
    other = (await refer(client, cast, reason="Second opinion")).json()["id"]
    await client.post(f"{API}/{other}/decline", json={"reason": "busy"}, headers=cardio.headers)

    told: dict[str, list[set[str]]] = {}
    # The life cycle's events (the reads of the referral go to audit.access).
    lifecycle = {"topic": "referrals.events", "event.subject.type": "referral"}
    async for entry in db.outbox.find(lifecycle):
        messages = messages_for(entry["event"], "http://app.test")
        assert all("Palpitations" not in m.body + m.title for m in messages)
        told.setdefault(entry["event"]["type"], []).append({m.user_id for m in messages})
    assert told == {
        "referral.created": [{cardio.id, patient.id}] * 2,
        "referral.accepted": [{gp.id, patient.id}],
        "referral.booked": [{gp.id, patient.id}],  # booked by the receiving doctor
        "referral.declined": [{gp.id, patient.id}],
    }


async def test_ids_typed_in_upper_case_refer_the_patient_to_the_doctor(client, cast) -> None:  # type: ignore[no-untyped-def]
    patient, cardio = cast["patient"], cast["cardio"]
    created = await refer(
        client, cast, patient_id=patient.id.upper(), to_doctor_id=cardio.id.upper()
    )
    assert created.status_code == 201, created.text
    assert (created.json()["patient_id"], created.json()["to_doctor_id"]) == (patient.id, cardio.id)
    for reader in (patient, cardio):
        listed = (await client.get(API, headers=reader.headers)).json()
        assert [r["id"] for r in listed["items"]] == [created.json()["id"]]
