"""`esante dev`: the embedded stack, then every Procfile process, until Ctrl-C."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time
import urllib.request
from pathlib import Path

from honcho.manager import Manager
from honcho.printer import Printer
from rich.console import Console
from rich.table import Table

from config.procfile import read_procfile
from config.stack import EmbeddedStack, StackAlreadyRunning
from config.stack.processes import port_is_free

console = Console(stderr=True)


def _announce_when_ready(port: int, started: float, stop: threading.Event) -> None:
    url = f"http://127.0.0.1:{port}/health/ready"
    while not stop.wait(0.5):
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    console.print(
                        f"[bold green]E-Santé is ready[/] in {time.monotonic() - started:.1f}s — "
                        f"API docs: http://localhost:{port}/schema/swagger"
                    )
                    return
        except Exception:  # noqa: S112 - not up yet
            continue


def _unwind_on_sigterm() -> None:
    """SIGTERM unwinds like Ctrl-C until honcho installs its own handlers.

    Python's default SIGTERM ends the process at once, skipping the `finally` that stops
    the embedded servers and the demo loader; the loader would then run on alone.
    """

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def run_dev(seed: bool = True) -> int:
    started = time.monotonic()
    _unwind_on_sigterm()
    data_dir = Path(os.environ.get("ESANTE_DATA_DIR", "var"))
    port = int(os.environ.get("PORT", "8000"))
    stack = EmbeddedStack(data_dir=data_dir)
    try:
        stack.acquire_lock()
    except StackAlreadyRunning as exc:
        console.print(f"[bold red]{exc}[/]")
        return 1
    if not port_is_free(port):
        console.print(
            f"[bold red]port {port} is taken[/]: another web server runs there. "
            "Stop it or choose another port with PORT=8001 esante dev"
        )
        stack.stop()
        return 1
    try:
        env = stack.start(progress=lambda msg: console.print(f"  {msg}"))
    except Exception as exc:
        console.print(f"[bold red]the embedded stack failed to start:[/] {exc}")
        return 1
    child_env = {**os.environ, **env, "PORT": str(port), "PYTHONUNBUFFERED": "1"}
    child_env.setdefault("APP_BASE_URL", f"http://localhost:{port}")
    child_env.setdefault("LOG_JSON", "false")
    # The Procfile names `esante`: make sure this interpreter's copy is the one found.
    child_env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{child_env.get('PATH', '')}"
    try:
        if seed:
            _seed(child_env)
        _print_table(stack, port)
        stop = threading.Event()
        threading.Thread(
            target=_announce_when_ready, args=(port, started, stop), daemon=True
        ).start()
        manager = Manager(Printer(sys.stdout))
        for name, command in read_procfile().items():
            manager.add_process(name, command, env=child_env)
        manager.loop()
        stop.set()
        return int(manager.returncode or 0)
    finally:
        console.print("stopping the embedded stack…")
        stack.stop()


def _seed(env: dict[str, str]) -> None:
    """Loads demo data (idempotent: a rerun creates nothing)."""
    import subprocess

    result = subprocess.run(
        [sys.executable, "-m", "config.cli", "seed-demo", "--quiet"],
        env=env, check=False, capture_output=True, text=True,
    )  # fmt: skip
    if result.returncode != 0:
        console.print(f"[yellow]demo data not loaded:[/] {result.stderr.strip()[-300:]}")
    else:
        console.print(result.stderr.rstrip(), markup=False, highlight=False)


def _print_table(stack: EmbeddedStack, port: int) -> None:
    table = Table(title="E-Santé — development platform")
    table.add_column("component")
    table.add_column("listens on")
    table.add_row("API", f"http://localhost:{port}/api/v1")
    table.add_row("API docs", f"http://localhost:{port}/schema/swagger")
    table.add_row("OpenAPI", f"http://localhost:{port}/schema/openapi.json")
    table.add_row("Socket.IO", f"ws://localhost:{port}/socket.io")
    for name, where in stack.describe():
        table.add_row(name, where)
    table.add_row("data", str(stack.data_dir.resolve()))
    console.print(table)
