"""/api/v1: specialties, doctor search and public profiles, free slots, patient profiles."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from litestar import Controller, get
from litestar.di import Provide
from litestar.params import Parameter

from api.controllers.profile_responses import (
    DoctorCardOut,
    DoctorOut,
    PatientOut,
    SlotOut,
    SpecialtyOut,
)
from api.controllers.providers import (
    PageParam,
    PageSizeParam,
    actor_of,
    provide_event_context,
    provide_photo_store,
)
from api.controllers.records_responses import Page
from api.security import BEARER, authenticated
from domain.accounts import Principal
from domain.discovery.search import DoctorQuery, search_doctors
from domain.events import EventContext
from domain.profiles import service as profiles
from domain.profiles.photos import PhotoStore
from domain.scheduling import service as scheduling
from domain.specialties import SPECIALTIES
from infra.resources import Resources


class DoctorsController(Controller):
    path = "/api/v1"
    tags = ["doctors"]
    dependencies = {
        "photo_store": Provide(provide_photo_store, sync_to_thread=False),
        "context": Provide(provide_event_context, sync_to_thread=False),
    }

    @get("/specialties", summary="Medical specialties with their codes")
    async def specialties(self) -> list[SpecialtyOut]:
        return [SpecialtyOut(code=s.code, name=s.name) for s in SPECIALTIES]

    @get(
        "/doctors",
        summary="Find doctors; with lat,lng each item has distance_km, nearest first",
        description=(
            "Filters combine. With `lat,lng` items carry `distance_km` and come nearest first."
            " With `sort=next_available` items carry `next_available_slot` and come soonest"
            " first (see the `sort` parameter)."
        ),
    )
    async def search(
        self,
        resources: Resources,
        photo_store: PhotoStore,
        specialty: str | None = None,
        q: Annotated[str | None, Parameter(description="part of the name")] = None,
        city: str | None = None,
        lat: float | None = None,
        lng: float | None = None,
        radius_km: float | None = None,
        available_on: Annotated[
            date | None, Parameter(description="a free slot on this date")
        ] = None,
        sort: Annotated[
            Literal["next_available"] | None,
            Parameter(
                description=(
                    "`next_available`: each item carries `next_available_slot`, `{start, end}`"
                    " (UTC) of the doctor's first free slot from now on, as"
                    " `/doctors/{id}/slots` would offer it, or null when there is none within"
                    " `NEXT_AVAILABLE_DAYS` days (60 by default). Soonest first, doctors with"
                    " none last; equal starts are nearest first with `lat,lng`, else by name."
                    " Paging follows this order over every matching doctor. Without `sort`,"
                    " items are by name (nearest first with `lat,lng`) and carry no"
                    " `next_available_slot`."
                )
            ),
        ] = None,
        page: Annotated[int, PageParam] = 1,
        page_size: Annotated[int, PageSizeParam] = 20,
    ) -> Page[DoctorCardOut]:
        query = DoctorQuery(
            specialty=specialty or None,
            q=q or None,
            city=city or None,
            lat=lat,
            lng=lng,
            radius_km=radius_km,
            available_on=available_on,
            sort=sort,
            page=page,
            page_size=page_size,
        )
        found = await search_doctors(
            resources.db,
            photo_store,
            query,
            next_available_days=resources.settings.search.next_available_days,
        )
        return Page[DoctorCardOut].model_validate(found)

    @get("/doctors/{doctor_id:str}", summary="A doctor's public profile")
    async def doctor(
        self, doctor_id: str, resources: Resources, photo_store: PhotoStore
    ) -> DoctorOut:
        return DoctorOut.model_validate(
            await profiles.public_doctor(resources.db, photo_store, doctor_id)
        )

    @get("/doctors/{doctor_id:str}/slots", summary="Free slots (UTC) between two dates")
    async def slots(
        self,
        doctor_id: str,
        resources: Resources,
        first: Annotated[
            date | None, Parameter(query="from", description="first date (default today)")
        ] = None,
        last: Annotated[
            date | None, Parameter(query="to", description="last date, at most 31 days on")
        ] = None,
    ) -> list[SlotOut]:
        await profiles.active_doctor(resources.db, doctor_id)
        found = await scheduling.free_slots(resources.db, doctor_id, first, last)
        return [SlotOut.model_validate(slot.as_dict()) for slot in found]

    @get(
        "/patients/{patient_id:str}",
        summary="A patient's profile: the patient, a doctor treating them, or an admin",
        guards=[authenticated],
        security=BEARER,
    )
    async def patient(
        self,
        patient_id: str,
        current_user: Principal,
        resources: Resources,
        photo_store: PhotoStore,
        context: EventContext,
    ) -> PatientOut:
        view = await profiles.patient_for(
            resources.db, photo_store, actor_of(current_user), patient_id, context
        )
        return PatientOut.model_validate(view)
