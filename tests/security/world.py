"""A small, realistic world for the security suites, built through the public API.

Two care pairs that must never see each other's data:
  side "a": patient A treated by the treating doctor;
  side "b": patient B treated by the unrelated doctor (unrelated to patient A).
Each side has an appointment, a consultation with a note, a prescription, a document, a
referral (to a specialist who is not an actor), a conversation with a message, a time off,
and for each of its two people a notification and a push device.
Besides: an admin, a deactivated patient, and the specialist.
"""

from __future__ import annotations

import io
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import bcrypt
from bson import ObjectId

from config.settings import Settings
from domain.notifications.models import Message
from domain.notifications.repository import store as notification_store
from tests.support.people import Person, make_person

PASSWORD = "correct horse battery staple"
# A real hash (low cost, the platform rehashes on sign-in) so password routes can run.
PASSWORD_HASH = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()
MISSING_ID = "0123456789abcdef01234567"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
EVERY_DAY_9_TO_12 = {
    "timezone": "UTC",
    "slot_minutes": 30,
    "weekly": [{"weekday": d, "start": "09:00", "end": "12:00"} for d in range(7)],
}


@dataclass
class Side:
    patient: Person
    doctor: Person
    objects: dict[str, str] = field(default_factory=dict)  # kind → id


@dataclass
class World:
    a: Side
    b: Side
    admin: Person
    deactivated: Person
    specialist: Person
    actors: dict[str, Person | None] = field(default_factory=dict)


def _ok(response: Any, *codes: int) -> Any:
    assert response.status_code in (codes or (200, 201)), (
        response.request.method,
        str(response.request.url),
        response.status_code,
        response.text,
    )
    return response.json() if response.content else {}


async def _person(db: Any, settings: Settings, role: str, first: str, last: str) -> Person:
    extra = {"specialty": "cardiology"} if role == "doctor" else {}
    return await make_person(db, settings, role, first, last, password_hash=PASSWORD_HASH, **extra)


async def _free_slot(client: Any, doctor: Person, taken: set[str]) -> str:
    start = datetime.now(UTC).date() + timedelta(days=2)
    slots = _ok(
        await client.get(
            f"/api/v1/doctors/{doctor.id}/slots",
            params={"from": start.isoformat(), "to": (start + timedelta(days=6)).isoformat()},
        )
    )
    items = slots["items"] if isinstance(slots, dict) and "items" in slots else slots
    for item in items:
        if item["start"] not in taken:
            taken.add(item["start"])
            return str(item["start"])
    raise AssertionError(f"no free slot for {doctor.id}: {slots}")


