"""Audit export memory: the web process's memory while streaming 10,000 records compared
with streaming 1,000 (flat memory: the larger export costs no more). Run alone with
`python -m bench.exports`."""

from __future__ import annotations

import os
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import psutil
from bson import ObjectId
from pymongo import MongoClient

from bench.support import bench_stack, row, web_server
from config.settings import Settings
from domain.accounts.access_tokens import issue_access_token
from domain.accounts.roles import Role
from domain.audit.chain import AUDIT_LOGS, GENESIS, record_hash
from domain.audit.mapping import audit_record
from domain.events import Actor, Subject, new_event

SIZES = (1_000, 10_000)


def _fill(db: Any, key: bytes, count: int, patient: str) -> None:
    """Chain `count` audit records for `patient`, written in batches (as the agent would,
    only faster)."""
    head = db[AUDIT_LOGS].find_one({}, sort=[("seq", -1)])
    seq, prev = (head["seq"], head["hash"]) if head else (0, GENESIS)
    start = datetime.now(UTC) - timedelta(days=1)
    batch = []
    for n in range(count):
        event = new_event(
            "record.accessed",
            actor=Actor(id="doctor-1", role="doctor"),
            subject=Subject(type="consultation", id=f"c{n}"),
            patient_id=patient,
        )
        record = audit_record(event.to_message(), source="bench")
        record["time"] = start + timedelta(milliseconds=n)
        seq += 1
        doc = {**record, "seq": seq, "prev_hash": prev, "recorded_at": record["time"]}
        doc["hash"] = prev = record_hash(key, doc["prev_hash"], doc)
        batch.append(doc)
        if len(batch) == 1000:
            db[AUDIT_LOGS].insert_many(batch)
            batch = []
    if batch:
        db[AUDIT_LOGS].insert_many(batch)


def _web_pid(port: int) -> int:
    for conn in psutil.net_connections("tcp"):
        if conn.laddr and conn.laddr.port == port and conn.status == "LISTEN" and conn.pid:
            return int(conn.pid)
    raise RuntimeError("web process not found")


def _peak_rss_during(pid: int, work: Any) -> tuple[int, Any]:
    process = psutil.Process(pid)
    peak = process.memory_info().rss
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, process.memory_info().rss)
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        result = work()
    finally:
        done.set()
        sampler.join()
    return peak, result


def run() -> list[dict[str, Any]]:
    with bench_stack() as env:
        settings = Settings()
        key = settings.audit.hmac_key.get_secret_value().encode()
        admin_id = ObjectId()
        with MongoClient(env["MONGODB_URL"]) as client:
            db = client[env["MONGODB_DB"]]
            db.users.insert_one({"_id": admin_id, "email": "admin@bench.test", "role": "admin",
                                 "first_name": "A", "last_name": "B", "password_hash": "-",
                                 "email_verified": True, "active": True,
                                 "created_at": datetime.now(UTC), "token_version": 0})  # fmt: skip
            for size in SIZES:
                _fill(db, key, size, patient=f"p{size}")
        token, _ = issue_access_token(settings.auth, user_id=str(admin_id), role=Role.ADMIN,
                                      token_version=0, session_id=None)  # fmt: skip
        log_dir = Path(tempfile.mkdtemp(prefix="esante-bench-exports-"))
        with web_server(env, log_dir) as url:
            pid = _web_pid(int(url.rsplit(":", 1)[1]))
            headers = {"Authorization": f"Bearer {token}"}

            def export(size: int) -> int:
                received = 0
                with httpx.stream("GET", f"{url}/api/v1/admin/audit-logs/export", timeout=300,
                                  params={"format": "csv", "patient_id": f"p{size}"},
                                  headers=headers) as response:  # fmt: skip
                    response.raise_for_status()
                    for chunk in response.iter_bytes():
                        received += len(chunk)
                return received

            export(SIZES[0])  # warm up: imports, caches, connection pools
            base = psutil.Process(pid).memory_info().rss
            figures = {}
            for size in SIZES:
                started = time.perf_counter()
                peak, received = _peak_rss_during(pid, lambda s=size: export(s))
                figures[size] = (max(peak - base, 0), received, time.perf_counter() - started)
    small, large = figures[SIZES[0]], figures[SIZES[1]]
    # Growth is compared with at least 1 MiB: below that, allocator noise dominates.
    ratio = max(large[0], 1 << 20) / max(small[0], 1 << 20)
    raw = (
        f"RSS growth {large[0] / 2**20:.1f} MiB for 10,000 records ({large[1] / 2**20:.1f} MiB "
        f"CSV in {large[2]:.1f} s) vs {small[0] / 2**20:.1f} MiB for 1,000 "
        f"({small[1] / 2**20:.1f} MiB); base RSS {base / 2**20:.0f} MiB"
    )
    return [row("E1", "audit export: web RSS growth for 10,000 records ÷ for 1,000", ratio,
                "≤ 2", raw)]  # fmt: skip


if __name__ == "__main__":
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    for r in run():
        print(r)
