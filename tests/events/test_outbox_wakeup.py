"""Committed outbox entries are announced to the relays, which claim them without waiting
for their next poll; an aborted transaction announces nothing."""

from __future__ import annotations

from typing import Any

import pytest

from config.settings import Settings
from domain.audit.chain import AUDIT_LOGS
from domain.events import publish
from domain.events.outbox import OUTBOX, announce_to
from domain.shared.transaction import transaction
from infra.mongo import create_mongo_client
from infra.outbox_signal import OutboxAnnouncer
from infra.redis import create_redis
from tests.events.support import add_user, appointment_confirmed, confirm_appointment, eventually

# Far longer than the test: whatever is relayed here was announced, not polled for.
NO_POLL = {"OUTBOX_POLL_MS": str(30 * 60 * 1000)}


async def test_the_announcement_follows_the_commit_and_never_an_abort(db: Any) -> None:
    seen: list[str] = []
    announce_to(lambda: seen.append("announced"))  # what a writing process hooks in
    try:
        patient, doctor = await add_user(db, "patient"), await add_user(db, "doctor")
        kept, dropped = (
            appointment_confirmed(patient, doctor),
            appointment_confirmed(patient, doctor),
        )
        with pytest.raises(RuntimeError):
            async with transaction(db.client) as session:
                await publish(db, dropped, session=session)
                raise RuntimeError("the change fails after its event was written")
        assert seen == []
        async with transaction(db.client) as session:
            await publish(db, kept, session=session)
            assert seen == []  # not before the commit: the relay would find nothing yet
        assert len(seen) == 1
        assert await db[OUTBOX].find_one({"_id": kept.id}) is not None
        assert await db[OUTBOX].find_one({"_id": dropped.id}) is None
    finally:
        announce_to(None)


@pytest.mark.e2e
async def test_an_announced_event_is_relayed_without_waiting_for_a_poll(
    platform, settings: Settings
) -> None:
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    redis = create_redis(settings.redis)
    announcer = OutboxAnnouncer(redis)
    announcer.start()
    announce_to(announcer.notify)
    try:
        patient, doctor = await add_user(db, "patient"), await add_user(db, "doctor")
        platform.start("streams", **NO_POLL)

        # Until the relay listens, announcements go unheard: repeat one until it is audited.
        probe = appointment_confirmed(patient, doctor)
        await publish(db, probe)

        async def probe_audited() -> Any:
            announcer.notify()
            return await db[AUDIT_LOGS].find_one({"event_id": probe.id})

        await eventually(probe_audited, 120, every=0.5)

        event = await confirm_appointment(client, db, patient, doctor)

        audited = await eventually(lambda: db[AUDIT_LOGS].find_one({"event_id": event.id}), 30)
        assert audited["patient_id"] == patient
        sent = await db[OUTBOX].find_one({"_id": event.id})
        assert sent["status"] == "sent"
    finally:
        announce_to(None)
        await announcer.stop()
        await redis.aclose()
        client.close()
