"""The audit chain on the real store: appends from many writers stay one valid chain, and the
verifier catches every kind of tampering, including a chain rebuilt without the key."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from typing import Any

import pytest
from bson import ObjectId

from config.settings import Settings
from domain.audit.chain import (
    AUDIT_LOGS,
    GENESIS,
    AuditChain,
    append,
    ensure_audit_indexes,
    verify,
)
from domain.audit.mapping import action_of, audit_record, category_of
from domain.events.catalog import EventType
from infra.mongo import create_mongo_client

KEY = b"test-audit-key-0123456789abcdef0123456789"


def _event(event_type: str = "record.accessed", **extra: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "type": event_type,
        "occurred_at": "2030-01-01T10:00:00.123456Z",
        "actor": {"id": "doc-1", "role": "doctor"},
        "subject": {"type": "consultation", "id": "c-1"},
        "patient_id": "pat-1",
        "data": {},
        "context": {"ip": "10.0.0.1", "request_id": "req-1", "outcome": "success"},
        **extra,
    }


@pytest.fixture
async def db(db):  # type: ignore[no-untyped-def]
    await ensure_audit_indexes(db)
    return db


async def _chain(db: Any, n: int) -> list[dict[str, Any]]:
    for _ in range(n):
        await append(db, KEY, audit_record(_event(), source="audit.access"))
    return [doc async for doc in db[AUDIT_LOGS].find().sort("seq", 1)]


async def test_records_are_fhir_shaped_and_security_events_are_categorised(db: Any) -> None:
    doc = await append(db, KEY, audit_record(_event(), source="audit.access"))
    assert doc is not None
    assert {k: doc[k] for k in ("category", "action", "actor_id", "actor_role")} == {
        "category": "medical",
        "action": "R",
        "actor_id": "doc-1",
        "actor_role": "doctor",
    }
    assert doc["seq"] == 1 and doc["prev_hash"] == GENESIS
    assert doc["ip"] == "10.0.0.1" and doc["request_id"] == "req-1"
    for event_type in ("auth.login_failed", "auth.locked_out", "auth.refresh_reused"):
        assert category_of(event_type) == "security"
    assert category_of("auth.access_denied") == "security"
    assert category_of("auth.login_succeeded") == "auth"


# Sign-ins, refusals, reminders and admin operations are executions in FHIR terms; every
# other event changes or reads a record and must say how (a new type falls back to "E").
EXECUTIONS = {
    "auth.login_succeeded",
    "auth.login_failed",
    "auth.locked_out",
    "auth.refresh_reused",
    "auth.logged_out",
    "auth.password_reset_requested",
    "auth.access_denied",
    "auth.mfa_failed",
    "appointment.reminder",
    "admin.action",
}


def test_every_event_type_has_its_audit_action() -> None:
    actions = {event_type.value: action_of(event_type.value) for event_type in EventType}
    assert {t for t, action in actions.items() if action == "E"} == EXECUTIONS
    assert actions["referral.reopened"] == "U"
    assert actions["document.deleted"] == "D" and actions["record.accessed"] == "R"


async def test_a_redelivered_event_is_recorded_once(db: Any) -> None:
    event = _event()
    assert await append(db, KEY, audit_record(event, source="audit.access")) is not None
    assert await append(db, KEY, audit_record(event, source="audit.access")) is None
    assert await db[AUDIT_LOGS].count_documents({}) == 1


async def test_concurrent_writers_build_one_gap_free_chain(db: Any, settings: Settings) -> None:
    # Two clients stand for two streams instances consuming different partitions.
    other = create_mongo_client(settings.mongo)
    other_db = other[settings.mongo.db]
    events = [_event() for _ in range(40)]

    async def writer(database: Any, batch: list[dict[str, Any]]) -> None:
        for event in batch:
            await append(database, KEY, audit_record(event, source="t"))

    await asyncio.gather(
        writer(db, events[0::4]),
        writer(other_db, events[1::4]),
        writer(db, events[2::4]),
        writer(other_db, events[3::4] + events[:5]),  # with some duplicates
    )
    other.close()
    seqs = [doc["seq"] async for doc in db[AUDIT_LOGS].find().sort("seq", 1)]
    assert seqs == list(range(1, 41))
    report = await verify(db, KEY)
    assert report.valid and report.checked == 40


async def test_writers_that_remember_a_stale_head_still_build_one_chain(db: Any) -> None:
    # Each streams process keeps its own writer, which remembers the head it last wrote:
    # while the other writes, that head is stale, and the next append must notice.
    one, two = AuditChain(db, KEY), AuditChain(db, KEY)
    events = [_event() for _ in range(12)]
    for index, event in enumerate(events):
        writer = one if index % 3 else two  # runs of two on one side, then one on the other
        assert await writer.append(audit_record(event, source="t")) is not None
    # A redelivery is recognised whatever head the writer remembers.
    assert await one.append(audit_record(events[0], source="t")) is None
    assert await two.append(audit_record(events[-1], source="t")) is None
    extra = await one.append(audit_record(_event(), source="t"))
    assert extra is not None and extra["seq"] == 13

    seqs = [doc["seq"] async for doc in db[AUDIT_LOGS].find().sort("seq", 1)]
    assert seqs == list(range(1, 14))
    report = await verify(db, KEY)
    assert report.valid and report.checked == 13


async def test_an_edited_record_is_caught(db: Any) -> None:
    docs = await _chain(db, 5)
    await db[AUDIT_LOGS].update_one({"_id": docs[2]["_id"]}, {"$set": {"actor_id": "intruder"}})
    report = await verify(db, KEY)
    assert not report.valid and report.first_bad == str(docs[2]["_id"])
    assert report.checked == 3


async def test_a_field_whose_type_was_changed_is_caught(db: Any) -> None:
    """The same text under another type hashes alike, but hides the record from the
    filters (an ObjectId patient id, a date turned into text): the verifier refuses it."""
    patient_id = str(ObjectId())
    for tamper in (
        lambda doc: {"patient_id": ObjectId(patient_id)},
        # The very text the hash is computed over: the hash still matches.
        lambda doc: {"time": doc["time"].isoformat(timespec="milliseconds")[:23] + "Z"},
    ):
        await db[AUDIT_LOGS].delete_many({})
        writer = AuditChain(db, KEY)
        for _ in range(3):
            await writer.append(audit_record(_event(patient_id=patient_id), source="audit.access"))
        docs = [doc async for doc in db[AUDIT_LOGS].find().sort("seq", 1)]
        await db[AUDIT_LOGS].update_one({"_id": docs[1]["_id"]}, {"$set": tamper(docs[1])})
        report = await verify(db, KEY)
        assert not report.valid and report.first_bad == str(docs[1]["_id"]), report
        assert report.reason is not None and "as written" in report.reason


async def test_a_deleted_record_is_caught(db: Any) -> None:
    docs = await _chain(db, 5)
    await db[AUDIT_LOGS].delete_one({"_id": docs[1]["_id"]})
    report = await verify(db, KEY)
    assert not report.valid and report.first_bad == str(docs[2]["_id"])


async def test_records_cut_from_the_tail_are_caught_once_the_writer_appends(db: Any) -> None:
    # Deleting the newest records leaves a valid, shorter chain; the running writer still
    # chains its next record to the last one it wrote, so the cut shows from then on.
    writer = AuditChain(db, KEY)
    for _ in range(5):
        await writer.append(audit_record(_event(), source="audit.access"))
    await db[AUDIT_LOGS].delete_many({"seq": {"$gte": 4}})
    assert (await verify(db, KEY)).valid  # undetectable by walking alone

    after = await writer.append(audit_record(_event(), source="audit.access"))
    assert after is not None and after["seq"] == 6
    report = await verify(db, KEY)
    assert not report.valid and report.first_bad == str(after["_id"])
    assert report.reason == "expected seq 4, found 6"


async def test_an_inserted_record_is_caught(db: Any) -> None:
    docs = await _chain(db, 4)
    # A forger shifts the later records up and slots one in, with a plausible hash.
    await db[AUDIT_LOGS].update_many({"seq": {"$gte": 3}}, {"$inc": {"seq": 10}})
    forged = {**docs[1], "_id": "forged", "event_id": "forged", "seq": 3}
    forged["prev_hash"] = docs[1]["hash"]
    forged["hash"] = hashlib.sha256(b"forged").hexdigest()
    await db[AUDIT_LOGS].insert_one(forged)
    report = await verify(db, KEY)
    assert not report.valid and report.first_bad == "forged"


async def test_reordered_records_are_caught(db: Any) -> None:
    docs = await _chain(db, 4)
    await db[AUDIT_LOGS].update_one({"_id": docs[1]["_id"]}, {"$set": {"seq": 100}})
    await db[AUDIT_LOGS].update_one({"_id": docs[2]["_id"]}, {"$set": {"seq": 2}})
    await db[AUDIT_LOGS].update_one({"_id": docs[1]["_id"]}, {"$set": {"seq": 3}})
    report = await verify(db, KEY)
    assert not report.valid and report.first_bad == str(docs[2]["_id"])


async def test_a_chain_recomputed_without_the_key_is_caught(db: Any) -> None:
    docs = await _chain(db, 3)
    # Someone with write access edits a record and rebuilds every hash after it, but
    # without AUDIT_HMAC_KEY they can only guess one (here: another key).
    from domain.audit.chain import record_hash

    prev = GENESIS
    for doc in docs:
        if doc["seq"] == 2:
            doc["actor_id"] = "intruder"
        doc["prev_hash"] = prev
        doc["hash"] = record_hash(b"guessed-key", prev, doc)
        await db[AUDIT_LOGS].replace_one({"_id": doc["_id"]}, doc)
        prev = doc["hash"]
    report = await verify(db, KEY)
    assert not report.valid and report.first_bad == str(docs[0]["_id"])
    assert (await verify(db, b"guessed-key")).valid  # consistent, but only under the wrong key
