"""The events accounts emit; every one is about a user (or an address without one)."""

from __future__ import annotations

from typing import Any

from domain.events import Actor, Event, EventContext, Subject, new_event


def user_event(
    type_: str,
    user_id: str,
    user_role: str,
    context: EventContext | None,
    *,
    actor: Actor | None = None,
    outcome: str = "success",
    **data: Any,
) -> Event:
    ctx = (context or EventContext()).model_copy(update={"outcome": outcome})
    return new_event(
        type_,
        actor=actor or Actor(id=user_id, role=user_role),
        subject=Subject(type="user", id=user_id),
        data=data,
        context=ctx,
    )


def anonymous_event(
    type_: str, subject_id: str, context: EventContext | None, **data: Any
) -> Event:
    ctx = (context or EventContext()).model_copy(update={"outcome": "failure"})
    return new_event(
        type_,
        actor=Actor(id=None, role="anonymous"),
        subject=Subject(type="email", id=subject_id),
        data=data,
        context=ctx,
    )
