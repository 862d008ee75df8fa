"""Domain events: one envelope, the catalogue of types, and `publish` (the outbox)."""

from domain.events.catalog import EventType, topic_for
from domain.events.envelope import Actor, Event, EventContext, Subject, new_event
from domain.events.outbox import publish

__all__ = [
    "Actor",
    "Event",
    "EventContext",
    "EventType",
    "Subject",
    "new_event",
    "publish",
    "topic_for",
]
