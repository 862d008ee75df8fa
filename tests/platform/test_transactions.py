"""Transactions from several processes at once keep their all-or-nothing promise on the
embedded store too (it cannot isolate them, so they take turns)."""

import os
import subprocess
import sys

from pymongo import MongoClient

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
