"""/api/v1/admin: the audit trail (search, export, verification), per-user activity,
per-patient access logs, security events and platform statistics."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

import dramatiq
from litestar import get
from litestar.di import Provide
from litestar.params import Parameter
from litestar.response import Stream
from pydantic import BaseModel, Field

from actors.inspection import QueueInspector
from api.controllers.controller_bases import AdminController
from api.controllers.providers import PageParam, PageSizeParam, actor_of
from api.openapi_problems import streamed_as
from domain.accounts import Principal
from domain.audit import queries
from domain.audit.chain import verify
from domain.audit.stats import platform_stats
from domain.events import EventContext, EventType, Subject, new_event, publish
from domain.shared.ids import stored_spelling
from infra.resources import Resources

Id = Annotated[str | None, Parameter(max_length=64)]
Category = Literal[
    "auth", "user", "appointment", "medical", "referral", "messaging", "notification", "admin",
    "security",
]  # fmt: skip
Action = Literal["C", "R", "U", "D", "E"]


class AuditRecordOut(BaseModel):
    """One record of the trail, shaped after a FHIR AuditEvent; `hash` chains it to the one
    before (`prev_hash`), keyed by a secret the store does not hold."""

    id: str
    seq: int = Field(description="position in the chain, from 1")
    time: str = Field(description="ISO 8601 UTC: when the audited event happened")
    event_id: str | None = Field(description="the event's id (uuid); one record per event")
    event_type: str | None = Field(description="e.g. record.accessed, auth.login_failed")
    category: str | None = Field(description="auth, user, appointment, medical, ... security")
    action: str | None = Field(description="C, R, U, D or E: create, read, update, delete, execute")
    outcome: str | None = Field(description="success or failure")
    actor_id: str | None
    actor_role: str | None
    resource_type: str | None
    resource_id: str | None
    patient_id: str | None = Field(description="the patient whose record it concerns, if any")
    ip: str | None
    request_id: str | None
    user_agent: str | None
    prev_hash: str | None
    hash: str | None


class AuditPage(BaseModel):
    items: list[AuditRecordOut]
    total: int
    page: int
    page_size: int


class DayCountOut(BaseModel):
    date: str = Field(description="YYYY-MM-DD (UTC)")
    count: int


class QueueDepthOut(BaseModel):
    ready: int
    delayed: int
    dead: int


class StatsOut(BaseModel):
    users_by_role: dict[str, int]
    appointments_by_status: dict[str, int]
    events_per_day: list[DayCountOut] = Field(description="the last 14 days, oldest first")
    audit_records: int = Field(description="an estimate")
    queue_depths: dict[str, QueueDepthOut] = Field(description="by queue name")


class ChainOut(BaseModel):
    valid: bool
    checked: int
    first_bad: str | None = None
    reason: str | None = None


def provide_filters(
    actor_id: Id = None,
    category: Category | None = None,
    action: Action | None = None,
    resource_type: Annotated[str | None, Parameter(max_length=64)] = None,
    resource_id: Id = None,
    patient_id: Id = None,
    event_type: Annotated[str | None, Parameter(max_length=64)] = None,
    outcome: Literal["success", "failure"] | None = None,
    since: Annotated[
        str | None, Parameter(query="from", description="ISO 8601 date or time")
    ] = None,
    until: Annotated[str | None, Parameter(query="to", description="ISO 8601 date or time")] = None,
) -> queries.AuditFilter:
    start, end = queries.time_window(since, until)
    return queries.AuditFilter(
        actor_id=stored_spelling(actor_id) if actor_id else None,
        category=category,
        action=action,
        resource_type=resource_type,
        resource_id=stored_spelling(resource_id) if resource_id else None,
        patient_id=stored_spelling(patient_id) if patient_id else None,
        event_type=event_type,
        outcome=outcome,
        since=start,
        until=end,
    )


async def _page(
    resources: Resources, filters: queries.AuditFilter, page: int, page_size: int
) -> AuditPage:
    items, total = await queries.search(resources.db, filters, page, page_size)
    return AuditPage(items=items, total=total, page=page, page_size=page_size)


class AdminAuditController(AdminController):
    path = "/api/v1/admin"
    dependencies = {
        "filters": Provide(provide_filters, sync_to_thread=False),
        **AdminController.dependencies,
    }

    @get("/audit-logs", summary="Audit records, newest first, by any combination of filters")
    async def audit_logs(
        self,
        resources: Resources,
        filters: queries.AuditFilter,
        page: int = PageParam,
        page_size: int = PageSizeParam,
    ) -> AuditPage:
        return await _page(resources, filters, page, page_size)

    @get(
        "/audit-logs/export",
        summary="Every matching record, streamed as CSV or JSON lines",
        operation_class=streamed_as("text/csv", "application/x-ndjson"),
    )
    async def export(
        self,
        resources: Resources,
        filters: queries.AuditFilter,
        current_user: Principal,
        context: EventContext,
        format: Literal["csv", "jsonl"] = "jsonl",
    ) -> Stream:
        # Exports leave the platform: who took one, and with which filters, is audited.
        await publish(
            resources.db,
            new_event(
                EventType.ADMIN_ACTION,
                actor=actor_of(current_user),
                subject=Subject(type="audit_log", id="export"),
                data={"action": "audit.exported", "format": format,
                      "filters": {k: str(v) for k, v in vars(filters).items() if v}},
                context=context,
            ),
        )  # fmt: skip
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
        if format == "csv":
            body, media_type = queries.export_csv(resources.db, filters), "text/csv"
        else:
            body, media_type = queries.export_jsonl(resources.db, filters), "application/x-ndjson"
        return Stream(
            body,
            media_type=media_type,
            headers={"Content-Disposition": f'attachment; filename="audit-logs-{stamp}.{format}"'},
        )

    @get("/audit-logs/verify", summary="Walk the hash chain and report the first bad record")
    async def verify_chain(self, resources: Resources) -> ChainOut:
        key = resources.settings.audit.hmac_key.get_secret_value().encode()
        return ChainOut(**(await verify(resources.db, key)).as_dict())

    @get("/users/{user_id:str}/activity", summary="What one user did, newest first")
    async def user_activity(
        self,
        user_id: str,
        resources: Resources,
        page: int = PageParam,
        page_size: int = PageSizeParam,
    ) -> AuditPage:
        filters = await queries.activity_filter(resources.db, user_id)
        return await _page(resources, filters, page, page_size)

    @get("/patients/{patient_id:str}/access-log", summary="Who read this patient's record")
    async def patient_access_log(
        self,
        patient_id: str,
        resources: Resources,
        page: int = PageParam,
        page_size: int = PageSizeParam,
    ) -> AuditPage:
        filters = await queries.access_log_filter(resources.db, patient_id)
        return await _page(resources, filters, page, page_size)

    @get(
        "/security-events",
        summary="Failed logins, lockouts, refresh reuse, denied access, two-factor changes",
    )
    async def security_events(
        self,
        resources: Resources,
        page: int = PageParam,
        page_size: int = PageSizeParam,
    ) -> AuditPage:
        return await _page(resources, queries.SECURITY, page, page_size)

    @get("/stats", summary="Users by role, appointments by status, events per day, queues")
    async def stats(self, resources: Resources) -> StatsOut:
        figures = await platform_stats(resources.db)
        inspector = QueueInspector(resources.redis, resources.settings.worker.namespace)
        depths = await inspector.depths(dramatiq.get_broker().get_declared_queues())
        figures["queue_depths"] = {d.name: {"ready": d.ready, "delayed": d.delayed,
                                            "dead": d.dead} for d in depths}  # fmt: skip
        return StatsOut.model_validate(figures)
