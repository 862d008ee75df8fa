"""/api/v1/prescriptions: written by a consultation's doctor, editable until locked."""

from __future__ import annotations

from typing import Annotated

from litestar import get, patch, post

from api.controllers.controller_bases import SignedInController
from api.controllers.providers import PageParam, PageSizeParam, actor_of
from api.controllers.records_responses import (
    AddendumOut,
    Page,
    PrescriptionOut,
    PrescriptionVersionOut,
)
from api.controllers.records_schemas import (
    AddendumIn,
    PrescriptionIn,
    PrescriptionPatch,
    body_of,
)
from api.security import requires_role
from domain.accounts import Principal
from domain.events import EventContext
from domain.records import prescription_addenda, prescriptions
from infra.resources import Resources


class PrescriptionsController(SignedInController):
    path = "/api/v1/prescriptions"
    tags = ["medical records"]

    @post(
        "/",
        summary="Write a prescription for one of your consultations (doctors)",
        guards=[requires_role("doctor")],
    )
    async def create(
        self,
        data: PrescriptionIn,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
    ) -> PrescriptionOut:
        view = await prescriptions.create_prescription(
            resources.mongo,
            resources.db,
            actor_of(current_user),
            body_of(data),
            edit_seconds=resources.settings.medical.prescription_edit_seconds,
            context=context,
        )
        return PrescriptionOut.model_validate(view)

    @get("/", summary="A patient's prescriptions, newest first (care team, the patient)")
    async def list_for_patient(
        self,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
        patient_id: str | None = None,
        page: Annotated[int, PageParam] = 1,
        page_size: Annotated[int, PageSizeParam] = 20,
    ) -> Page[PrescriptionOut]:
        view = await prescriptions.list_prescriptions(
            resources.db,
            actor_of(current_user),
            patient_id,
            page=page,
            page_size=page_size,
            context=context,
        )
        return Page[PrescriptionOut].model_validate(view)

    @get("/{prescription_id:str}", summary="One prescription (care team, the patient)")
    async def detail(
        self,
        prescription_id: str,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
    ) -> PrescriptionOut:
        view = await prescriptions.get_prescription(
            resources.db, actor_of(current_user), prescription_id, context
        )
        return PrescriptionOut.model_validate(view)

    @get(
        "/{prescription_id:str}/versions",
        summary="A prescription's versions, newest first (care team, the patient)",
        description="Version 1 is the prescription as written; each change within the edit "
        "window adds the medications and notes as they then read, with who changed them and "
        "when. The read is audited like the prescription itself.",
    )
    async def versions(
        self,
        prescription_id: str,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
        page: Annotated[int, PageParam] = 1,
        page_size: Annotated[int, PageSizeParam] = 20,
    ) -> Page[PrescriptionVersionOut]:
        view = await prescriptions.prescription_versions(
            resources.db,
            actor_of(current_user),
            prescription_id,
            page=page,
            page_size=page_size,
            context=context,
        )
        return Page[PrescriptionVersionOut].model_validate(view)

    @patch(
        "/{prescription_id:str}",
        summary="Change a prescription before editable_until (its doctor); 409 once locked",
        guards=[requires_role("doctor")],
    )
    async def amend(
        self,
        prescription_id: str,
        data: PrescriptionPatch,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
    ) -> PrescriptionOut:
        view = await prescriptions.update_prescription(
            resources.mongo,
            resources.db,
            actor_of(current_user),
            prescription_id,
            body_of(data),
            context,
        )
        return PrescriptionOut.model_validate(view)

    @post(
        "/{prescription_id:str}/lock",
        summary="Lock a prescription now, before its window ends (its doctor)",
        status_code=200,
        guards=[requires_role("doctor")],
    )
    async def lock(
        self,
        prescription_id: str,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
    ) -> PrescriptionOut:
        view = await prescriptions.lock_prescription(
            resources.mongo, resources.db, actor_of(current_user), prescription_id, context
        )
        return PrescriptionOut.model_validate(view)

    @post(
        "/{prescription_id:str}/addenda",
        summary="Add an addendum to a prescription, even a locked one (its doctor)",
        description="Addenda are append-only: the only change a locked prescription takes. "
        "They show, oldest first, in `GET /prescriptions/{id}`. At most 100 per prescription "
        "(409 beyond).",
        guards=[requires_role("doctor")],
    )
    async def add_addendum(
        self,
        prescription_id: str,
        data: AddendumIn,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
    ) -> AddendumOut:
        view = await prescription_addenda.add_addendum(
            resources.mongo,
            resources.db,
            actor_of(current_user),
            prescription_id,
            body_of(data),
            context,
        )
        return AddendumOut.model_validate(view)
