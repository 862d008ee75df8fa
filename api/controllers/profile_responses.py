"""Response shapes of the profile, doctor and patient routes, so the OpenAPI document
describes them. A doctor's fields are the same wherever they appear (own profile, public
profile, search card); so are a patient's (own profile, as read by their doctor)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from api.controllers.response_base import Number, ViewOut


class SpecialtyOut(ViewOut):
    code: str
    name: str


class SlotOut(ViewOut):
    start: str = Field(description="ISO 8601 UTC")
    end: str = Field(description="ISO 8601 UTC")


# As sent in a profile PATCH and as given back.
class Location(ViewOut):
    lat: Number
    lng: Number


class Clinic(ViewOut):
    name: str | None = None
    address: str | None = None
    city: str | None = None
    location: Location | None = None


class EmergencyContact(ViewOut):
    name: str
    phone: str
    relationship: str | None = None


class PhotoOut(ViewOut):
    photo_url: str = Field(description="signed URL, valid for a limited time")


class _Account(ViewOut):
    id: str
    user_id: str = Field(description="the same as `id`")
    role: str
    first_name: str
    last_name: str


class _Named(ViewOut):
    id: str
    first_name: str
    last_name: str


class _DoctorFields(ViewOut):
    specialty: str | None = Field(description="a code from GET /specialties")
    specialty_name: str | None
    bio: str | None
    languages: list[str]
    consultation_fee: Number | None
    years_experience: int | None
    clinic: Clinic | None


class _PatientFields(ViewOut):
    date_of_birth: str | None = Field(description="YYYY-MM-DD")
    gender: str | None
    phone: str | None
    address: str | None
    blood_type: str | None
    allergies: list[str]
    chronic_conditions: list[str]
    emergency_contact: EmergencyContact | None


class _Photo(ViewOut):
    # Last in the views, so last among the bases of the models below.
    photo_url: str | None = Field(
        description="signed URL (the thumbnail once made); null without a photo"
    )


class DoctorProfileOut(_Photo, _DoctorFields, _Account):
    role: Literal["doctor"]


class PatientProfileOut(_Photo, _PatientFields, _Account):
    role: str = Field(description="patient (an admin's own profile has this shape too)")


class PatientOut(PatientProfileOut):
    id: str


class DoctorOut(_Photo, _DoctorFields, _Named):
    pass


class DoctorCardOut(DoctorOut):
    distance_km: Number | None = Field(
        None,
        description="only with lat,lng: from there to the clinic; null when the doctor "
        "gave no clinic position",
    )
    next_available_slot: SlotOut | None = Field(
        None,
        description="only with sort=next_available: the first free slot, or null when "
        "there is none within the horizon",
    )


def profile_out(view: dict[str, Any]) -> DoctorProfileOut | PatientProfileOut:
    if view["role"] == "doctor":
        return DoctorProfileOut.model_validate(view)
    return PatientProfileOut.model_validate(view)
