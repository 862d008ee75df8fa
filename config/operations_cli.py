"""Operator commands: queue depths, dead letters, scheduler jobs (`esante queues` ...)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import typer
from redis.asyncio import Redis
from rich.console import Console
from rich.table import Table

from actors.inspection import QueueInspector
from config.settings import get_settings
from infra.redis import create_redis

T = TypeVar("T")
console = Console()


def _with_redis(use: Callable[[Redis], Awaitable[T]]) -> T:
    async def run() -> T:
        client = create_redis(get_settings().redis)
        try:
            return await use(client)
        finally:
            await client.aclose()

    return asyncio.run(run())


def _inspector(client: Redis) -> QueueInspector:
    return QueueInspector(client, get_settings().worker.namespace)


def _declared_queues() -> set[str]:
    from actors.broker import configure_broker

    broker = configure_broker(get_settings())
    import actors.registry  # noqa: F401

    return set(broker.get_declared_queues())


def queues() -> None:
    """Dramatiq queues with ready, delayed, in-flight and dead counts."""
    declared = _declared_queues()
    depths = _with_redis(lambda client: _inspector(client).depths(declared))
    table = Table("queue", "ready", "delayed", "in flight", "dead")
    for d in depths:
        table.add_row(d.name, str(d.ready), str(d.delayed), str(d.in_flight), str(d.dead))
    console.print(table)


def dead_letters(
    queue: str = typer.Argument(..., help="Queue name, e.g. notifications"),
    limit: int = typer.Option(20, min=1, max=500),
    retry: str | None = typer.Option(None, help="Requeue the dead letter with this id."),
    delete: str | None = typer.Option(None, help="Delete the dead letter with this id."),
) -> None:
    """List a queue's dead letters, or requeue / delete one."""
    _declared_queues()
    if retry or delete:
        message_id = retry or delete or ""
        action = "requeue" if retry else "delete"

        async def act(client: Redis) -> bool:
            inspector = _inspector(client)
            if retry:
                return bool(await inspector.requeue(queue, message_id))
            return bool(await inspector.delete(queue, message_id))

        if not _with_redis(act):
            console.print(f"[red]no dead letter {message_id} in {queue}[/]")
            raise typer.Exit(1)
        console.print(f"{action}d {message_id}")
        return
    total, letters = _with_redis(lambda client: _inspector(client).dead_letters(queue, 0, limit))
    table = Table("id", "actor", "arguments", "retries", "dead at", "last error",
                  title=f"{queue}: {total} dead")  # fmt: skip
    for letter in letters:
        # Some actors are sent positional ids (`lock_prescription.send(id)`): show both kinds.
        arguments = [repr(a) for a in letter.args] + [
            f"{k}={v!r}" for k, v in letter.kwargs.items()
        ]
        table.add_row(letter.message_id, letter.actor, ", ".join(arguments), str(letter.retries),
                      letter.dead_at.isoformat(timespec="seconds"),
                      letter.last_error or "")  # fmt: skip
    console.print(table)


def jobs() -> None:
    """Scheduler jobs with their next run time and last result."""
    from scheduler.inspection import scheduled_jobs

    rows = _with_redis(scheduled_jobs)
    table = Table("job", "trigger", "next run", "last run", "last result")
    for job in rows:
        table.add_row(job.id, job.trigger, job.next_run_time or "-",
                      job.last_run_at.isoformat(timespec="seconds") if job.last_run_at else "-",
                      job.last_result or "-")  # fmt: skip
    console.print(table)
    if not rows:
        console.print("no scheduler has published its jobs yet (is `esante scheduler` running?)")
