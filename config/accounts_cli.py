"""`esante create-admin`: the only way to make an admin account."""

from __future__ import annotations

import asyncio

import typer

from domain.shared.errors import InvalidInput


async def _create_admin(email: str, password: str) -> tuple[str, bool]:
    from config.settings import get_settings
    from domain.accounts import AccountsEnv
    from domain.accounts.administration import create_admin as create
    from domain.indexes import ensure_indexes
    from infra.resources import Resources

    resources = Resources.open(get_settings())
    try:
        await ensure_indexes(resources.db)
        user, created = await create(AccountsEnv.from_resources(resources), email, password)
        return user.id, created
    finally:
        await resources.close()


def create_admin(
    email: str = typer.Argument(..., help="The admin's email address."),
    password: str = typer.Option(
        ..., "--password", prompt=True, hide_input=True, help="At least 8 characters."
    ),
) -> None:
    """Create a verified admin, or reset an existing account to a verified admin."""
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        user_id, created = asyncio.run(_create_admin(email, password))
    except InvalidInput as exc:
        typer.echo(f"error: {exc.detail}", err=True)
        raise typer.Exit(2) from None
    verb = "created" if created else "reset"
    typer.echo(f"admin {email.strip().lower()} {verb} (id {user_id})")
