"""`esante create-admin EMAIL --password ...` as an operator runs it."""

from __future__ import annotations

import subprocess
import sys

from tests.auth.support import new_email, patient_form, register_verified
from tests.support.processes import platform_env


def create_admin(settings, email: str, password: str) -> subprocess.CompletedProcess[str]:  # type: ignore[no-untyped-def]
    return subprocess.run(
        [sys.executable, "-m", "config.cli", "create-admin", email, "--password", password],
        env=platform_env(settings.mongo.db),
        capture_output=True,
        text=True,
        timeout=60,
    )


async def test_create_admin_makes_a_verified_admin_and_resets_it(client, settings) -> None:
    email = new_email("admin")
    done = create_admin(settings, email, "first admin secret")
    assert done.returncode == 0, done.stderr
    assert "created" in done.stdout
    login = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": "first admin secret"}
    )
    assert login.status_code == 200, login.text
    assert login.json()["user"]["role"] == "admin"
    assert login.json()["user"]["email_verified"] is True
    old_token = login.json()["access_token"]

    again = create_admin(settings, email.upper(), "second admin secret")
    assert again.returncode == 0, again.stderr
    assert "reset" in again.stdout
    stale = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": "first admin secret"}
    )
    assert stale.status_code == 401
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {old_token}"})
    assert me.status_code == 401
    fresh = await client.post(
        "/api/v1/auth/login", json={"email": email, "password": "second admin secret"}
    )
    assert fresh.status_code == 200


async def test_create_admin_promotes_an_existing_account(client, settings) -> None:
    form = patient_form()
    await register_verified(client, settings, form)
    done = create_admin(settings, form["email"], "promoted admin secret")
    assert done.returncode == 0, done.stderr
    login = await client.post(
        "/api/v1/auth/login", json={"email": form["email"], "password": "promoted admin secret"}
    )
    assert login.json()["user"]["role"] == "admin"


def test_create_admin_refuses_a_weak_password(settings) -> None:
    done = create_admin(settings, new_email("admin"), "short")
    assert done.returncode == 2
    assert "at least 8 characters" in done.stderr
