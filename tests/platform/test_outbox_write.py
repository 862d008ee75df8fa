"""A state change and its events are written together, or not at all."""

import pytest

from config.settings import Settings
from domain.events import Actor, EventType, Subject, new_event, publish, topic_for
from domain.shared.transaction import transaction
from infra.mongo import create_mongo_client


async def test_events_commit_with_the_state_change(settings: Settings) -> None:
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    event = new_event(
        EventType.USER_REGISTERED,
        actor=Actor(id="u1", role="patient"),
        subject=Subject(type="user", id="u1"),
    )
    async with transaction(client) as session:
        await db.things.insert_one({"_id": "u1"}, session=session)
        await publish(db, event, session=session)
    entry = await db.outbox.find_one({"_id": event.id})
    assert entry["topic"] == "users.events" and entry["status"] == "pending"
    assert entry["event"]["occurred_at"].endswith("Z")
    client.close()


async def test_a_failed_write_leaves_no_event(settings: Settings) -> None:
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    event = new_event(
        EventType.USER_REGISTERED,
        actor=Actor(id="u2", role="patient"),
        subject=Subject(type="user", id="u2"),
    )
    with pytest.raises(RuntimeError):
        async with transaction(client) as session:
            await db.things.insert_one({"_id": "u2"}, session=session)
            await publish(db, event, session=session)
            raise RuntimeError("the request failed after writing")
    assert await db.things.find_one({"_id": "u2"}) is None
    assert await db.outbox.find_one({"_id": event.id}) is None
    client.close()


def test_unknown_event_types_have_no_topic() -> None:
    with pytest.raises(ValueError, match="no topic"):
        topic_for("nonsense.happened")
