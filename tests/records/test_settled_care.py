"""Records that make care (consultations, referrals) need a settled link: a pending referral
or a requested appointment lets the doctor read, not write their way into the record."""

from __future__ import annotations

from typing import Any

from config.settings import Settings
from tests.records.support import Cast, Person, book, create_records, make_person

REFERRALS = "/api/v1/referrals"
CONSULTATIONS = "/api/v1/consultations"


def _timeline(cast: Cast) -> str:
    return f"/api/v1/patients/{cast.patient.id}/timeline"


def _referral(cast: Cast, to_doctor_id: str) -> dict[str, str]:
    return {
        "patient_id": cast.patient.id,
        "to_doctor_id": to_doctor_id,
        "reason": "Second opinion",
        "urgency": "routine",
    }


async def _refer_to_stranger(client: Any, cast: Cast) -> str:
    """The treating doctor refers the patient to `cast.stranger`: pending."""
    body = _referral(cast, cast.stranger.id)
    created = await client.post(REFERRALS, json=body, headers=cast.doctor.headers)
    assert created.status_code == 201, created.text
    return str(created.json()["id"])


async def _care_writes(client: Any, cast: Cast, onward_to: Person) -> tuple[int, int]:
    """The stranger refers the patient on, then records a consultation: both statuses."""
    onward = await client.post(
        REFERRALS, json=_referral(cast, onward_to.id), headers=cast.stranger.headers
    )
    consulted = await client.post(
        CONSULTATIONS,
        json={"patient_id": cast.patient.id, "chief_complaint": "Palpitations"},
        headers=cast.stranger.headers,
    )
    return onward.status_code, consulted.status_code


async def test_a_pending_receiver_cannot_consult_or_refer_on_and_loses_access_on_decline(
    client: Any, cast: Cast, settings: Settings
) -> None:
    await create_records(client, cast)
    third = await make_person(cast.db, settings, "doctor", "Third")
    rid = await _refer_to_stranger(client, cast)
    # Pending: the receiver reads the record to decide...
    assert (await client.get(_timeline(cast), headers=cast.stranger.headers)).status_code == 200
    # ...but writes nothing that would make care of its own, and is told no more than a
    # doctor without care (the same 404 as for someone else's patient).
    assert await _care_writes(client, cast, onward_to=third) == (404, 404)
    assert await cast.db.consultations.count_documents({"doctor_id": cast.stranger.id}) == 0
    assert await cast.db.referrals.count_documents({"from_doctor_id": cast.stranger.id}) == 0

    declined = await client.post(
        f"{REFERRALS}/{rid}/decline", json={"reason": "no"}, headers=cast.stranger.headers
    )
    assert declined.status_code == 200, declined.text
    for doctor in (cast.stranger, third):
        assert (await client.get(_timeline(cast), headers=doctor.headers)).status_code == 404


async def test_an_accepted_referral_lets_the_receiver_consult_and_refer_on(
    client: Any, cast: Cast, settings: Settings
) -> None:
    third = await make_person(cast.db, settings, "doctor", "Third")
    rid = await _refer_to_stranger(client, cast)
    accepted = await client.post(f"{REFERRALS}/{rid}/accept", headers=cast.stranger.headers)
    assert accepted.status_code == 200, accepted.text
    assert await _care_writes(client, cast, onward_to=third) == (201, 201)


async def test_a_requested_appointment_gives_no_consultation_and_rejecting_ends_access(
    client: Any, cast: Cast, settings: Settings
) -> None:
    await create_records(client, cast)
    xavier = await make_person(cast.db, settings, "doctor", "Xavier")
    aid = await book(cast.db, xavier, cast.patient, status="requested")
    assert (await client.get(_timeline(cast), headers=xavier.headers)).status_code == 200
    # Neither on its own nor linked to the requested appointment itself.
    for extra in ({}, {"appointment_id": aid}):
        consulted = await client.post(
            CONSULTATIONS,
            json={"patient_id": cast.patient.id, "chief_complaint": "n/a", **extra},
            headers=xavier.headers,
        )
        assert consulted.status_code == 404, (extra, consulted.text)
    assert await cast.db.consultations.count_documents({"doctor_id": xavier.id}) == 0

    rejected = await client.post(
        f"/api/v1/appointments/{aid}/reject",
        json={"reason": "not taking patients"},
        headers=xavier.headers,
    )
    assert rejected.status_code == 200, rejected.text
    everything = f"/api/v1/fhir/Patient/{cast.patient.id}/$everything"
    assert (await client.get(everything, headers=xavier.headers)).status_code == 404
    assert (await client.get(_timeline(cast), headers=xavier.headers)).status_code == 404


async def test_a_confirmed_appointment_is_settled(client: Any, cast: Cast) -> None:
    aid = await book(cast.db, cast.stranger, cast.patient, status="requested")
    await cast.db.appointments.update_one(
        {"doctor_id": cast.stranger.id}, {"$set": {"status": "confirmed"}}
    )
    consulted = await client.post(
        CONSULTATIONS,
        json={"patient_id": cast.patient.id, "chief_complaint": "Cough", "appointment_id": aid},
        headers=cast.stranger.headers,
    )
    assert consulted.status_code == 201, consulted.text
