"""Starts the embedded servers that have no URL in the environment, and stops what it started."""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from config.stack.processes import free_port, spawn, terminate
from config.stack.servers import ServerSpec, server_specs

READY_TIMEOUT_SECONDS = 60.0


class StackAlreadyRunning(RuntimeError):
    pass


class ServerFailedToStart(RuntimeError):
    pass


@dataclass
class RunningServer:
    spec: ServerSpec
    port: int
    process: subprocess.Popen[bytes] | None  # None when an external URL was given

    @property
    def embedded(self) -> bool:
        return self.process is not None


@dataclass
class EmbeddedStack:
    data_dir: Path
    memory_mongo: bool = False
    use_preferred_ports: bool = True  # tests pass False: always free ports
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    servers: list[RunningServer] = field(default_factory=list)
    _lock_file: IO[str] | None = None

    def acquire_lock(self) -> None:
        """One stack per data directory: a second one says so instead of clashing on ports."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        lock_path = self.data_dir / "esante-dev.lock"
        handle = lock_path.open("a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            owner = handle.read().strip() or "unknown"
            handle.close()
            raise StackAlreadyRunning(
                f"esante dev is already running on {self.data_dir.resolve()} (pid {owner}); "
                "stop it first, or set ESANTE_DATA_DIR to run a second one elsewhere"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        self._lock_file = handle

    def start(self, progress: Callable[[str], None] = lambda _msg: None) -> dict[str, str]:
        """Start what is missing, wait for each to answer, return the environment to use."""
        env: dict[str, str] = {"ESANTE_DATA_DIR": str(self.data_dir.resolve())}
        pending: list[RunningServer] = []
        try:
            for spec in server_specs(self.memory_mongo):
                if self.environ.get(spec.env_var):
                    progress(f"{spec.name}: using {self.environ[spec.env_var]}")
                    self.servers.append(RunningServer(spec, 0, None))
                    continue
                port = free_port(spec.preferred_port if self.use_preferred_ports else None)
                log = self.data_dir / "logs" / f"{spec.name}.log"
                proc = spawn(spec.argv(port, self.data_dir), log, env=self._child_env())
                server = RunningServer(spec, port, proc)
                self.servers.append(server)
                pending.append(server)
                env.update(spec.env(port))
            for server in pending:
                self._wait_ready(server)
                progress(f"{server.spec.name}: ready on port {server.port}")
            self._create_bucket({**self.environ, **env})
        except BaseException:
            self.stop()
            raise
        return env

    def _child_env(self) -> dict[str, str]:
        child = dict(self.environ)
        child.setdefault("PYTHONUNBUFFERED", "1")
        return child

    def _wait_ready(self, server: RunningServer) -> None:
        assert server.process is not None
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if server.process.poll() is not None:
                raise ServerFailedToStart(
                    f"{server.spec.name} exited with code {server.process.returncode}; "
                    f"see {self.data_dir / 'logs' / (server.spec.name + '.log')}"
                )
            if server.spec.ready(server.port):
                return
            time.sleep(0.1)
        raise ServerFailedToStart(
            f"{server.spec.name} did not answer on port {server.port} "
            f"within {READY_TIMEOUT_SECONDS:.0f}s"
        )

    def _create_bucket(self, env: Mapping[str, str]) -> None:
        if not any(s.embedded and s.spec.name == "s3" for s in self.servers):
            return
        import boto3

        client = boto3.client(
            "s3",
            endpoint_url=env["S3_ENDPOINT_URL"],
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            region_name=env.get("AWS_REGION", "us-east-1"),
        )
        bucket = env.get("S3_BUCKET", "esante")
        with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
            client.create_bucket(Bucket=bucket)

    def server(self, name: str) -> RunningServer:
        return next(s for s in self.servers if s.spec.name == name)

    def stop_server(self, name: str) -> None:
        server = self.server(name)
        if server.process is not None:
            terminate(server.process)

    def restart_server(self, name: str) -> None:
        """Start a stopped embedded server again on the same port (used by fault tests)."""
        server = self.server(name)
        assert server.process is not None, "only embedded servers can be restarted"
        terminate(server.process)
        log = self.data_dir / "logs" / f"{name}.log"
        server.process = spawn(server.spec.argv(server.port, self.data_dir), log, self._child_env())
        self._wait_ready(server)

    def describe(self) -> list[tuple[str, str]]:
        rows = []
        for server in self.servers:
            where = (
                server.spec.describe(server.port)
                if server.embedded
                else f"{self.environ[server.spec.env_var]} (external)"
            )
            rows.append((server.spec.name, where))
        return rows

    def stop(self) -> None:
        for server in reversed(self.servers):
            if server.process is not None:
                terminate(server.process)
        self.servers.clear()
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None
