"""/api/v1/doctors/me: the signed-in doctor's weekly availability and time off."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, post, put
from pydantic import BaseModel, Field

from api.controllers.input_types import WholeNumber
from api.controllers.providers import PageParam, PageSizeParam
from api.controllers.records_responses import Page
from api.controllers.response_base import ViewOut
from api.security import BEARER, requires_role
from domain.accounts import Principal
from domain.scheduling import service as scheduling
from infra.resources import Resources


class WeeklyRuleIn(BaseModel):
    weekday: WholeNumber = Field(description="0 = Monday .. 6 = Sunday")
    start: str = Field(description="HH:MM in the doctor's time zone")
    end: str = Field(description="HH:MM in the doctor's time zone")


class AvailabilityIn(BaseModel):
    timezone: str = Field(description="IANA time zone, e.g. Africa/Tunis")
    slot_minutes: WholeNumber
    weekly: list[WeeklyRuleIn]
    cancellation_notice_hours: WholeNumber | None = Field(
        None,
        description="Patients cancel at least this many hours before the start (0 to 720; "
        "absent or 0: up to the start); later, their cancellation answers 409. Applies to "
        "appointments booked from then on; doctors cancel at any time.",
    )


class TimeOffIn(BaseModel):
    start: str = Field(description="ISO 8601 UTC date-time")
    end: str = Field(description="ISO 8601 UTC date-time")
    reason: str | None = None


class AvailabilityOut(ViewOut):
    timezone: str | None = Field(description="null until the doctor sets an availability")
    slot_minutes: int | None
    weekly: list[WeeklyRuleIn]
    cancellation_notice_hours: int | None = Field(
        None, description="only when set (above 0): what was PUT comes back as it was"
    )


class TimeOffOut(ViewOut):
    id: str
    doctor_id: str
    start: str = Field(description="ISO 8601 UTC")
    end: str = Field(description="ISO 8601 UTC")
    reason: str | None


class AvailabilityController(Controller):
    path = "/api/v1/doctors/me"
    tags = ["appointments"]
    guards = [requires_role("doctor")]
    security = BEARER

    @put("/availability", summary="Replace my weekly availability")
    async def set_availability(
        self, data: AvailabilityIn, current_user: Principal, resources: Resources
    ) -> AvailabilityOut:
        saved = await scheduling.set_availability(
            resources.db, current_user.user_id, data.model_dump()
        )
        return AvailabilityOut.model_validate(saved.as_dict())

    @get("/availability", summary="My weekly availability as stored")
    async def get_availability(
        self, current_user: Principal, resources: Resources
    ) -> AvailabilityOut:
        stored = await scheduling.get_availability(resources.db, current_user.user_id)
        return AvailabilityOut.model_validate(stored)

    @post("/time-off", summary="Block a period (no slots are offered in it)", status_code=201)
    async def add_time_off(
        self, data: TimeOffIn, current_user: Principal, resources: Resources
    ) -> TimeOffOut:
        added = await scheduling.add_time_off(resources.db, current_user.user_id, data.model_dump())
        return TimeOffOut.model_validate(added)

    @get("/time-off", summary="My time off that is not over yet, soonest first")
    async def list_time_off(
        self,
        current_user: Principal,
        resources: Resources,
        page: Annotated[int, PageParam] = 1,
        page_size: Annotated[int, PageSizeParam] = 20,
    ) -> Page[TimeOffOut]:
        periods = await scheduling.upcoming_time_off(
            resources.db, current_user.user_id, page=page, page_size=page_size
        )
        return Page[TimeOffOut].model_validate(periods)

    @delete("/time-off/{time_off_id:str}", summary="Remove one period of time off")
    async def remove_time_off(
        self, time_off_id: str, current_user: Principal, resources: Resources
    ) -> None:
        await scheduling.remove_time_off(resources.db, current_user.user_id, time_off_id)
