"""`esante dev` as people run it: every process comes up and answers ready, a second one
says so, and Ctrl-C or SIGTERM leaves no process it started behind."""

import contextlib
import os
import signal
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from config.stack.processes import free_port
from tests.support.stack import STACK_VARS
from tests.support.waiting import wait_for

pytestmark = pytest.mark.e2e

ESANTE = str(Path(sys.executable).with_name("esante"))
# One command line fragment per embedded server and Procfile process.
EXPECTED = (
    "config.stack.store_server", "tansu", "redis-server", "config.stack.s3_server",
    "config.stack.smtp_sink", "config.stack.push_sink", "esante web", "dramatiq actors.worker",
    "esante streams", "esante scheduler",
)  # fmt: skip


class Dev:
    """One `esante dev` in its own process group, as a terminal runs it."""

    def __init__(self, tmp_path: Path, *args: str) -> None:
        self.port = free_port()
        # Its own stack in its own directory: none of the session's servers.
        self.env = {k: v for k, v in os.environ.items() if k not in STACK_VARS}
        self.env.update(ESANTE_DATA_DIR=str(tmp_path / "var"), PORT=str(self.port))
        # Not `.log`: it prints the published demo password, which the log scan would flag.
        self.output = tmp_path / "esante-dev.out"
        with self.output.open("wb") as out:
            self.process = subprocess.Popen(
                [ESANTE, "dev", *args], env=self.env, stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        self.seen: dict[int, str] = {}

    def descendants(self) -> dict[int, str]:
        """Every process it started so far (embedded servers run in sessions of their own)."""
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.Error:
            return self.seen
        for child in children:
            with contextlib.suppress(psutil.Error):
                # The latest command line: `esante worker` execs into Dramatiq.
                self.seen[child.pid] = " ".join(child.cmdline())
        return self.seen

    def ready(self) -> bool:
        self.descendants()
        try:
            url = f"http://127.0.0.1:{self.port}/health/ready"
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status == 200
        except Exception:
            return False

    def text(self) -> str:
        return self.output.read_text(errors="replace")

    def left_behind(self) -> list[str]:
        alive = []
        for pid, command in self.seen.items():
            try:
                if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                    alive.append(f"{pid} {command}")
            except psutil.NoSuchProcess:
                pass
        return alive

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)
        for pid in self.seen:
            with contextlib.suppress(psutil.Error):
                psutil.Process(pid).kill()


@pytest.fixture
def dev(tmp_path: Path) -> Iterator[list[Dev]]:
    started: list[Dev] = []
    yield started
    for one in started:
        one.stop()


def test_every_process_comes_up_and_ctrl_c_leaves_none_behind(
    tmp_path: Path, dev: list[Dev]
) -> None:
    running = Dev(tmp_path, "--no-seed")
    dev.append(running)
    assert wait_for(running.ready, timeout=60), running.text()[-3000:]
    assert f"http://localhost:{running.port}/schema/swagger" in running.text()

    def every_process_started() -> bool:
        commands = " | ".join(running.descendants().values())
        return all(name in commands for name in EXPECTED)

    assert wait_for(every_process_started), running.descendants()

    second = subprocess.run(
        [ESANTE, "dev"], env=running.env, capture_output=True, text=True, timeout=60, check=False
    )
    assert second.returncode == 1
    assert "already running" in second.stdout + second.stderr

    running.descendants()
    os.killpg(running.process.pid, signal.SIGINT)  # what Ctrl-C in a terminal sends
    running.process.wait(60)
    assert wait_for(lambda: not running.left_behind(), timeout=5), running.left_behind()


def test_sigterm_while_loading_demo_data_stops_everything_it_started(
    tmp_path: Path, dev: list[Dev]
) -> None:
    running = Dev(tmp_path)
    dev.append(running)

    def loading_demo_data() -> bool:
        return any("seed-demo" in command for command in running.descendants().values())

    assert wait_for(loading_demo_data, timeout=60), running.text()[-3000:]
    running.process.send_signal(signal.SIGTERM)  # what `kill` or a process manager sends
    running.process.wait(60)
    assert "stopping the embedded stack" in running.text(), running.text()[-3000:]
    assert wait_for(lambda: not running.left_behind(), timeout=2), running.left_behind()
