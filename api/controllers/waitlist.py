"""/api/v1/waitlist: patients wait for a doctor's slot in a window of time."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import delete, get, post
from pydantic import BaseModel, Field

from api.controllers.controller_bases import SignedInController
from api.controllers.providers import PageParam, PageSizeParam, actor_of
from api.controllers.records_responses import Page
from api.security import requires_role
from domain.accounts import Principal
from domain.events import EventContext
from domain.waitlist import entries, offers
from infra.resources import Resources

Status = Literal["waiting", "offered", "booked", "left", "closed"]


class WaitlistIn(BaseModel):
    doctor_id: str
    earliest: str = Field(description="ISO 8601 UTC date-time: no slot starting before it")
    latest: str = Field(description="ISO 8601 UTC date-time: no slot ending after it")


class OfferOut(BaseModel):
    start: str
    end: str
    expires_at: str = Field(description="book the slot before this; then it goes to the next")


class WaitlistEntryOut(BaseModel):
    id: str
    patient_id: str
    doctor_id: str
    earliest: str
    latest: str
    status: str = Field(description="waiting | offered | booked | left | closed")
    offer: OfferOut | None = Field(None, description="the slot held for you, while offered")
    appointment_id: str | None = None
    created_at: str
    updated_at: str


class WaitlistController(SignedInController):
    path = "/api/v1/waitlist"
    tags = ["appointments"]
    guards = [*SignedInController.guards, requires_role("patient")]

    @post(
        "/",
        status_code=201,
        summary="Wait for a doctor's slot between earliest and latest (patients)",
        description="When a slot in the window frees (an appointment rejected or cancelled), "
        "the first patient waiting for it is notified and the slot is held for them for 15 "
        "minutes: booking it (POST /appointments) in that time takes it; after that it goes to "
        "the next one waiting, and the entry waits again. One entry per doctor at a time, at "
        "most 10, windows of at most 90 days.",
    )
    async def join(
        self, data: WaitlistIn, current_user: Principal, resources: Resources, context: EventContext
    ) -> WaitlistEntryOut:
        view = await entries.join(
            resources.mongo, resources.db, actor_of(current_user), data.model_dump(), context
        )
        return WaitlistEntryOut.model_validate(view)

    @get("/", summary="My waiting-list entries, newest first (patients)")
    async def mine(
        self,
        current_user: Principal,
        resources: Resources,
        status: Status | None = None,
        page: Annotated[int, PageParam] = 1,
        page_size: Annotated[int, PageSizeParam] = 20,
    ) -> Page[WaitlistEntryOut]:
        view = await entries.my_entries(
            resources.db, actor_of(current_user), status=status, page=page, page_size=page_size
        )
        return Page[WaitlistEntryOut].model_validate(view)

    @get("/{entry_id:str}", summary="One of my waiting-list entries (patients)")
    async def detail(
        self, entry_id: str, current_user: Principal, resources: Resources
    ) -> WaitlistEntryOut:
        view = await entries.entry_for(resources.db, actor_of(current_user), entry_id)
        return WaitlistEntryOut.model_validate(view)

    @delete(
        "/{entry_id:str}",
        summary="Leave the waiting list (patients); a slot held for you goes to the next one",
    )
    async def leave(
        self, entry_id: str, current_user: Principal, resources: Resources, context: EventContext
    ) -> None:
        await offers.leave(resources.mongo, resources.db, actor_of(current_user), entry_id, context)
