"""A referral whose appointment is cancelled is accepted again and can be booked anew; a
cancellation never takes a referral off an appointment booked after it."""

from __future__ import annotations

from typing import Any

from bson import ObjectId

from domain.events import Actor
from domain.notifications.mapping import messages_for
from domain.referrals.reopening import reopen_for_appointment
from tests.referrals.conftest import slot
from tests.referrals.test_booking_holds import accepted_referral

API = "/api/v1/referrals"


async def test_a_cancelled_referral_appointment_can_be_booked_again(
    client: Any, cast: Any, db: Any
) -> None:
    rid = await accepted_referral(client, cast)
    gp, patient = cast["gp"], cast["patient"]
    first = await client.post(f"{API}/{rid}/appointments", json={"start": slot("09:00")},
                              headers=gp.headers)  # fmt: skip
    assert first.status_code == 201, first.text
    cancelled = await client.post(
        f"/api/v1/appointments/{first.json()['id']}/cancel", json={}, headers=patient.headers
    )
    assert cancelled.status_code == 200, cancelled.text

    reopened = (await client.get(f"{API}/{rid}", headers=gp.headers)).json()
    assert reopened["status"] == "accepted" and reopened["appointment_id"] is None
    event = (await db.outbox.find_one({"event.type": "referral.reopened"}))["event"]
    assert event["subject"] == {"type": "referral", "id": rid}
    assert event["actor"] == {"id": patient.id, "role": "patient"}
    assert event["data"]["released_appointment_id"] == first.json()["id"]
    told = messages_for(event, "http://app.test")
    assert [(m.user_id, m.link) for m in told] == [(gp.id, f"http://app.test/referrals/{rid}")]

    # The same slot, freed by the cancellation, and by the other doctor this time.
    again = await client.post(f"{API}/{rid}/appointments", json={"start": slot("09:00")},
                              headers=cast["cardio"].headers)  # fmt: skip
    assert again.status_code == 201, again.text
    booked = (await client.get(f"{API}/{rid}", headers=patient.headers)).json()
    assert booked["status"] == "booked" and booked["appointment_id"] == again.json()["id"]

    # A late word about the first appointment leaves the new booking alone.
    old = await db.appointments.find_one({"_id": ObjectId(first.json()["id"])})
    async with await db.client.start_session() as session:
        await reopen_for_appointment(db, old, Actor(id=patient.id, role="patient"), session)
    still = (await client.get(f"{API}/{rid}", headers=gp.headers)).json()
    assert still["status"] == "booked" and still["appointment_id"] == again.json()["id"]
    assert await db.outbox.count_documents({"event.type": "referral.reopened"}) == 1
