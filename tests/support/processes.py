"""The platform's processes run for real, as subprocesses, for end-to-end tests."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from config.stack.processes import free_port, spawn, terminate, wait_for_port


@dataclass
class PlatformProcess:
    kind: str  # web, worker, streams, scheduler
    log_file: Path
    env: dict[str, str]
    port: int | None = None
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> PlatformProcess:
        argv = [sys.executable, "-m", "config.cli", self.kind]
        if self.kind == "web":
            argv += ["--port", str(self.port)]
        self.process = spawn(argv, self.log_file, env=self.env)
        return self

    def kill(self) -> None:
        """kill -9, as a crash would."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None:
            terminate(self.process, grace=10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def wait_ready(self, timeout: float = 60) -> None:
        assert self.port is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.kind} exited: {self.log_file.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/health/ready", timeout=2) as r:
                    if r.status == 200:
                        return
            except Exception:
                pass
            time.sleep(0.05)  # a poll costs little next to the start it waits for
        raise TimeoutError(f"{self.kind} not ready: {self.log_file.read_text()[-2000:]}")

    def log(self) -> str:
        return self.log_file.read_text(errors="replace") if self.log_file.exists() else ""


@dataclass
class Platform:
    log_dir: Path
    env: dict[str, str]
    processes: list[PlatformProcess] = field(default_factory=list)

    def start(self, kind: str, **extra_env: str) -> PlatformProcess:
        (proc,) = self.start_several(kind, 1, **extra_env)
        return proc

    def start_several(self, kind: str, count: int, **extra_env: str) -> list[PlatformProcess]:
        """`count` processes of one kind, web ones ready: they start side by side rather
        than each waiting for the one before to be ready."""
        started = []
        for _ in range(count):
            index = sum(1 for p in self.processes if p.kind == kind)
            env = {**self.env, **extra_env}
            port = free_port() if kind == "web" else None
            proc = PlatformProcess(kind, self.log_dir / f"{kind}-{index}.log", env, port)
            self.processes.append(proc.start())
            started.append(proc)
        if kind == "web":
            for proc in started:
                proc.wait_ready()
        return started

    def stop(self) -> None:
        """SIGTERM every process first, then wait for each: their graceful shutdowns (a
        streams worker leaving its group, a Dramatiq worker draining its threads) overlap
        instead of adding up."""
        running = [p.process for p in reversed(self.processes) if p.process is not None]
        running = [proc for proc in running if proc.poll() is None]
        for proc in running:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in running:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
        self.processes.clear()


def platform_env(db_name: str) -> dict[str, str]:
    env = dict(os.environ)
    env["MONGODB_DB"] = db_name
    env["PYTHONUNBUFFERED"] = "1"
    # Real platform processes hash passwords as in production, in background processes
    # (the in-process apps of the other tests use threads: see tests/support/stack.py).
    env.pop("PASSWORD_HASHING", None)
    return env


class RestartableServer:
    """An infrastructure server of a test's own, to stop and start again mid-test."""

    def __init__(self, argv: list[str], port: int, log_file: Path) -> None:
        self.argv, self.port, self.log_file = argv, port, log_file
        self.process: subprocess.Popen[bytes] | None = None
        self.start()

    def start(self) -> None:
        self.process = spawn(self.argv, self.log_file)
        assert wait_for_port(self.port, 20), self.log_file.read_text()[-2000:]

    def stop(self) -> None:
        if self.process is not None:
            terminate(self.process)
            self.process = None
