"""Request bodies of the medical records routes (types and shape; the domain checks values)."""

from __future__ import annotations

from dataclasses import dataclass

from litestar.datastructures import UploadFile
from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VitalsIn(_Strict):
    temperature_c: float | None = Field(None, description="30 to 45")
    heart_rate_bpm: float | None = Field(None, description="20 to 250")
    respiratory_rate_bpm: float | None = Field(None, description="4 to 80")
    systolic_bp_mmhg: float | None = Field(None, description="50 to 260")
    diastolic_bp_mmhg: float | None = Field(None, description="20 to 180, below systolic")
    oxygen_saturation_pct: float | None = Field(None, description="50 to 100")
    weight_kg: float | None = Field(None, description="0.3 to 500")
    height_cm: float | None = Field(None, description="20 to 260")
    blood_glucose_mmol_l: float | None = Field(None, description="0.5 to 60")


class ConsultationIn(_Strict):
    patient_id: str
    appointment_id: str | None = Field(None, description="an appointment of yours with them")
    chief_complaint: str
    diagnosis: str | None = None
    notes: str | None = Field(None, description="kept as the first append-only note")
    vitals: VitalsIn | None = None


class ConsultationPatch(_Strict):
    chief_complaint: str | None = None
    diagnosis: str | None = None
    vitals: VitalsIn | None = None


class NoteIn(_Strict):
    text: str


class AddendumIn(_Strict):
    text: str


class MedicationIn(_Strict):
    name: str
    dosage: str
    frequency: str
    duration: str
    instructions: str | None = None


class PrescriptionIn(_Strict):
    consultation_id: str
    medications: list[MedicationIn] = Field(min_length=1)
    notes: str | None = None


class PrescriptionPatch(_Strict):
    medications: list[MedicationIn] | None = Field(None, min_length=1)
    notes: str | None = None


@dataclass
class DocumentForm:
    file: UploadFile
    patient_id: str
    title: str
    category: str
    consultation_id: str | None = None


def body_of(model: BaseModel) -> dict[str, object]:
    """What the client sent, unset fields left out. A `null` sent stays: in a PATCH of the
    vitals it removes that reading (domain/records/consultations.py)."""
    return model.model_dump(exclude_unset=True)
