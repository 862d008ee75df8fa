"""Loads demo specialties' doctors, clinics, availability, patients, appointments,
consultations and conversations through the same domain services the API uses.

Idempotent: accounts are keyed by fixed emails, and each kind of record is created only
where it is missing, so a second run changes no count.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from domain.accounts.models import User
from domain.accounts.passwords import hash_password
from domain.accounts.repository import find_by_email, insert_user
from domain.accounts.roles import Role
from domain.appointments.booking import book
from domain.appointments.lifecycle import change_status
from domain.appointments.states import Transition
from domain.demo.data import (
    CITIES,
    COMPLAINTS,
    FIRST_NAMES,
    LANGUAGES,
    LAST_NAMES,
    MEDICATIONS,
    MESSAGES,
    REASONS,
)
from domain.events import Actor
from domain.messaging.conversations import open_conversation
from domain.messaging.messages import send_message
from domain.profiles.service import update_profile
from domain.records.consultations import create_consultation
from domain.records.prescriptions import create_prescription
from domain.scheduling.service import free_slots, set_availability
from domain.specialties import SPECIALTIES

DEMO_DOMAIN = "demo.esante.local"
DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - published demo credentials
ADMIN_EMAIL = f"admin@{DEMO_DOMAIN}"

Progress = Callable[[str, int, int], None]  # (stage, done, total)


@dataclass
class SeedReport:
    created: dict[str, int] = field(default_factory=dict)
    accounts: list[tuple[str, str]] = field(default_factory=list)  # (role, email)

    def count(self, kind: str, n: int = 1) -> None:
        self.created[kind] = self.created.get(kind, 0) + n


def _id(doc: dict[str, Any]) -> str:
    """Services hand back stored documents (`_id`) or views (`id`)."""
    return str(doc.get("id") or doc["_id"])


def doctor_email(n: int) -> str:
    return f"doctor{n:02d}@{DEMO_DOMAIN}"


def patient_email(n: int) -> str:
    return f"patient{n:03d}@{DEMO_DOMAIN}"


async def _account(
    db: Any, email: str, role: Role, n: int, password_hash: str, report: SeedReport, **extra: Any
) -> User:
    existing = await find_by_email(db, email)
    if existing is not None:
        return existing
    now = datetime.now(UTC)
    user = User(
        id=str(ObjectId()),
        email=email,
        role=role,
        first_name=FIRST_NAMES[n % len(FIRST_NAMES)],
        last_name=LAST_NAMES[(n * 7) % len(LAST_NAMES)],
        password_hash=password_hash,
        email_verified=True,
        active=True,
        created_at=now,
        verified_at=now,
        **extra,
    )
    await insert_user(db, user)
    report.count(f"{role.value}s")
    return user


def _doctor_profile(n: int, rng: random.Random) -> dict[str, Any]:
    city = CITIES[n % len(CITIES)]
    specialty = SPECIALTIES[n % len(SPECIALTIES)]
    return {
        "specialty": specialty.code,
        "bio": f"{specialty.name} practitioner in {city.name}.",
        "languages": list(LANGUAGES[n % len(LANGUAGES)]),
        "consultation_fee": 40 + (n % 6) * 10,
        "years_experience": 3 + n % 25,
        "clinic": {
            "name": f"Clinique {LAST_NAMES[n % len(LAST_NAMES)]}",
            "address": f"{10 + n} Avenue de la Santé",
            "city": city.name,
            # Spread within ~10 km of the centre, the same on every run.
            "location": {
                "lat": round(city.lat + rng.uniform(-0.08, 0.08), 5),
                "lng": round(city.lng + rng.uniform(-0.08, 0.08), 5),
            },
        },
    }


def _availability(n: int) -> dict[str, Any]:
    city = CITIES[n % len(CITIES)]
    mornings = [{"weekday": d, "start": "08:30", "end": "12:30"} for d in range(5)]
    afternoons = [{"weekday": d, "start": "14:00", "end": "17:00"} for d in (0, 2, 4)]
    return {"timezone": city.timezone, "slot_minutes": 30, "weekly": mornings + afternoons}


async def seed_demo(
    client: Any,
    db: Any,
    *,
    doctors: int = 50,
    patients: int = 200,
    bcrypt_rounds: int = 12,
    edit_seconds: int = 3600,
    progress: Progress = lambda _stage, _done, _total: None,
) -> SeedReport:
    report = SeedReport()
    rng = random.Random(2026)  # noqa: S311 - demo layout, not security
    # One hash for every demo account: they share the published demo password.
    password_hash = await hash_password(DEMO_PASSWORD, bcrypt_rounds)

    await _account(db, ADMIN_EMAIL, Role.ADMIN, 0, password_hash, report)
    report.accounts.append(("admin", ADMIN_EMAIL))

    doctor_users: list[User] = []
    for n in range(doctors):
        profile = _doctor_profile(n, rng)
        user = await _account(
            db,
            doctor_email(n),
            Role.DOCTOR,
            n,
            password_hash,
            report,
            specialty=profile["specialty"],
            license_number=f"DEMO-{n:04d}",
        )
        await update_profile(db, user.id, "doctor", profile)
        await set_availability(db, user.id, _availability(n))
        doctor_users.append(user)
        progress("doctors", n + 1, doctors)
    report.accounts.append(("doctor", doctor_email(0)))

    patient_users: list[User] = []
    for n in range(patients):
        user = await _account(db, patient_email(n), Role.PATIENT, n + 3, password_hash, report)
        city = CITIES[n % len(CITIES)]
        await update_profile(
            db,
            user.id,
            "patient",
            {
                "gender": "female" if n % 2 else "male",
                "blood_type": ("A+", "O+", "B+", "AB-")[n % 4],
                "address": f"{n + 1} Rue de la Paix, {city.name}",
            },
        )
        patient_users.append(user)
        progress("patients", n + 1, patients)
    report.accounts.append(("patient", patient_email(0)))

    # The first patients each see a doctor of their city: appointments, then records and chat.
    active = patient_users[: min(len(patient_users), 40)]
    for n, patient in enumerate(active):
        doctor = doctor_users[n % len(doctor_users)]
        await _care(client, db, patient, doctor, n, edit_seconds, report)
        progress("appointments", n + 1, len(active))
    return report


async def _care(
    client: Any,
    db: Any,
    patient: User,
    doctor: User,
    n: int,
    edit_seconds: int,
    report: SeedReport,
) -> None:
    patient_actor = Actor(id=patient.id, role="patient")
    doctor_actor = Actor(id=doctor.id, role="doctor")
    if not await db.appointments.count_documents({"patient_id": patient.id}):
        today = datetime.now(UTC).date()
        slots = await free_slots(
            db, doctor.id, today + timedelta(days=1), today + timedelta(days=14)
        )
        if len(slots) < 2:
            return
        chosen = slots[(n * 3) % len(slots)], slots[(n * 3 + 1) % len(slots)]
        for index, slot in enumerate(chosen):
            booked = await book(
                client,
                db,
                patient_actor,
                {
                    "doctor_id": doctor.id,
                    "start": slot.start.isoformat(),
                    "reason": REASONS[(n + index) % len(REASONS)],
                    "mode": "video" if (n + index) % 3 == 0 else "in_person",
                },
            )
            report.count("appointments")
            if index == 0 or n % 2:
                await change_status(client, db, doctor_actor, _id(booked), Transition.CONFIRM)
    if not await db.consultations.count_documents({"patient_id": patient.id}):
        consultation = await create_consultation(
            client,
            db,
            doctor_actor,
            {
                "patient_id": patient.id,
                "chief_complaint": COMPLAINTS[n % len(COMPLAINTS)],
                "diagnosis": "Benign; review if it persists",
                "notes": "Demo consultation.",
            },
        )
        report.count("consultations")
        await create_prescription(
            client,
            db,
            doctor_actor,
            {
                "consultation_id": _id(consultation),
                "medications": [MEDICATIONS[n % len(MEDICATIONS)]],
            },
            edit_seconds=edit_seconds,
        )
        report.count("prescriptions")
    conversation, _ = await open_conversation(db, patient_actor, doctor.id)
    conversation_id = _id(conversation)
    if not await db.messages.count_documents({"conversation_id": conversation_id}):
        for index, text in enumerate(MESSAGES):
            sender = patient_actor if index % 2 == 0 else doctor_actor
            await send_message(client, db, sender, conversation_id, text)
            report.count("messages")
