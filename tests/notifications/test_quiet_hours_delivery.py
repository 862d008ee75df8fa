"""Quiet hours through the real processes: the inbox hears at once, email and push wait in
Dramatiq's delay queue until the window ends, and a waiting job follows the window as it is
when the job runs (moved later: it waits again; removed: it sends)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import dramatiq
import pytest

from actors.broker import configure_broker
from config.settings import Settings
from domain.events import Actor, EventType, Subject, new_event, publish
from tests.appointments.conftest import book_next_monday_at_nine
from tests.events.support import eventually, sent_emails
from tests.support.jobs import jobs_run, queued_jobs
from tests.support.people import Person, make_person

pytestmark = pytest.mark.e2e

NOTIFICATIONS = "/api/v1/notifications"
KOLKATA, PARIS = "Asia/Kolkata", "Europe/Paris"  # UTC+05:30 all year; UTC+1/+2


def hhmm(instant: datetime, zone: str) -> str:
    return instant.astimezone(ZoneInfo(zone)).strftime("%H:%M")


def iso(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def whole_minute(instant: datetime) -> datetime:
    return instant.replace(second=0, microsecond=0)


async def set_window(client: Any, person: Person, start: datetime, end: datetime, zone: str):  # type: ignore[no-untyped-def]
    window = {"start": hhmm(start, zone), "end": hhmm(end, zone), "timezone": zone}
    response = await client.put(
        f"{NOTIFICATIONS}/preferences", headers=person.headers, json={"quiet_hours": window}
    )
    assert response.status_code == 200, response.text
    assert response.json()["quiet_hours"] == window


def delayed_jobs(settings: Settings, notification_id: str) -> list[tuple[str, datetime]]:
    """(actor, eta) of the jobs for a notification that wait in the `notifications` delay
    queue. A worker holds the ids of the ones it fetched, but their bodies stay in the
    queue's hash until they are due."""
    jobs = []
    for message in queued_jobs(settings, "notifications", due=False):
        if notification_id in [*message["args"], *message["kwargs"].values()]:
            eta = datetime.fromtimestamp(message["options"]["eta"] / 1000, UTC)
            jobs.append((message["actor_name"], eta))
    return sorted(jobs)


def assert_held_until(jobs: list[tuple[str, datetime]], end: datetime) -> None:
    assert sorted(name for name, _ in jobs) == [
        "notifications.send_email",
        "notifications.send_push",
    ], jobs
    for name, eta in jobs:
        assert abs((eta - end).total_seconds()) < 1.5, (name, eta, end)


async def inbox_item(client: Any, person: Person, event_type: str, timeout: float = 30) -> Any:
    async def find() -> Any:
        items = (await client.get(NOTIFICATIONS, headers=person.headers)).json()["items"]
        return next((i for i in items if i["event_type"] == event_type), None)

    return await eventually(find, timeout)


async def test_quiet_hours_hold_email_and_push_but_neither_the_inbox_nor_security_alerts(
    platform, client, db, settings: Settings, data_dir: Path
) -> None:
    quiet = await make_person(db, settings, "doctor", "Rym", "Ayari")
    awake = await make_person(db, settings, "doctor", "Sami", "Trabelsi")
    now = datetime.now(UTC)
    # Kolkata's half-hour offset keeps whole UTC minutes whole minutes on its clocks.
    end = whole_minute(now + timedelta(hours=3))
    await set_window(client, quiet, now - timedelta(hours=1), end, KOLKATA)
    await set_window(client, awake, now + timedelta(hours=2), now + timedelta(hours=5), KOLKATA)
    platform.start("streams")
    platform.start("worker")

    for doctor in (quiet, awake):
        patient = await make_person(db, settings, "patient")
        assert (await book_next_monday_at_nine(client, doctor, patient)).status_code == 201

    # Outside the window nothing changes: the email comes as it always did.
    request_to_awake = await inbox_item(client, awake, "appointment.requested", 90)
    assert request_to_awake["deliver_after"] is None
    await eventually(lambda: _now(sent_emails(data_dir, {request_to_awake["id"]})), 30)

    # Inside it, the inbox has the request at once and says until when email and push wait.
    request_to_quiet = await inbox_item(client, quiet, "appointment.requested")
    assert request_to_quiet["deliver_after"] == iso(end)
    held = request_to_quiet["id"]
    assert_held_until(await eventually(lambda: _now(delayed_jobs(settings, held)), 10), end)

    # A security alert does not wait for the morning.
    alert = new_event(
        EventType.AUTH_PASSWORD_CHANGED,
        actor=Actor(id=quiet.id, role="doctor"),
        subject=Subject(type="user", id=quiet.id),
    )
    await publish(db, alert)
    security = await inbox_item(client, quiet, "auth.password_changed")
    assert security["deliver_after"] is None
    await eventually(lambda: _now(sent_emails(data_dir, {security["id"]})), 30)

    # The worker is running and delivering, yet the held email stays out of the sink: every
    # job due by now has run (the alert's too), the held ones still wait for their time.
    assert await jobs_run(settings, "notifications", delayed=False)
    assert sent_emails(data_dir, {held}) == []
    stored = await db.notifications.find_one({"_id": held})
    assert (stored["email_status"], stored["push_status"]) == ("pending", "pending")
    # The jobs themselves waited in the broker: none ran to find the window still on.
    assert "email_attempts" not in stored and "push_attempts" not in stored
    assert_held_until(delayed_jobs(settings, held), end)


