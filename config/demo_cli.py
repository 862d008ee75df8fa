"""`esante seed-demo`: demo accounts and activity, with a progress bar; safe to rerun."""

from __future__ import annotations

import asyncio

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from config.settings import get_settings
from infra.resources import Resources

console = Console(stderr=True)


def seed_demo(
    doctors: int = typer.Option(50, min=1, max=1000, help="How many doctors."),
    patients: int = typer.Option(200, min=1, max=10000, help="How many patients."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Load demo doctors with clinics and availability, patients, appointments,
    consultations and messages. Running it again changes nothing."""
    from domain.demo.seed import DEMO_PASSWORD
    from domain.demo.seed import seed_demo as run_seed
    from domain.indexes import ensure_indexes

    settings = get_settings()

    async def run(progress: Progress | None) -> object:
        resources = Resources.open(settings)
        tasks: dict[str, TaskID] = {}

        def report(stage: str, done: int, total: int) -> None:
            if progress is None:
                return
            if stage not in tasks:
                tasks[stage] = progress.add_task(stage, total=total)
            progress.update(tasks[stage], completed=done)

        try:
            await ensure_indexes(resources.db)
            return await run_seed(
                resources.mongo, resources.db, doctors=doctors, patients=patients,
                bcrypt_rounds=settings.auth.bcrypt_rounds,
                edit_seconds=settings.medical.prescription_edit_seconds, progress=report,
            )  # fmt: skip
        finally:
            await resources.close()

    if quiet:
        result = asyncio.run(run(None))
    else:
        columns = (TextColumn("{task.description:<13}"), BarColumn(), MofNCompleteColumn())
        with Progress(*columns, console=console) as progress:
            result = asyncio.run(run(progress))
    created = getattr(result, "created", {})
    console.print("created: " + (", ".join(f"{v} {k}" for k, v in created.items()) or "nothing "
                                 "(already seeded)"))  # fmt: skip
    table = Table(title=f"Demo accounts (password: {DEMO_PASSWORD})")
    table.add_column("role")
    table.add_column("email")
    for role, email in getattr(result, "accounts", []):
        table.add_row(role, email)
    console.print(table)
