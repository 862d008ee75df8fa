"""/api/v1/patients/{id}/timeline and /api/v1/patients/me/access-log."""

from __future__ import annotations

from typing import Annotated

from litestar import get

from api.controllers.controller_bases import SignedInController
from api.controllers.providers import PageParam, PageSizeParam, actor_of
from api.controllers.records_responses import AccessLogEntryOut, Page, TimelineItemOut
from api.security import requires_role
from domain.accounts import Principal
from domain.events import EventContext
from domain.records.access_log import my_access_log
from domain.records.timeline import patient_timeline
from infra.resources import Resources


class PatientRecordsController(SignedInController):
    path = "/api/v1/patients"
    tags = ["medical records"]

    @get(
        "/me/access-log",
        summary="Who read my record, and when (patients)",
        guards=[requires_role("patient")],
    )
    async def access_log(
        self,
        current_user: Principal,
        resources: Resources,
        page: Annotated[int, PageParam] = 1,
        page_size: Annotated[int, PageSizeParam] = 20,
    ) -> Page[AccessLogEntryOut]:
        view = await my_access_log(
            resources.db, actor_of(current_user), page=page, page_size=page_size
        )
        return Page[AccessLogEntryOut].model_validate(view)

    @get(
        "/{patient_id:str}/timeline",
        summary="Everything in a patient's record, newest first (care team, the patient, admin)",
    )
    async def timeline(
        self,
        patient_id: str,
        current_user: Principal,
        resources: Resources,
        context: EventContext,
        page: Annotated[int, PageParam] = 1,
        page_size: Annotated[int, PageSizeParam] = 20,
    ) -> Page[TimelineItemOut]:
        view = await patient_timeline(
            resources.db,
            actor_of(current_user),
            patient_id,
            page=page,
            page_size=page_size,
            context=context,
        )
        return Page[TimelineItemOut].model_validate(view)
