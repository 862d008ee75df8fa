"""What the email jobs decide: who gets a link, and that a retried job sends the same one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pymongo import MongoClient

from domain.accounts import AccountsEnv
from domain.accounts.administration import set_active
from domain.accounts.mails import password_reset_email, verification_email
from infra.resources import Resources
from tests.auth.support import new_email, patient_form, register_verified


@pytest.fixture
async def accounts(settings):  # type: ignore[no-untyped-def]
    resources = Resources.open(settings)
    yield AccountsEnv.from_resources(resources)
    await resources.close()


async def test_a_retried_job_mails_the_same_link_and_stores_only_its_hash(
    client, settings, accounts
) -> None:
    form = patient_form()
    user_id = (await client.post("/api/v1/auth/register", json=form)).json()["id"]
    first = await verification_email(accounts, job_id="job-1", user_id=user_id)
    retry = await verification_email(accounts, job_id="job-1", user_id=user_id)
    other = await verification_email(accounts, job_id="job-2", user_id=user_id)
    assert first is not None and retry is not None and other is not None
    assert first.to == form["email"]
    assert first.text == retry.text and first.text != other.text
    token = first.text.split("token=")[1].split()[0]
    with MongoClient(settings.mongo.url) as mongo:
        db = mongo[settings.mongo.db]
        stored = list(db.one_time_tokens.find({"user_id": user_id}))
        assert len(stored) == 2
        assert token not in str(stored)
        assert token not in str(list(db.outbox.find()))

    assert (
        await client.post("/api/v1/auth/verify-email", json={"token": token})
    ).status_code == 200
    # Once the address is verified, no job mails a link any more, not even a retry.
    assert await verification_email(accounts, job_id="job-1", user_id=user_id) is None
    assert await verification_email(accounts, job_id="job-3", email=form["email"]) is None


async def test_no_link_for_unknown_or_deactivated_accounts(client, settings, accounts) -> None:
    assert await verification_email(accounts, job_id="j", email=new_email()) is None
    assert await password_reset_email(accounts, job_id="j", email=new_email()) is None
    form = patient_form()
    user_id = await register_verified(client, settings, form)
    assert await password_reset_email(accounts, job_id="k", email=form["email"]) is not None
    await set_active(accounts, user_id, False)
    assert await password_reset_email(accounts, job_id="l", email=form["email"]) is None


async def test_a_reset_link_expires(client, settings, accounts) -> None:
    form = patient_form()
    await register_verified(client, settings, form)
    mail = await password_reset_email(accounts, job_id="r", email=form["email"])
    assert mail is not None
    token = mail.text.split("token=")[1].split()[0]
    with MongoClient(settings.mongo.url, tz_aware=True) as mongo:
        tokens = mongo[settings.mongo.db].one_time_tokens
        stored = tokens.find_one({"purpose": "reset_password"})
        tokens.delete_one({"_id": stored["_id"]})
        tokens.insert_one(stored | {"expires_at": datetime.now(UTC) - timedelta(seconds=1)})
    response = await client.post(
        "/api/v1/auth/reset-password", json={"token": token, "new_password": "fresh secret 77"}
    )
    assert response.status_code == 400
