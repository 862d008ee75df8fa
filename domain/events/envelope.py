"""The event envelope of the public contract:
`{id, type, version, occurred_at, actor: {id, role}, subject: {type, id}, patient_id?, data}`.

`context` (ip, request id, user agent, outcome) is an addition for the audit trail.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Actor(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str | None = None  # None for anonymous callers (e.g. a failed login)
    role: str = "anonymous"  # patient | doctor | admin | system | anonymous


SYSTEM = Actor(id=None, role="system")


class Subject(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: str  # user, appointment, consultation, prescription, document, referral, ...
    id: str


class EventContext(BaseModel):
    ip: str | None = None
    request_id: str | None = None
    user_agent: str | None = None
    outcome: str = "success"  # success | failure


class Event(BaseModel):
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    type: str
    version: int = 1
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    actor: Actor
    subject: Subject
    patient_id: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    context: EventContext = Field(default_factory=EventContext)

    def to_message(self) -> dict[str, Any]:
        """The JSON form sent to Kafka (timestamps in ISO 8601 UTC with `Z`)."""
        body = self.model_dump(mode="json")
        body["occurred_at"] = self.occurred_at.astimezone(UTC).isoformat().replace("+00:00", "Z")
        return body


def new_event(
    type: str,
    *,
    actor: Actor,
    subject: Subject,
    patient_id: str | None = None,
    data: dict[str, Any] | None = None,
    context: EventContext | None = None,
) -> Event:
    return Event(
        type=type,
        actor=actor,
        subject=subject,
        patient_id=patient_id,
        data=data or {},
        context=context or EventContext(),
    )
