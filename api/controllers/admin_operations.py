"""/api/v1/admin: Dramatiq queues and dead letters, scheduler jobs, the outbox backlog."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import dramatiq
from litestar import delete, get, post
from litestar.exceptions import NotFoundException
from pydantic import BaseModel, Field

from actors.inspection import QueueInspector
from api.controllers.controller_bases import AdminController
from api.controllers.providers import PageParam, PageSizeParam
from domain.accounts import Principal
from domain.events import Actor, EventContext, EventType, Subject, new_event, publish
from domain.events.relay import backlog
from infra.resources import Resources
from scheduler.inspection import scheduled_jobs


class QueueOut(BaseModel):
    name: str
    ready: int
    delayed: int
    dead: int
    in_flight: int


class DeadLetterOut(BaseModel):
    message_id: str
    queue: str
    actor: str
    arguments: dict[str, Any]  # {"args": [...], "kwargs": {...}}, secret-looking ones masked
    retries: int
    last_error: str | None
    dead_at: datetime
    enqueued_at: datetime | None


class DeadLetterPage(BaseModel):
    items: list[DeadLetterOut]
    total: int
    page: int
    page_size: int


class JobOut(BaseModel):
    id: str
    trigger: str
    next_run_time: str | None
    last_run_at: datetime | None
    last_result: str | None
    last_run_by: str | None


class RequeuedOut(BaseModel):
    status: str = Field(description="requeued")
    message_id: str
    queue: str


class OutboxOut(BaseModel):
    pending: int
    oldest_age_seconds: float
    failing: int


def _inspector(resources: Resources) -> QueueInspector:
    return QueueInspector(resources.redis, resources.settings.worker.namespace)


async def _known_queue(resources: Resources, name: str) -> QueueInspector:
    inspector = _inspector(resources)
    if name not in await inspector.queue_names(dramatiq.get_broker().get_declared_queues()):
        raise NotFoundException(f"No queue named {name!r}")
    return inspector


async def _record(
    resources: Resources, admin: Principal, action: str, subject: Subject, context: EventContext
) -> None:
    event = new_event(
        EventType.ADMIN_ACTION,
        actor=Actor(id=admin.user_id, role=admin.role.value),
        subject=subject,
        data={"action": action},
        context=context,
    )
    await publish(resources.db, event)


async def _settle_dead_letter(
    resources: Resources,
    name: str,
    message_id: str,
    settle: Callable[[QueueInspector, str, str], Awaitable[bool]],
    admin: Principal,
    action: str,
    context: EventContext,
) -> None:
    """Requeues or deletes one dead letter; an unknown queue or letter is a 404 and records
    no admin action."""
    inspector = await _known_queue(resources, name)
    if not await settle(inspector, name, message_id):
        raise NotFoundException(f"No dead letter {message_id} in {name}")
    subject = Subject(type="dead_letter", id=message_id)
    await _record(resources, admin, action, subject, context)


class AdminOperationsController(AdminController):
    path = "/api/v1/admin"

    @get("/queues", summary="Dramatiq queues with ready, delayed and dead counts")
    async def queues(self, resources: Resources) -> list[QueueOut]:
        declared = dramatiq.get_broker().get_declared_queues()
        depths = await _inspector(resources).depths(declared)
        return [QueueOut(**vars(d)) for d in depths]

    @get("/queues/{name:str}/dead", summary="A queue's dead letters, newest first")
    async def dead_letters(
        self,
        name: str,
        resources: Resources,
        page: int = PageParam,
        page_size: int = PageSizeParam,
    ) -> DeadLetterPage:
        inspector = await _known_queue(resources, name)
        total, letters = await inspector.dead_letters(name, (page - 1) * page_size, page_size)
        items = [
            DeadLetterOut(
                **{k: v for k, v in vars(letter).items() if k not in ("args", "kwargs")},
                arguments={"args": letter.args, "kwargs": letter.kwargs},
            )
            for letter in letters
        ]
        return DeadLetterPage(items=items, total=total, page=page, page_size=page_size)

    @post(
        "/queues/{name:str}/dead/{message_id:str}/retry",
        summary="Requeue a dead letter with a fresh retry budget",
        status_code=202,
    )
    async def retry(
        self,
        name: str,
        message_id: str,
        resources: Resources,
        current_user: Principal,
        context: EventContext,
    ) -> RequeuedOut:
        await _settle_dead_letter(
            resources,
            name,
            message_id,
            QueueInspector.requeue,
            current_user,
            "dead_letter.requeued",
            context,
        )
        return RequeuedOut(status="requeued", message_id=message_id, queue=name)

    @delete(
        "/queues/{name:str}/dead/{message_id:str}",
        summary="Delete a dead letter",
        status_code=204,
    )
    async def discard(
        self,
        name: str,
        message_id: str,
        resources: Resources,
        current_user: Principal,
        context: EventContext,
    ) -> None:
        await _settle_dead_letter(
            resources,
            name,
            message_id,
            QueueInspector.delete,
            current_user,
            "dead_letter.deleted",
            context,
        )

    @get("/scheduler/jobs", summary="Scheduler jobs with next run time and last result")
    async def jobs(self, resources: Resources) -> list[JobOut]:
        return [JobOut(**vars(job)) for job in await scheduled_jobs(resources.redis)]

    @get("/outbox", summary="Events waiting to reach Kafka")
    async def outbox(self, resources: Resources) -> OutboxOut:
        return OutboxOut(**vars(await backlog(resources.db)))
