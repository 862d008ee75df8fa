"""The `esante` command."""

from __future__ import annotations

import os
import sys

import typer

cli = typer.Typer(
    help="E-Santé platform command line.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@cli.command()
def dev(no_seed: bool = typer.Option(False, "--no-seed", help="Skip loading demo data.")) -> None:
    """Start the embedded infrastructure and every platform process (Ctrl-C stops all)."""
    from config.dev import run_dev

    raise typer.Exit(run_dev(seed=not no_seed))


@cli.command()
def web(
    host: str = typer.Option(os.environ.get("HOST", "127.0.0.1"), help="Interface to bind."),
    port: int = typer.Option(int(os.environ.get("PORT", "8000")), help="Port to bind."),
) -> None:
    """Serve the HTTP API and Socket.IO (uvicorn)."""
    import uvicorn

    uvicorn.run(
        "api.asgi:create_asgi",
        factory=True,
        host=host,
        port=port,
        access_log=False,
        server_header=False,
        proxy_headers=False,
        log_config=None,
    )


@cli.command()
def worker(
    processes: int = typer.Option(int(os.environ.get("WORKER_PROCESSES", "1"))),
    threads: int = typer.Option(int(os.environ.get("WORKER_THREADS", "8"))),
) -> None:
    """Run Dramatiq workers for every queue."""
    from config.settings import get_settings

    # Dramatiq reads its idle wake-up interval from this variable when it loads.
    timeout_ms = str(get_settings().worker.worker_timeout_ms)
    os.environ["dramatiq_worker_timeout"] = timeout_ms  # noqa: SIM112 - dramatiq's own name
    argv = [
        sys.executable,
        "-m",
        "dramatiq",
        "actors.worker",
        "--processes",
        str(processes),
        "--threads",
        str(threads),
    ]
    os.execv(sys.executable, argv)  # noqa: S606


@cli.command()
def streams() -> None:
    """Run the Faust stream processors."""
    from streams.app import app

    sys.argv = ["esante-streams", "worker", "--loglevel", "info", "--without-web"]
    app.main()


@cli.command()
def scheduler() -> None:
    """Run the APScheduler process."""
    from scheduler.main import main as run

    run()


from config.demo_cli import seed_demo  # noqa: E402
from config.operations_cli import dead_letters, jobs, queues  # noqa: E402

cli.command()(queues)
cli.command("dead-letters")(dead_letters)
cli.command()(jobs)
cli.command("seed-demo")(seed_demo)

from config.accounts_cli import create_admin  # noqa: E402

cli.command("create-admin")(create_admin)


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