async def test_a_held_email_goes_when_the_window_ends_and_follows_changes_to_it(
    platform, client, db, settings: Settings, data_dir: Path
) -> None:
    warm, ending, moved = [await make_person(db, settings, "doctor") for _ in range(3)]
    platform.start("streams")
    platform.start("worker")
    # The first event waits for the processes to join Kafka; the window below is short.
    first = await make_person(db, settings, "patient")
    assert (await book_next_monday_at_nine(client, warm, first)).status_code == 201
    await inbox_item(client, warm, "appointment.requested", 90)

    # A window on the Paris clock that ends at the next whole minute, 6 to 66 s from now:
    # with the processes warm, what follows takes well under a second, and every second
    # of margin is one more the test waits for the end.
    end = whole_minute(datetime.now(UTC) + timedelta(seconds=66))
    for doctor in (ending, moved):
        await set_window(client, doctor, end - timedelta(hours=2), end, PARIS)
        patient = await make_person(db, settings, "patient")
        assert (await book_next_monday_at_nine(client, doctor, patient)).status_code == 201
    held = {}
    for doctor in (ending, moved):
        item = await inbox_item(client, doctor, "appointment.requested")
        assert item["deliver_after"] == iso(end)
        held[doctor.id] = item["id"]
    assert datetime.now(UTC) < end, "the notifications came after the window had ended"
    assert sent_emails(data_dir, set(held.values())) == []

    # While the job waits, the doctor moves the end of the window an hour later.
    later = end + timedelta(hours=1)
    await set_window(client, moved, end - timedelta(hours=2), later, PARIS)

    # The unchanged window ends: its email goes out then, not before.
    await asyncio.sleep((end - datetime.now(UTC)).total_seconds() - 1)
    assert sent_emails(data_dir, set(held.values())) == []
    await eventually(lambda: _now(sent_emails(data_dir, {held[ending.id]})), 30)
    assert datetime.now(UTC) >= end

    # The job of the moved window ran at the old end, saw the new one and waits again.
    async def requeued() -> list[tuple[str, datetime]]:
        jobs = delayed_jobs(settings, held[moved.id])
        return (
            jobs
            if len(jobs) == 2 and all(eta > end + timedelta(minutes=30) for _, eta in jobs)
            else []
        )

    assert_held_until(await eventually(requeued, 15), later)
    assert sent_emails(data_dir, {held[moved.id]}) == []
    item = await inbox_item(client, moved, "appointment.requested")
    assert item["deliver_after"] == iso(later)

    # The doctor removes the window: what it held goes at once, not at its old end.
    removed = await client.put(
        f"{NOTIFICATIONS}/preferences", headers=moved.headers, json={"quiet_hours": None}
    )
    assert removed.json()["quiet_hours"] is None
    await eventually(lambda: _now(sent_emails(data_dir, {held[moved.id]})), 30)
    assert (await inbox_item(client, moved, "appointment.requested"))["deliver_after"] is None

    async def push_done() -> bool:  # the doctor has no device: done without sending
        doc = await db.notifications.find_one({"_id": held[moved.id]})
        return bool(doc["push_status"] == "skipped")

    await eventually(push_done, 30)
    # The jobs still waiting for the old end, when they come up, send nothing more.
    configure_broker(settings)
    import actors.registry  # noqa: F401 - the actors, by name

    assert len(delayed_jobs(settings, held[moved.id])) == 2
    job = dramatiq.get_broker().get_actor("notifications.send_email").send(held[moved.id])
    assert await jobs_run(settings, "notifications", job.message_id)  # sent, or found sent
    assert sent_emails(data_dir, {held[moved.id]}) == [held[moved.id]]


async def test_a_shortened_window_brings_its_held_deliveries_forward(
    platform, client, db, settings: Settings, data_dir: Path
) -> None:
    doctor = await make_person(db, settings, "doctor")
    now = datetime.now(UTC)
    await set_window(client, doctor, now - timedelta(hours=1), now + timedelta(hours=3), KOLKATA)
    platform.start("streams")
    platform.start("worker")
    patient = await make_person(db, settings, "patient")
    assert (await book_next_monday_at_nine(client, doctor, patient)).status_code == 201
    item = await inbox_item(client, doctor, "appointment.requested", 90)
    assert item["deliver_after"] is not None

    # The window now ends within the hour: held until then instead, by new jobs.
    sooner = whole_minute(datetime.now(UTC) + timedelta(minutes=50))
    await set_window(client, doctor, now - timedelta(hours=1), sooner, KOLKATA)
    item = await inbox_item(client, doctor, "appointment.requested")
    assert item["deliver_after"] == iso(sooner)

    async def rescheduled() -> list[tuple[str, datetime]]:
        jobs = [
            job for job in delayed_jobs(settings, item["id"]) if job[1] < sooner + timedelta(0, 2)
        ]
        return jobs if len(jobs) == 2 else []

    assert_held_until(await eventually(rescheduled, 15), sooner)
    assert sent_emails(data_dir, {item["id"]}) == []


async def _now(value: object) -> object:
    return value
