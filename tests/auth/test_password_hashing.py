"""Password hashing runs in background processes that give way to everything else on the
machine, and that never outlive the process they serve."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from config.settings import Settings
from domain.accounts import passwords
from domain.accounts.passwords import hash_password, start_hashing, stop_hashing, verify_password

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = 4  # the lowest bcrypt cost: these tests are about where hashing runs


@pytest.fixture
async def workers():
    await start_hashing()
    pids = list(passwords._pool()._processes)  # type: ignore[attr-defined]
    yield pids
    stop_hashing()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[1][0] != "Z"
    except FileNotFoundError:
        return False


async def test_one_worker_per_core_each_at_the_lowest_priority_in_a_session_of_its_own(
    workers: list[int],
) -> None:
    assert len(workers) == (os.cpu_count() or 1)
    for pid in workers:
        assert pid != os.getpid()
        assert os.getsid(pid) == pid  # a session, hence a scheduling autogroup, of its own
        assert os.getpriority(os.PRIO_PROCESS, pid) == 19
        autogroup = Path(f"/proc/{pid}/autogroup")
        if autogroup.exists():  # Linux with autogroups
            assert autogroup.read_text().split()[-1] == "19"
    hashed = await hash_password("a passphrase of sorts", ROUNDS)
    assert await verify_password("a passphrase of sorts", hashed)
    assert not await verify_password("another passphrase", hashed)


async def test_a_killed_worker_is_replaced_and_hashing_goes_on(workers: list[int]) -> None:
    os.kill(workers[0], signal.SIGKILL)
    hashed = await hash_password("still hashing after a crash", ROUNDS)
    assert await verify_password("still hashing after a crash", hashed)


KILLED_PARENT = """
import asyncio, os, signal, sys
from domain.accounts import passwords

async def main():
    await passwords.start_hashing()
    with open(sys.argv[1], "w") as out:
        out.write(" ".join(str(pid) for pid in passwords._pool()._processes))
    os.kill(os.getpid(), signal.SIGKILL)

if __name__ == "__main__":
    asyncio.run(main())
"""


def test_workers_exit_when_their_process_is_killed(tmp_path: Path) -> None:
    script, pid_file = tmp_path / "killed_parent.py", tmp_path / "workers"
    script.write_text(KILLED_PARENT)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    # Output to files, not pipes: workers left behind would hold a pipe open.
    with (tmp_path / "output").open("w") as output:
        code = subprocess.call(
            [sys.executable, str(script), str(pid_file)],
            stdout=output, stderr=output, env=env, timeout=60,
        )  # fmt: skip
    assert code == -signal.SIGKILL, (tmp_path / "output").read_text()
    pids = [int(pid) for pid in pid_file.read_text().split()]
    assert pids
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in pids if _alive(pid)], "hashing workers outlived their process"


async def test_on_threads_hashing_works_and_starts_no_process() -> None:
    stop_hashing()
    try:
        await start_hashing(in_threads=True)
        hashed = await hash_password("hashed on a thread", ROUNDS)
        assert await verify_password("hashed on a thread", hashed)
        assert multiprocessing.active_children() == []
        # Asked for processes again, the threads give way to one process per core.
        await start_hashing()
        assert len(multiprocessing.active_children()) == (os.cpu_count() or 1)
    finally:
        stop_hashing()


@pytest.mark.parametrize(("setting", "processes"), [(None, os.cpu_count() or 1), ("threads", 0)])
async def test_the_web_app_hashes_in_background_processes_unless_told_to_use_threads(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, setting: str | None, processes: int
) -> None:
    from litestar.testing import AsyncTestClient

    from api.app import create_app

    if setting is None:
        monkeypatch.delenv("PASSWORD_HASHING", raising=False)
    else:
        monkeypatch.setenv("PASSWORD_HASHING", setting)
    app = create_app(Settings())
    async with AsyncTestClient(app=app) as client:
        workers = multiprocessing.active_children()
        assert len(workers) == processes
        assert all(os.getpriority(os.PRIO_PROCESS, w.pid or 0) == 19 for w in workers)
        answer = await client.post(
            "/api/v1/auth/login", json={"email": "nobody@example.org", "password": "x" * 12}
        )
        assert answer.status_code == 401  # the dummy check ran on the pool
    assert multiprocessing.active_children() == []
