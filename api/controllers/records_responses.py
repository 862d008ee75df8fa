"""Response shapes of the medical records routes, so the OpenAPI document describes them.

Timestamps are ISO 8601 UTC strings ending in `Z`, exactly as the domain views render them.
"""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, Field

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    page: int
    page_size: int


class NoteOut(BaseModel):
    id: str
    consultation_id: str
    author_id: str
    text: str
    created_at: str


class ConsultationOut(BaseModel):
    id: str
    patient_id: str
    doctor_id: str
    appointment_id: str | None
    chief_complaint: str
    diagnosis: str | None
    vitals: dict[str, float]
    version: int = Field(description="1 when recorded, one more at each amendment")
    notes: list[NoteOut] = Field(description="append-only, oldest first")
    created_at: str
    updated_at: str


class ConsultationVersionOut(BaseModel):
    version: int
    chief_complaint: str
    diagnosis: str | None
    vitals: dict[str, float]
    changed_by: str = Field(description="the doctor who recorded or amended it")
    changed_at: str


class MedicationOut(BaseModel):
    name: str
    dosage: str
    frequency: str
    duration: str
    instructions: str | None = None


class AddendumOut(BaseModel):
    id: str
    prescription_id: str
    author_id: str
    text: str
    created_at: str


class PrescriptionOut(BaseModel):
    id: str
    consultation_id: str
    patient_id: str
    doctor_id: str
    medications: list[MedicationOut]
    notes: str | None
    status: str = Field(description="active | locked")
    version: int
    editable_until: str
    created_at: str
    updated_at: str
    locked_at: str | None = None
    addenda: list[AddendumOut] | None = Field(
        None, description="Oldest first; in the answer for one prescription, not in lists"
    )


class PrescriptionVersionOut(BaseModel):
    version: int
    medications: list[MedicationOut]
    notes: str | None
    changed_by: str
    changed_at: str


class DocumentOut(BaseModel):
    id: str
    patient_id: str
    consultation_id: str | None
    title: str
    category: str
    content_type: str
    size: int
    status: str = Field(description="pending_scan | available | rejected")
    uploaded_by: str
    uploader_role: str
    created_at: str
    updated_at: str
    rejection_reason: str | None = None


class DownloadOut(BaseModel):
    url: str = Field(description="presigned S3 GET URL, Content-Disposition: attachment")
    expires_at: str


class TimelineItemOut(BaseModel):
    type: str = Field(
        description=(
            "consultation | note | prescription | addendum | document | referral | appointment"
        )
    )
    id: str
    occurred_at: str
    summary: str
    doctor_id: str | None = None
    status: str | None = None
    consultation_id: str | None = None
    prescription_id: str | None = Field(default=None, description="on an addendum")


class AccessLogEntryOut(BaseModel):
    id: str
    accessed_at: str
    actor_id: str | None
    actor_role: str | None
    actor_name: str | None
    resource_type: str | None
    resource_id: str | None
