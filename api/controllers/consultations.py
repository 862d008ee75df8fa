"""/api/v1/consultations: consultations and their append-only notes."""

from __future__ import annotations

from typing import Annotated

from litestar import get, patch, post

from api.controllers.controller_bases import SignedInController
from api.controllers.providers import PageParam, PageSizeParam, actor_of
from api.controllers.records_responses import (
    ConsultationOut,
    ConsultationVersionOut,
    NoteOut,
    Page,
)
from api.controllers.records_schemas import ConsultationIn, ConsultationPatch, NoteIn, body_of
from api.security import requires_role
from domain.accounts import Principal
from domain.events import EventContext
from domain.records import consultation_versions, consultations, notes
from infra.resources import Resources


class ConsultationsController(SignedInController):
    path = "/api/v1/consultations"
    tags = ["medical records"]

    @post("/", summary="Record a consultation (doctors)", guards=[requires_role("doctor")])
    async def create(
        self,
        data: ConsultationIn,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
    ) -> ConsultationOut:
        view = await consultations.create_consultation(
            resources.mongo, resources.db, actor_of(current_user), body_of(data), context
        )
        return ConsultationOut.model_validate(view)

    @get("/{consultation_id:str}", summary="One consultation (care team, the patient)")
    async def detail(
        self,
        consultation_id: str,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
    ) -> ConsultationOut:
        view = await consultations.get_consultation(
            resources.db, actor_of(current_user), consultation_id, context
        )
        return ConsultationOut.model_validate(view)

    @get(
        "/{consultation_id:str}/versions",
        summary="A consultation's versions, newest first (care team, the patient)",
        description="Version 1 is the consultation as recorded; each amendment (PATCH) adds "
        "the complaint, diagnosis and vitals as they then read, with who changed them and "
        "when. The read is audited like the consultation itself.",
    )
    async def versions(
        self,
        consultation_id: str,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
        page: Annotated[int, PageParam] = 1,
        page_size: Annotated[int, PageSizeParam] = 20,
    ) -> Page[ConsultationVersionOut]:
        view = await consultation_versions.consultation_versions(
            resources.db,
            actor_of(current_user),
            consultation_id,
            page=page,
            page_size=page_size,
            context=context,
        )
        return Page[ConsultationVersionOut].model_validate(view)

    @patch(
        "/{consultation_id:str}",
        summary="Amend complaint, diagnosis or vitals (its doctor)",
        description=(
            "`vitals` is merged into the readings stored (JSON Merge Patch): readings not "
            'sent are kept, a `null` reading is removed, `"vitals": null` removes all.'
        ),
        guards=[requires_role("doctor")],
    )
    async def amend(
        self,
        consultation_id: str,
        data: ConsultationPatch,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
    ) -> ConsultationOut:
        view = await consultations.update_consultation(
            resources.mongo,
            resources.db,
            actor_of(current_user),
            consultation_id,
            body_of(data),
            context,
        )
        return ConsultationOut.model_validate(view)

    @post(
        "/{consultation_id:str}/notes",
        summary="Add a medical note (its doctor; notes are never edited or deleted)",
        guards=[requires_role("doctor")],
    )
    async def add_note(
        self,
        consultation_id: str,
        data: NoteIn,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
    ) -> NoteOut:
        view = await notes.add_note(
            resources.mongo,
            resources.db,
            actor_of(current_user),
            consultation_id,
            body_of(data),
            context,
        )
        return NoteOut.model_validate(view)
