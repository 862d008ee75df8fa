"""Transactions from several processes at once keep their all-or-nothing promise on the
embedded store too (it cannot isolate them, so they take turns)."""

import os
import subprocess
import sys
import threading
import uuid

import pytest
from pymongo import MongoClient
from pymongo.errors import OperationFailure

from config.settings import Settings


def _run(settings: Settings, mode: str) -> tuple[list[int], dict[str, int]]:
    env = {**os.environ, "MONGODB_DB": settings.mongo.db}
    workers = [
        subprocess.Popen([sys.executable, "-m", "tests.platform.txn_worker", tag, "60", mode],
                         env=env, stdout=subprocess.PIPE, text=True)
        for tag in ("a", "b", "c")
    ]  # fmt: skip
    errors = [int((w.communicate(timeout=120)[0] or "0").strip() or 0) for w in workers]
    with MongoClient(settings.mongo.url) as client:
        db = client[settings.mongo.db]
        counts = {name: db[name].count_documents({}) for name in ("left", "right")}
        odd = db.left.count_documents({"n": {"$mod": [2, 1]}}) + db.right.count_documents(
            {"n": {"$mod": [2, 1]}}
        )
        counts["aborted_survivors"] = odd
    return errors, counts


def test_concurrent_transactions_from_three_processes_stay_atomic(settings: Settings) -> None:
    errors, counts = _run(settings, "isolate")
    assert errors == [0, 0, 0]
    # 3 processes, 30 committed pairs each; nothing of an aborted transaction remains.
    assert counts == {"left": 90, "right": 90, "aborted_survivors": 0}


def test_a_write_from_another_client_survives_a_transaction_that_aborts(
    settings: Settings,
) -> None:
    """The embedded store ran every client on one SQLite connection: a write made while a
    transaction was open joined it and was rolled back with it, after its client had been
    told it succeeded (audit records and notifications vanished this way)."""
    name = f"gate_{uuid.uuid4().hex}"
    with MongoClient(settings.mongo.url) as first, MongoClient(settings.mongo.url) as second:
        ours, theirs = first[settings.mongo.db][name], second[settings.mongo.db][name]
        ours.insert_one({"_id": "before"})
        written = threading.Event()

        def write() -> None:
            theirs.insert_one({"_id": "theirs"})
            written.set()

        with first.start_session() as session:
            session.start_transaction()
            ours.insert_one({"_id": "undone"}, session=session)
            writer = threading.Thread(target=write)
            writer.start()
            written.wait(0.5)  # long enough to have joined the transaction
            session.abort_transaction()
        writer.join(10)
        assert written.is_set()
        assert {doc["_id"] for doc in ours.find()} == {"before", "theirs"}


def test_a_transaction_left_open_by_a_dead_client_is_aborted_and_stops_holding_writes(
    settings: Settings,
) -> None:
    """A transaction nobody finishes (its process was killed) is aborted once idle for a
    few seconds: what it wrote is undone and the writes waiting behind it go through."""
    name = f"orphan_{uuid.uuid4().hex}"
    with MongoClient(settings.mongo.url) as first, MongoClient(settings.mongo.url) as second:
        orphaned = first.start_session()
        orphaned.start_transaction()
        first[settings.mongo.db][name].insert_one({"_id": "orphaned"}, session=orphaned)
        theirs = second[settings.mongo.db][name]
        theirs.insert_one({"_id": "theirs"})  # waits out the idle transaction
        assert [doc["_id"] for doc in theirs.find()] == ["theirs"]
        # The client coming back finds its transaction gone, as MongoDB reports one it
        # timed out: a transient error, so a retry runs the whole transaction again.
        with pytest.raises(OperationFailure) as failure:
            first[settings.mongo.db][name].insert_one({"_id": "late"}, session=orphaned)
        assert failure.value.has_error_label("TransientTransactionError")
        assert [doc["_id"] for doc in theirs.find()] == ["theirs"]
