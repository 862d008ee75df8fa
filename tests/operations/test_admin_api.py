"""Admins inspect queues, dead letters, scheduler jobs and the outbox over HTTP."""

import json
import uuid

import dramatiq
import pytest
import redis

from config.settings import Settings
from domain.events import Actor, EventType, Subject, new_event, publish
from tests.support.people import make_person
from tests.support.waiting import wait_for

ROUTES = [
    ("GET", "/api/v1/admin/queues"),
    ("GET", "/api/v1/admin/queues/system/dead"),
    ("POST", "/api/v1/admin/queues/system/dead/abc/retry"),
    ("DELETE", "/api/v1/admin/queues/system/dead/abc"),
    ("GET", "/api/v1/admin/scheduler/jobs"),
    ("GET", "/api/v1/admin/outbox"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
async def test_admin_routes_refuse_everyone_else(client, db, settings, method, path) -> None:
    assert (await client.request(method, path)).status_code == 401
    for role in ("patient", "doctor"):
        person = await make_person(db, settings, role)
        response = await client.request(method, path, headers=person.headers)
        assert response.status_code == 403, (role, path)


async def test_admin_requeues_a_dead_letter_and_it_runs_again(
    client, db, settings, platform
) -> None:
    admin = await make_person(db, settings, "admin")
    sync = redis.Redis.from_url(settings.redis.url)
    platform.start("worker")
    token = uuid.uuid4().hex
    dramatiq.get_broker().get_actor("system.fail_once").send(token=token)
    assert wait_for(lambda: sync.zcard("dramatiq:system.XQ") == 1)

    queues = (await client.get("/api/v1/admin/queues", headers=admin.headers)).json()
    system = next(q for q in queues if q["name"] == "system")
    assert system["dead"] == 1 and system["ready"] == 0

    page = (await client.get("/api/v1/admin/queues/system/dead", headers=admin.headers)).json()
    assert page["total"] == 1 and page["page"] == 1
    letter = page["items"][0]
    assert letter["actor"] == "system.fail_once"
    assert letter["arguments"]["kwargs"] == {"token": "***"}
    assert "failing on purpose" in letter["last_error"]

    retried = await client.post(
        f"/api/v1/admin/queues/system/dead/{letter['message_id']}/retry", headers=admin.headers
    )
    assert retried.status_code == 202
    assert wait_for(lambda: sync.get(f"system:pong:{token}") is not None)
    again = await client.post(
        f"/api/v1/admin/queues/system/dead/{letter['message_id']}/retry", headers=admin.headers
    )
    assert again.status_code == 404
    # The requeue is itself on the audit trail.
    assert await db.outbox.count_documents({"event.type": "admin.action"}) == 1


async def test_admin_deletes_a_dead_letter(client, db, settings, platform) -> None:
    admin = await make_person(db, settings, "admin")
    sync = redis.Redis.from_url(settings.redis.url)
    platform.start("worker")
    dramatiq.get_broker().get_actor("system.fail_once").send(token=uuid.uuid4().hex)
    assert wait_for(lambda: sync.zcard("dramatiq:system.XQ") == 1)
    page = (await client.get("/api/v1/admin/queues/system/dead", headers=admin.headers)).json()
    message_id = page["items"][0]["message_id"]
    gone = await client.delete(
        f"/api/v1/admin/queues/system/dead/{message_id}", headers=admin.headers
    )
    assert gone.status_code == 204
    page = (await client.get("/api/v1/admin/queues/system/dead", headers=admin.headers)).json()
    assert page["total"] == 0


async def test_unknown_queue_is_404(client, db, settings) -> None:
    admin = await make_person(db, settings, "admin")
    response = await client.get("/api/v1/admin/queues/nope/dead", headers=admin.headers)
    assert response.status_code == 404


async def test_scheduler_jobs_show_next_run_and_last_result(client, db, settings, platform) -> None:
    admin = await make_person(db, settings, "admin")
    sync = redis.Redis.from_url(settings.redis.url)
    platform.start("scheduler")
    assert wait_for(lambda: sync.get("scheduler:last:system.heartbeat") is not None)
    assert wait_for(lambda: sync.hget("scheduler:jobs", "system.heartbeat") is not None)
    jobs = (await client.get("/api/v1/admin/scheduler/jobs", headers=admin.headers)).json()
    heartbeat = next(job for job in jobs if job["id"] == "system.heartbeat")
    assert heartbeat["next_run_time"].endswith("Z"), heartbeat
    assert heartbeat["last_run_at"].endswith("Z"), heartbeat
    assert heartbeat["last_result"] == "enqueued system.ping"


async def test_a_next_run_time_published_with_an_offset_is_shown_in_utc_with_z(
    client, db, settings
) -> None:
    admin = await make_person(db, settings, "admin")
    published = {"next_run_time": "2026-11-25T02:42:22.383711+00:00", "trigger": "interval"}
    redis.Redis.from_url(settings.redis.url).hset(
        "scheduler:jobs", "system.heartbeat", json.dumps(published)
    )
    jobs = (await client.get("/api/v1/admin/scheduler/jobs", headers=admin.headers)).json()
    assert [job["next_run_time"] for job in jobs] == ["2026-11-25T02:42:22.383711Z"]


async def test_outbox_backlog_counts_unsent_events(client, db, settings: Settings) -> None:
    admin = await make_person(db, settings, "admin")
    before = (await client.get("/api/v1/admin/outbox", headers=admin.headers)).json()
    for _ in range(3):
        await publish(
            db,
            new_event(
                EventType.USER_UPDATED,
                actor=Actor(id="x", role="patient"),
                subject=Subject(type="user", id="x"),
            ),
        )
    after = (await client.get("/api/v1/admin/outbox", headers=admin.headers)).json()
    assert after["pending"] == before["pending"] + 3
    assert after["oldest_age_seconds"] >= 0
