"""/api/v1/users/me/profile and /users/me/photo: one's own profile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, get, patch, put
from litestar.datastructures import UploadFile
from litestar.di import Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body
from pydantic import BaseModel, ConfigDict, Field

from actors.dispatch import DeferredJobQueue
from api.controllers.profile_responses import (
    Clinic,
    DoctorProfileOut,
    EmergencyContact,
    PatientProfileOut,
    PhotoOut,
    profile_out,
)
from api.controllers.providers import provide_photo_store
from api.security import BEARER, authenticated
from domain.accounts import Principal
from domain.profiles import photos, service
from domain.profiles.photos import PhotoStore
from infra.resources import Resources

# Multipart framing around a 5 MB photo; larger bodies are refused (413) before parsing.
PHOTO_BODY_LIMIT = photos.MAX_PHOTO_BYTES + 256 * 1024


class ProfilePatch(BaseModel):
    """Patients send patient fields, doctors doctor fields; `null` clears a field."""

    model_config = ConfigDict(extra="allow")

    date_of_birth: str | None = Field(None, description="patient: YYYY-MM-DD")
    gender: str | None = Field(None, description="patient: female, male, other, undisclosed")
    phone: str | None = Field(None, description="patient")
    address: str | None = Field(None, description="patient")
    blood_type: str | None = Field(None, description="patient: A+ A- B+ B- AB+ AB- O+ O-")
    allergies: list[str] | None = Field(None, description="patient")
    chronic_conditions: list[str] | None = Field(None, description="patient")
    emergency_contact: EmergencyContact | None = Field(None, description="patient")
    specialty: str | None = Field(None, description="doctor: a code from GET /specialties")
    bio: str | None = Field(None, description="doctor")
    languages: list[str] | None = Field(None, description="doctor")
    consultation_fee: float | None = Field(None, description="doctor")
    years_experience: int | None = Field(None, description="doctor")
    clinic: Clinic | None = Field(None, description="doctor")


@dataclass
class PhotoForm:
    file: UploadFile


class ProfileController(Controller):
    path = "/api/v1/users/me"
    tags = ["users"]
    guards = [authenticated]
    security = BEARER
    dependencies = {"photo_store": Provide(provide_photo_store, sync_to_thread=False)}

    @get("/profile", summary="My profile (patient or doctor fields by role)")
    async def get_profile(
        self, current_user: Principal, resources: Resources, photo_store: PhotoStore
    ) -> DoctorProfileOut | PatientProfileOut:
        return profile_out(
            await service.my_profile(resources.db, photo_store, current_user.user_id)
        )

    @patch(
        "/profile",
        summary="Change some fields of my profile",
        description=(
            "Fields not sent are kept. A doctor's `clinic` is merged into the one stored "
            "(JSON Merge Patch): members not sent are kept, a `null` member is removed."
        ),
    )
    async def patch_profile(
        self,
        data: ProfilePatch,
        current_user: Principal,
        resources: Resources,
        photo_store: PhotoStore,
    ) -> DoctorProfileOut | PatientProfileOut:
        await service.update_profile(
            resources.db,
            current_user.user_id,
            current_user.role.value,
            data.model_dump(exclude_unset=True),
        )
        return profile_out(
            await service.my_profile(resources.db, photo_store, current_user.user_id)
        )

    @put(
        "/photo",
        summary="Upload my photo (JPEG, PNG or WebP, at most 5 MB)",
        request_max_body_size=PHOTO_BODY_LIMIT,
        status_code=200,
    )
    async def put_photo(
        self,
        data: Annotated[PhotoForm, Body(media_type=RequestEncodingType.MULTI_PART)],
        current_user: Principal,
        resources: Resources,
        photo_store: PhotoStore,
        jobs: DeferredJobQueue,
    ) -> PhotoOut:
        content = await data.file.read(photos.MAX_PHOTO_BYTES + 1)
        uploaded = await photos.upload_photo(
            resources.db,
            photo_store,
            jobs,
            current_user.user_id,
            current_user.role.value,
            content,
        )
        return PhotoOut.model_validate(uploaded)
