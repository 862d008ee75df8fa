"""Accepting, declining and booking a referral answer with the patient's data (the
referral's reason and notes, the appointment made from it): each is a read of the record,
audited with one `record.accessed` as GET /referrals/{id} is."""

from __future__ import annotations

from typing import Any

from tests.referrals.conftest import slot
from tests.referrals.test_referrals import API, refer


async def accesses(db: Any, request_id: str) -> list[dict[str, Any]]:
    found = db.outbox.find({"event.context.request_id": request_id, "topic": "audit.access"})
    return [entry["event"] async for entry in found]


async def test_accept_decline_and_book_are_audited_reads(client, cast, db) -> None:  # type: ignore[no-untyped-def]
    gp, cardio, patient = cast["gp"], cast["cardio"], cast["patient"]

    async def post(url: str, who: Any, request_id: str, **kwargs: Any) -> Any:
        headers = {**who.headers, "X-Request-ID": request_id}
        return await client.post(f"{API}/{url}", headers=headers, **kwargs)

    accepted_id = (await refer(client, cast)).json()["id"]
    declined_id = (await refer(client, cast)).json()["id"]
    accepted = await post(f"{accepted_id}/accept", cardio, "accept")
    assert accepted.status_code == 200, accepted.text
    declined = await post(f"{declined_id}/decline", cardio, "decline", json={"reason": "No"})
    assert declined.status_code == 200, declined.text
    booked = await post(f"{accepted_id}/appointments", gp, "book", json={"start": slot("09:30")})
    assert booked.status_code == 201, booked.text

    for request_id, reader, subject in (
        ("accept", cardio, {"type": "referral", "id": accepted_id}),
        ("decline", cardio, {"type": "referral", "id": declined_id}),
        ("book", gp, {"type": "appointment", "id": booked.json()["id"]}),
    ):
        events = await accesses(db, request_id)
        assert len(events) == 1, (request_id, events)
        event = events[0]
        assert event["type"] == "record.accessed", request_id
        assert event["actor"] == {"id": reader.id, "role": "doctor"}, request_id
        assert event["patient_id"] == patient.id, request_id
        assert event["subject"] == subject, request_id

    # Refused (someone else's referral, or no longer pending): nothing was read.
    pending_id = (await refer(client, cast)).json()["id"]
    assert (await post(f"{pending_id}/accept", cast["other_doctor"], "stranger")).status_code == 404
    assert (await post(f"{accepted_id}/accept", cardio, "again")).status_code == 409
    assert await accesses(db, "stranger") == await accesses(db, "again") == []
