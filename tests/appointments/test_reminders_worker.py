"""The reminder job through a real worker: the sweep running twice still sends one reminder,
and a cancelled appointment gets none."""

import asyncio
from datetime import UTC, datetime

import dramatiq
import pytest

from actors.broker import configure_broker
from config.settings import Settings
from domain.appointments.booking import book
from domain.appointments.lifecycle import change_status
from domain.appointments.states import Transition
from domain.events import Actor
from domain.scheduling import service as scheduling
from infra.mongo import create_mongo_client
from scheduler.jobs import JOBS
from tests.support.jobs import jobs_run
from tests.support.people import make_person

pytestmark = pytest.mark.e2e


async def test_sweep_twice_sends_each_reminder_once(platform, settings: Settings) -> None:
    client = create_mongo_client(settings.mongo)
    db = client[settings.mongo.db]
    person = await make_person(db, settings, "doctor")
    doctor = Actor(id=person.id, role="doctor")
    await scheduling.set_availability(
        db,
        doctor.id,
        {
            "timezone": "UTC",
            "slot_minutes": 10,
            "weekly": [{"weekday": d, "start": "00:00", "end": "23:50"} for d in range(7)],
        },
    )
    today = datetime.now(UTC).date()
    slots = await scheduling.free_slots(
        db, doctor.id, today, today.fromordinal(today.toordinal() + 1)
    )
    kept_slot, cancelled_slot = slots[0], slots[1]
    kept = await book(
        client,
        db,
        Actor(id="pa", role="patient"),
        {"doctor_id": doctor.id, "start": kept_slot.start.isoformat(), "reason": "r"},
    )
    dropped = await book(
        client,
        db,
        Actor(id="pb", role="patient"),
        {"doctor_id": doctor.id, "start": cancelled_slot.start.isoformat(), "reason": "r"},
    )
    for doc in (kept, dropped):
        await change_status(client, db, doctor, str(doc["_id"]), Transition.CONFIRM)
    await change_status(client, db, doctor, str(dropped["_id"]), Transition.CANCEL)

    configure_broker(settings)
    import actors.registry  # noqa: F401

    job = next(spec for spec in JOBS if spec.id == "appointments.reminders")
    from actors.dispatch import BrokerJobQueue

    job.run(BrokerJobQueue())
    job.run(BrokerJobQueue())
    platform.start("worker")

    query = {"event.type": "appointment.reminder"}
    for _ in range(300):
        if await db.outbox.count_documents(query):
            break
        await asyncio.sleep(0.1)
    # Both sweeps and every reminder job they sent have run: a duplicate would be stored.
    assert await jobs_run(settings, "appointments"), platform.processes[0].log()[-2000:]
    reminders = [e["event"] async for e in db.outbox.find(query)]
    assert len(reminders) == 1, platform.processes[0].log()[-2000:]
    assert reminders[0]["data"]["appointment_id"] == str(kept["_id"])
    assert reminders[0]["data"]["kind"] == "1h"  # the slot starts within the hour
    assert reminders[0]["patient_id"] == "pa"
    dramatiq.get_broker().flush_all()
    client.close()
