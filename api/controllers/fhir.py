"""/api/v1/fhir: the record in FHIR R4 for other systems (`Patient/{id}/$everything`)."""

from __future__ import annotations

from typing import Any, Literal

from litestar import Request, get
from pydantic import BaseModel, Field

from api.controllers.controller_bases import SignedInController
from api.controllers.providers import actor_of
from api.security import requires_role
from domain.accounts import Principal
from domain.events import EventContext
from domain.fhir.everything import patient_everything
from infra.resources import Resources

FHIR_JSON = "application/fhir+json"


class BundleSearchOut(BaseModel):
    mode: str = Field(description="match (the Patient) | include (everything else)")


class BundleEntryOut(BaseModel):
    fullUrl: str  # FHIR's spelling, as sent
    resource: dict[str, Any] = Field(
        description="a FHIR R4 resource: Patient, Practitioner, Appointment, Encounter, "
        "MedicationRequest, DocumentReference or ServiceRequest (see `resourceType`)"
    )
    search: BundleSearchOut


class BundleOut(BaseModel):
    """The envelope of a FHIR R4 Bundle; the resources inside follow FHIR R4."""

    resourceType: Literal["Bundle"]  # FHIR's spelling, as sent
    id: str
    type: str = Field(description="searchset")
    timestamp: str
    total: int
    entry: list[BundleEntryOut]


class FhirController(SignedInController):
    path = "/api/v1/fhir"
    tags = ["medical records"]

    @get(
        "/Patient/{patient_id:str}/$everything",
        summary="A patient's whole record as a FHIR R4 Bundle (care team, the patient)",
        description="A `searchset` Bundle: the Patient, the Practitioners of their care, "
        "Appointments, Encounters (consultations, with their notes in the narrative), "
        "MedicationRequests (one per medication, grouped by prescription, addenda as notes), "
        "DocumentReferences (available documents; `url` is where to ask for a signed link) "
        "and ServiceRequests (referrals). The read is recorded in the patient's access log.",
        media_type=FHIR_JSON,
        guards=[requires_role("patient", "doctor")],
    )
    async def everything(
        self,
        patient_id: str,
        request: Request[Any, Any, Any],
        current_user: Principal,
        resources: Resources,
        context: EventContext,
    ) -> BundleOut:
        bundle = await patient_everything(
            resources.db,
            actor_of(current_user),
            patient_id,
            base_url=str(request.base_url).rstrip("/") + "/api/v1",
            context=context,
        )
        return BundleOut.model_validate(bundle)
