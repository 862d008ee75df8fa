"""The care-relationship rule itself, as messaging, profiles and records use it."""

from __future__ import annotations

from typing import Any

import pytest
from bson import ObjectId

from config.settings import Settings
from domain.care.relationship import (
    doctor_settled_with_patient,
    doctor_treats_patient,
    patient_ids_in_care,
    require_patient_access,
)
from domain.events import Actor
from domain.shared.errors import NotFound
from tests.records.support import make_person


async def test_appointments_referrals_and_consultations_make_care(db: Any) -> None:
    assert not await doctor_treats_patient(db, "d1", "p1")
    await db.appointments.insert_one({"doctor_id": "d1", "patient_id": "p1", "status": "rejected"})
    await db.referrals.insert_many(
        [
            {"patient_id": "p2", "from_doctor_id": "d9", "to_doctor_id": "d1", "status": "pending"},
            {
                "patient_id": "p3",
                "from_doctor_id": "d1",
                "to_doctor_id": "d9",
                "status": "declined",
            },
            {
                "patient_id": "p4",
                "from_doctor_id": "d1",
                "to_doctor_id": "d9",
                "status": "accepted",
            },
        ]
    )
    await db.appointments.insert_one({"doctor_id": "d1", "patient_id": "p5", "status": "cancelled"})
    await db.consultations.insert_one({"doctor_id": "d1", "patient_id": "p6"})

    expected = {"p1": False, "p2": True, "p3": False, "p4": True, "p5": True, "p6": True}
    for patient_id, treats in expected.items():
        assert await doctor_treats_patient(db, "d1", patient_id) is treats, patient_id
    assert await patient_ids_in_care(db, "d1") == {"p2", "p4", "p5", "p6"}
    # Both ends of a referral are in the patient's care; the referring doctor of p2 too.
    assert await doctor_treats_patient(db, "d9", "p2")
    assert not await doctor_treats_patient(db, "d9", "p3")


async def test_only_agreed_links_and_consultations_are_settled(db: Any) -> None:
    await db.appointments.insert_many(
        [
            {"doctor_id": "d1", "patient_id": f"a-{status}", "status": status}
            for status in ("requested", "confirmed", "completed", "cancelled", "rejected")
        ]
    )
    await db.referrals.insert_many(
        [
            {
                "patient_id": f"r-{status}",
                "from_doctor_id": "d9",
                "to_doctor_id": "d1",
                "status": status,
            }
            for status in ("pending", "accepted", "booked", "declined")
        ]
    )
    await db.consultations.insert_one({"doctor_id": "d1", "patient_id": "c"})
    settled = {"a-confirmed", "a-completed", "r-accepted", "r-booked", "c"}
    for patient_id in await patient_ids_in_care(db, "d1") | {"a-rejected", "r-declined"}:
        expected = patient_id in settled
        assert await doctor_settled_with_patient(db, "d1", patient_id) is expected, patient_id
    # The referring end of an accepted referral is settled too.
    assert await doctor_settled_with_patient(db, "d9", "r-accepted")
    assert not await doctor_settled_with_patient(db, "d9", "r-pending")


async def test_only_the_patient_their_doctors_and_where_allowed_admins_pass(
    db: Any, settings: Settings
) -> None:
    p1 = (await make_person(db, settings, "patient")).id
    await db.consultations.insert_one({"doctor_id": "d1", "patient_id": p1})
    for caller in (Actor(id=p1, role="patient"), Actor(id="d1", role="doctor")):
        await require_patient_access(db, caller, p1)
    admin = Actor(id="a1", role="admin")
    await require_patient_access(db, admin, p1, allow_admin=True)
    for caller, allow_admin in (
        (admin, False),
        (Actor(id="p2", role="patient"), True),
        (Actor(id="d2", role="doctor"), True),
        (Actor(id=None, role="anonymous"), True),
    ):
        with pytest.raises(NotFound):
            await require_patient_access(db, caller, p1, allow_admin=allow_admin)


async def test_an_admin_reads_only_a_patient_there_is(db: Any, settings: Settings) -> None:
    admin = Actor(id="a1", role="admin")
    doctor = await make_person(db, settings, "doctor")
    for nobody in (str(ObjectId()), doctor.id, "p1"):
        with pytest.raises(NotFound):
            await require_patient_access(db, admin, nobody, allow_admin=True)
