"""/api/v1/consultations: consultations and their append-only notes."""

from __future__ import annotations

from litestar import get, patch, post

from api.controllers.controller_bases import SignedInController
from api.controllers.providers import actor_of
from api.controllers.records_responses import ConsultationOut, NoteOut
from api.controllers.records_schemas import ConsultationIn, ConsultationPatch, NoteIn, body_of
from api.security import requires_role
from domain.accounts import Principal
from domain.events import EventContext
from domain.records import consultations, notes
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

    @patch(
        "/{consultation_id:str}",
        summary="Amend complaint, diagnosis or vitals (its doctor)",
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