async def _build_side(
    client: Any, db: Any, side: Side, specialist: Person, taken: set[str], label: str
) -> None:
    p, d = side.patient, side.doctor
    start = await _free_slot(client, d, taken)
    appt = _ok(
        await client.post(
            "/api/v1/appointments",
            json={"doctor_id": d.id, "start": start, "reason": f"check-up {label}"},
            headers=p.headers,
        ),
        201,
    )
    _ok(await client.post(f"/api/v1/appointments/{appt['id']}/confirm", headers=d.headers))
    side.objects["appointment"] = appt["id"]
    consultation = _ok(
        await client.post(
            "/api/v1/consultations",
            json={
                "patient_id": p.id,
                "appointment_id": appt["id"],
                "chief_complaint": f"headache {label}",
                "diagnosis": "migraine",
            },
            headers=d.headers,
        ),
        201,
    )
    side.objects["consultation"] = consultation["id"]
    note = _ok(
        await client.post(
            f"/api/v1/consultations/{consultation['id']}/notes",
            json={"text": f"note {label}"},
            headers=d.headers,
        ),
        201,
    )
    side.objects["note"] = note["id"]
    prescription = _ok(
        await client.post(
            "/api/v1/prescriptions",
            json={
                "consultation_id": consultation["id"],
                "medications": [
                    {
                        "name": "Ibuprofen",
                        "dosage": "200 mg",
                        "frequency": "2/day",
                        "duration": "5 d",
                    }
                ],
            },
            headers=d.headers,
        ),
        201,
    )
    side.objects["prescription"] = prescription["id"]
    document = _ok(
        await client.post(
            "/api/v1/documents",
            files={"file": ("report.pdf", io.BytesIO(PDF), "application/pdf")},
            data={"patient_id": p.id, "title": f"Report {label}", "category": "lab_result"},
            headers=d.headers,
        ),
        201,
    )
    side.objects["document"] = document["id"]
    referral = _ok(
        await client.post(
            "/api/v1/referrals",
            json={
                "patient_id": p.id,
                "to_doctor_id": specialist.id,
                "reason": f"second opinion {label}",
                "urgency": "routine",
            },
            headers=d.headers,
        ),
        201,
    )
    side.objects["referral"] = referral["id"]
    conversation = _ok(
        await client.post(
            "/api/v1/conversations", json={"participant_id": d.id}, headers=p.headers
        ),
        200,
        201,
    )
    side.objects["conversation"] = conversation["id"]
    message = _ok(
        await client.post(
            f"/api/v1/conversations/{conversation['id']}/messages",
            json={"text": f"hello {label}"},
            headers=p.headers,
        ),
        201,
    )
    side.objects["message"] = message["id"]
    day = datetime.now(UTC).date() + timedelta(days=40 + (label == "b"))
    time_off = _ok(
        await client.post(
            "/api/v1/doctors/me/time-off",
            json={"start": f"{day}T09:00:00Z", "end": f"{day}T10:00:00Z", "reason": "congress"},
            headers=d.headers,
        ),
        201,
    )
    side.objects["time_off"] = time_off["id"]
    earliest = datetime.now(UTC) + timedelta(days=30)
    waiting = _ok(
        await client.post(
            "/api/v1/waitlist",
            json={
                "doctor_id": d.id,
                "earliest": earliest.isoformat(),
                "latest": (earliest + timedelta(days=7)).isoformat(),
            },
            headers=p.headers,
        ),
        201,
    )
    side.objects["waitlist"] = waiting["id"]
    # In-app notifications come from the streams process; stored here the way it stores
    # them, one for each person of the side.
    for who, person in (("patient", p), ("doctor", d)):
        stored = await notification_store(
            db,
            {
                "id": str(uuid.uuid4()),
                "type": "appointment.confirmed",
                "subject": {"type": "appointment", "id": appt["id"]},
            },
            Message(
                person.id, "appointments", f"Appointment {label}", "Confirmed", "/appointments"
            ),
        )
        side.objects[f"notification_{who}"] = stored.id
        # A phone each, registered for push the way the apps do it.
        device = {"subscription_id": f"sub-{label}-{who}-{uuid.uuid4().hex}", "platform": "ios"}
        _ok(await client.post("/api/v1/notifications/devices", json=device, headers=person.headers))
        side.objects[f"device_{who}"] = device["subscription_id"]


async def build_world(client: Any, db: Any, settings: Settings) -> World:
    a = Side(
        await _person(db, settings, "patient", "Alice", "Aouadi"),
        await _person(db, settings, "doctor", "Tarek", "Treating"),
    )
    b = Side(
        await _person(db, settings, "patient", "Bilel", "Bouzid"),
        await _person(db, settings, "doctor", "Ula", "Unrelated"),
    )
    admin = await _person(db, settings, "admin", "Ada", "Admin")
    deactivated = await _person(db, settings, "patient", "Dora", "Gone")
    specialist = await _person(db, settings, "doctor", "Sonia", "Specialist")
    for doctor in (a.doctor, b.doctor, specialist):
        _ok(
            await client.put(
                "/api/v1/doctors/me/availability", json=EVERY_DAY_9_TO_12, headers=doctor.headers
            )
        )
    taken: set[str] = set()
    await _build_side(client, db, a, specialist, taken, "a")
    await _build_side(client, db, b, specialist, taken, "b")
    _ok(
        await client.patch(
            f"/api/v1/admin/users/{deactivated.id}", json={"active": False}, headers=admin.headers
        )
    )
    world = World(a, b, admin, deactivated, specialist)
    world.actors = {
        "anonymous": None,
        "patient_a": a.patient,
        "patient_b": b.patient,
        "treating_doctor": a.doctor,
        "unrelated_doctor": b.doctor,
        "admin": admin,
        "deactivated": deactivated,
    }
    assert ObjectId.is_valid(MISSING_ID)
    return world
