"""People and care relationships for the records tests, made straight in the store."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bson import ObjectId

from config.settings import Settings
from domain.accounts.access_tokens import issue_access_token
from domain.accounts.roles import Role


@dataclass
class Cast:
    db: Any
    doctor: Person  # treats `patient` (a confirmed appointment)
    patient: Person
    stranger: Person  # a doctor with no relationship to `patient`
    other_patient: Person
    appointment_id: str


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64


@dataclass
class Person:
    id: str
    role: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def make_person(db: Any, settings: Settings, role: str, name: str = "Amel") -> Person:
    user_id = ObjectId()
    await db.users.insert_one(
        {
            "_id": user_id,
            "email": f"{user_id}@example.test",
            "role": role,
            "first_name": name,
            "last_name": "Tester",
            "password_hash": "unused",
            "email_verified": True,
            "active": True,
            "created_at": datetime.now(UTC),
            "token_version": 0,
        }
    )
    token, _ = issue_access_token(
        settings.auth, user_id=str(user_id), role=Role(role), token_version=0, session_id=None
    )
    return Person(str(user_id), role, token)


async def book(
    db: Any, doctor: Person, patient: Person, status: str = "confirmed", days: int = 1
) -> str:
    """An appointment between them, as the appointments area stores it."""
    start = datetime.now(UTC).replace(microsecond=0) + timedelta(days=days)
    result = await db.appointments.insert_one(
        {
            "patient_id": patient.id,
            "doctor_id": doctor.id,
            "start": start,
            "end": start + timedelta(minutes=30),
            "status": status,
            "reason": "check-up",
            "created_at": datetime.now(UTC),
            "updated_at": datetime.now(UTC),
        }
    )
    return str(result.inserted_id)


def upload_form(
    patient_id: str,
    data: bytes = PDF,
    *,
    filename: str = "report.pdf",
    content_type: str = "application/pdf",
    title: str = "Blood test",
    category: str = "lab_result",
    **extra: str,
) -> dict[str, Any]:
    return {
        "files": {"file": (filename, io.BytesIO(data), content_type)},
        "data": {"patient_id": patient_id, "title": title, "category": category, **extra},
    }


async def create_consultation(client: Any, cast: Cast, **body: Any) -> dict[str, Any]:
    payload = {"patient_id": cast.patient.id, "chief_complaint": "Chest pain", **body}
    response = await client.post("/api/v1/consultations", json=payload, headers=cast.doctor.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def create_prescription(client: Any, cast: Cast, consultation_id: str) -> dict[str, Any]:
    body = {
        "consultation_id": consultation_id,
        "medications": [
            {"name": "Amoxicillin", "dosage": "500 mg", "frequency": "3/day", "duration": "7 days"}
        ],
    }
    response = await client.post("/api/v1/prescriptions", json=body, headers=cast.doctor.headers)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def create_records(client: Any, cast: Cast) -> dict[str, str]:
    """One consultation, prescription and document of `cast.patient`, by kind."""
    consultation = await create_consultation(client, cast)
    prescription = await create_prescription(client, cast, consultation["id"])
    document = await client.post(
        "/api/v1/documents", **upload_form(cast.patient.id), headers=cast.patient.headers
    )
    assert document.status_code == 201, document.text
    return {
        "consultation": consultation["id"],
        "prescription": prescription["id"],
        "document": document.json()["id"],
    }
