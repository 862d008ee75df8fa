"""/api/v1/appointments: booking, the caller's appointments, status changes."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from litestar import get, post
from litestar.params import Parameter
from pydantic import BaseModel, Field

from api.controllers.appointment_responses import AppointmentOut
from api.controllers.controller_bases import SignedInController
from api.controllers.providers import PageParam, PageSizeParam, actor_of
from api.controllers.records_responses import Page
from api.security import requires_role
from domain.accounts import Principal
from domain.appointments.booking import book
from domain.appointments.lifecycle import change_status
from domain.appointments.queries import get_appointment, list_appointments, to_view
from domain.appointments.states import Transition
from domain.events import EventContext
from infra.resources import Resources


class BookingIn(BaseModel):
    doctor_id: str
    start: str = Field(description="a slot start from GET /doctors/{id}/slots (UTC)")
    reason: str
    mode: Literal["in_person", "video"] | None = None


class ReasonIn(BaseModel):
    reason: str | None = None


class AppointmentsController(SignedInController):
    path = "/api/v1/appointments"
    tags = ["appointments"]

    @post("/", summary="Book a slot (patients)", status_code=201, guards=[requires_role("patient")])
    async def create(
        self,
        data: BookingIn,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
    ) -> AppointmentOut:
        doc = await book(
            resources.mongo,
            resources.db,
            actor_of(current_user),
            data.model_dump(),
            context=context,
        )
        return AppointmentOut.model_validate(to_view(doc))

    @get(
        "/",
        summary="My appointments, newest first (patients and doctors)",
        guards=[requires_role("patient", "doctor")],
    )
    async def list_mine(
        self,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
        status: str | None = None,
        first: Annotated[
            date | None,
            Parameter(query="from", description="first day, in each appointment's doctor's zone"),
        ] = None,
        last: Annotated[
            date | None,
            Parameter(query="to", description="last day, in each appointment's doctor's zone"),
        ] = None,
        page: Annotated[int, PageParam] = 1,
        page_size: Annotated[int, PageSizeParam] = 20,
    ) -> Page[AppointmentOut]:
        found = await list_appointments(
            resources.db,
            actor_of(current_user),
            status=status or None,
            first=first,
            last=last,
            page=page,
            page_size=page_size,
            context=context,
        )
        return Page[AppointmentOut].model_validate(found)

    @get("/{appointment_id:str}", summary="One appointment (its patient, doctor, or an admin)")
    async def detail(
        self,
        appointment_id: str,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
    ) -> AppointmentOut:
        view = await get_appointment(resources.db, actor_of(current_user), appointment_id, context)
        return AppointmentOut.model_validate(view)

    async def _move(
        self,
        transition: Transition,
        appointment_id: str,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
        body: dict[str, Any] | None = None,
    ) -> AppointmentOut:
        doc = await change_status(
            resources.mongo,
            resources.db,
            actor_of(current_user),
            appointment_id,
            transition,
            body,
            context=context,
        )
        return AppointmentOut.model_validate(to_view(doc))

    @post(
        "/{appointment_id:str}/confirm",
        summary="requested → confirmed (its doctor)",
        status_code=200,
        guards=[requires_role("doctor")],
    )
    async def confirm(
        self,
        appointment_id: str,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
    ) -> AppointmentOut:
        return await self._move(
            Transition.CONFIRM, appointment_id, current_user, resources, context
        )

    @post(
        "/{appointment_id:str}/reject",
        summary="requested → rejected (its doctor)",
        status_code=200,
        guards=[requires_role("doctor")],
    )
    async def reject(
        self,
        appointment_id: str,
        data: ReasonIn,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
    ) -> AppointmentOut:
        return await self._move(
            Transition.REJECT, appointment_id, current_user, resources, context, data.model_dump()
        )

    @post(
        "/{appointment_id:str}/cancel",
        summary="requested/confirmed → cancelled",
        status_code=200,
        guards=[requires_role("patient", "doctor")],
    )
    async def cancel(
        self,
        appointment_id: str,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
        data: ReasonIn | None = None,
    ) -> AppointmentOut:
        body = data.model_dump() if data is not None else None
        return await self._move(
            Transition.CANCEL, appointment_id, current_user, resources, context, body
        )

    @post(
        "/{appointment_id:str}/complete",
        summary="confirmed → completed (its doctor)",
        status_code=200,
        guards=[requires_role("doctor")],
    )
    async def complete(
        self,
        appointment_id: str,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
    ) -> AppointmentOut:
        return await self._move(
            Transition.COMPLETE, appointment_id, current_user, resources, context
        )
