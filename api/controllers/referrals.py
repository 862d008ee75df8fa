"""/api/v1/referrals: refer a patient, accept or decline, book the referred appointment."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar import get, post
from pydantic import BaseModel, Field

from api.controllers.appointment_responses import ReferredAppointmentOut
from api.controllers.controller_bases import SignedInController
from api.controllers.providers import PageParam, PageSizeParam, actor_of
from api.controllers.referral_schemas import ReferralOut, ReferralPage
from api.security import requires_role
from domain.accounts import Principal
from domain.appointments.queries import to_view as appointment_view
from domain.events import EventContext
from domain.referrals.booking import book_referral
from domain.referrals.creation import create_referral
from domain.referrals.decisions import accept, decline
from domain.referrals.queries import get_referral, list_referrals
from domain.referrals.views import referral_view
from infra.resources import Resources


class ReferralIn(BaseModel):
    patient_id: str = Field(description="a patient in your care")
    to_doctor_id: str = Field(description="the receiving doctor (GET /doctors?specialty=)")
    reason: str = Field(description="up to 1000 characters")
    urgency: Literal["routine", "urgent", "emergency"] = "routine"
    consultation_id: str | None = None
    notes: str | None = Field(None, description="up to 4000 characters")


class DeclineIn(BaseModel):
    reason: str


class BookIn(BaseModel):
    start: str = Field(description="a slot start of the receiving doctor (UTC)")
    mode: Literal["in_person", "video"] | None = None


class ReferralsController(SignedInController):
    path = "/api/v1/referrals"
    tags = ["referrals"]

    @post("/", status_code=201, summary="Refer a patient", guards=[requires_role("doctor")])
    async def create(
        self, data: ReferralIn, current_user: Principal, resources: Resources, context: EventContext
    ) -> ReferralOut:
        doc = await create_referral(
            resources.mongo, resources.db, actor_of(current_user), data.model_dump(), context
        )
        view: Any = referral_view(doc)
        return view

    @get("/", summary="Referrals I sent or received (a patient: referrals about me)")
    async def list_mine(
        self,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
        direction: Literal["sent", "received"] | None = None,
        status: Literal["pending", "accepted", "declined", "booked"] | None = None,
        page: Annotated[int, PageParam] = 1,
        page_size: Annotated[int, PageSizeParam] = 20,
    ) -> ReferralPage:
        page_of: Any = await list_referrals(
            resources.db,
            actor_of(current_user),
            direction=direction,
            status=status,
            page=page,
            page_size=page_size,
            context=context,
        )
        return page_of

    @get("/{referral_id:str}", summary="One referral (both doctors, the patient)")
    async def get_one(
        self, referral_id: str, current_user: Principal, resources: Resources, context: EventContext
    ) -> ReferralOut:
        view: Any = await get_referral(resources.db, actor_of(current_user), referral_id, context)
        return view

    @post(
        "/{referral_id:str}/accept",
        status_code=200,
        summary="Accept (receiving doctor)",
        guards=[requires_role("doctor")],
    )
    async def accept(
        self, referral_id: str, current_user: Principal, resources: Resources, context: EventContext
    ) -> ReferralOut:
        doc = await accept(
            resources.mongo, resources.db, actor_of(current_user), referral_id, context
        )
        view: Any = referral_view(doc)
        return view

    @post(
        "/{referral_id:str}/decline",
        status_code=200,
        summary="Decline (receiving doctor)",
        guards=[requires_role("doctor")],
    )
    async def decline(
        self,
        referral_id: str,
        data: DeclineIn,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
    ) -> ReferralOut:
        doc = await decline(
            resources.mongo, resources.db, actor_of(current_user), referral_id, data.reason, context
        )
        view: Any = referral_view(doc)
        return view

    @post(
        "/{referral_id:str}/appointments",
        status_code=201,
        summary="Book the referred patient with the receiving doctor (either doctor)",
        guards=[requires_role("doctor")],
    )
    async def book(
        self,
        referral_id: str,
        data: BookIn,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
    ) -> ReferredAppointmentOut:
        doc = await book_referral(
            resources.mongo,
            resources.db,
            actor_of(current_user),
            referral_id,
            data.model_dump(),
            context=context,
        )
        booked = {**appointment_view(doc), "referral_id": doc["referral_id"]}
        return ReferredAppointmentOut.model_validate(booked)
