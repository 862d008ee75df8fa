"""Verification and password reset through a real worker process and the SMTP sink."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from tests.auth.support import PASSWORD, new_email, patient_form, sign_in
from tests.support.jobs import jobs_run
from tests.support.mail import link_in, messages_to, token_in, wait_for_email
from tests.support.people import make_person

pytestmark = pytest.mark.e2e

NEW_PASSWORD = "a brand new secret 42"


async def mail_for(data_dir, email: str, count: int = 1):  # type: ignore[no-untyped-def]
    return await asyncio.to_thread(wait_for_email, data_dir, email, count=count)


async def auth_jobs_done(settings) -> None:  # type: ignore[no-untyped-def]
    """Every mail job sent so far has run: any email it was to send is in the sink."""
    assert await jobs_run(settings, "auth"), "mail jobs still waiting after 30 s"


async def test_registration_mails_a_single_use_verification_link(
    client, platform, data_dir
) -> None:
    platform.start("worker")
    form = patient_form()
    assert (await client.post("/api/v1/auth/register", json=form)).status_code == 201
    login = {"email": form["email"], "password": PASSWORD}
    assert (await client.post("/api/v1/auth/login", json=login)).status_code == 403

    message = await mail_for(data_dir, form["email"])
    assert link_in(message, "/verify-email").startswith("http://app.test/verify-email?token=")
    token = token_in(message, "/verify-email")

    verified = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert verified.status_code == 200
    assert verified.json()["email_verified"] is True
    assert (await client.post("/api/v1/auth/login", json=login)).status_code == 200

    again = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert again.status_code == 400
    assert again.headers["content-type"] == "application/problem+json"
    bogus = await client.post("/api/v1/auth/verify-email", json={"token": token[:-2] + "xx"})
    assert bogus.status_code == 400


async def test_resend_verification_is_202_for_any_address(
    client, platform, data_dir, settings
) -> None:
    platform.start("worker")
    form = patient_form()
    assert (await client.post("/api/v1/auth/register", json=form)).status_code == 201
    await mail_for(data_dir, form["email"])
    nobody = new_email("nobody")
    unknown = await client.post("/api/v1/auth/resend-verification", json={"email": nobody})
    known = await client.post("/api/v1/auth/resend-verification", json={"email": form["email"]})
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()

    second = await mail_for(data_dir, form["email"], count=2)
    first_token = token_in(messages_to(data_dir, form["email"])[0], "/verify-email")
    assert token_in(second, "/verify-email") != first_token
    await auth_jobs_done(settings)
    assert messages_to(data_dir, nobody) == []
    # Either link verifies; after that, both are spent.
    ok = await client.post("/api/v1/auth/verify-email", json={"token": first_token})
    assert ok.status_code == 200
    spent = await client.post(
        "/api/v1/auth/verify-email", json={"token": token_in(second, "/verify-email")}
    )
    assert spent.status_code == 400


async def test_password_reset_ends_every_session_and_old_access_tokens(
    client, platform, data_dir, settings
) -> None:
    from tests.auth.support import register_verified

    platform.start("worker")
    form = patient_form()
    await register_verified(client, settings, form)
    session = await sign_in(client, form["email"])
    for _ in range(3):  # a few failures do not survive the reset
        await client.post(
            "/api/v1/auth/login", json={"email": form["email"], "password": "wrong-wrong"}
        )

    nobody = new_email("nobody")
    unknown = await client.post("/api/v1/auth/forgot-password", json={"email": nobody})
    known = await client.post("/api/v1/auth/forgot-password", json={"email": form["email"]})
    assert unknown.status_code == known.status_code == 202
    assert unknown.json() == known.json()

    verification_mails = len(messages_to(data_dir, form["email"]))
    message = await mail_for(data_dir, form["email"], count=verification_mails + 1)
    assert "reset" in str(message["Subject"]).lower()
    assert link_in(message, "/reset-password").startswith("http://app.test/reset-password?token=")
    token = token_in(message, "/reset-password")

    weak = await client.post(
        "/api/v1/auth/reset-password", json={"token": token, "new_password": "short"}
    )
    assert weak.status_code == 422
    reset = await client.post(
        "/api/v1/auth/reset-password", json={"token": token, "new_password": NEW_PASSWORD}
    )
    assert reset.status_code == 200, reset.text

    assert (await client.get("/api/v1/auth/me", headers=session.headers)).status_code == 401
    stale = await client.post("/api/v1/auth/refresh", json={"refresh_token": session.refresh_token})
    assert stale.status_code == 401
    old = await client.post(
        "/api/v1/auth/login", json={"email": form["email"], "password": PASSWORD}
    )
    assert old.status_code == 401
    fresh = await sign_in(client, form["email"], NEW_PASSWORD)
    assert (await client.get("/api/v1/auth/me", headers=fresh.headers)).status_code == 200

    replay = await client.post(
        "/api/v1/auth/reset-password", json={"token": token, "new_password": "yet another one 7"}
    )
    assert replay.status_code == 400
    await auth_jobs_done(settings)
    assert messages_to(data_dir, nobody) == []


async def test_forgot_password_answers_as_fast_for_unknown_addresses(client, settings) -> None:
    from tests.auth.support import register_verified

    form = patient_form()
    await register_verified(client, settings, form)

    async def timed(email: str) -> float:
        started = time.perf_counter()
        response = await client.post("/api/v1/auth/forgot-password", json={"email": email})
        assert response.status_code == 202
        return time.perf_counter() - started

    known = sorted([await timed(form["email"]) for _ in range(7)])[3]
    unknown = sorted([await timed(new_email()) for _ in range(7)])[3]
    # Both only enqueue a job; neither reads the account.
    assert abs(known - unknown) < max(known, unknown) * 0.5 + 0.005


async def test_the_whole_journey_against_the_real_processes(platform, data_dir) -> None:
    """Sign-up to `me` through `esante web` and `esante worker`, as a client would."""
    import httpx

    web = await asyncio.to_thread(platform.start, "web")
    platform.start("worker")
    form = patient_form()
    async with httpx.AsyncClient(base_url=web.url, timeout=30) as http:
        created = await http.post("/api/v1/auth/register", json=form)
        assert created.status_code == 201, created.text
        duplicate = await http.post(
            "/api/v1/auth/register", json=patient_form(form["email"].upper())
        )
        assert duplicate.status_code == 409  # the unique index exists in a fresh database
        token = token_in(await mail_for(data_dir, form["email"]), "/verify-email")
        assert (await http.post("/api/v1/auth/verify-email", json={"token": token})).is_success
        login = await http.post(
            "/api/v1/auth/login", json={"email": form["email"], "password": PASSWORD}
        )
        assert login.status_code == 200
        me = await http.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {login.json()['access_token']}"}
        )
        assert me.json()["email"] == form["email"]
        assert me.json()["email_verified"] is True


async def test_repeated_requests_mail_an_address_once_per_cooldown(
    client, platform, data_dir, settings
) -> None:
    from tests.auth.support import register_verified

    verified = patient_form()
    await register_verified(client, settings, verified)  # its verification job will find
    platform.start("worker")  # the account verified already, and send nothing
    unverified = patient_form()
    assert (await client.post("/api/v1/auth/register", json=unverified)).status_code == 201
    await mail_for(data_dir, unverified["email"])
    sent_at_start = {verified["email"]: 0, unverified["email"]: 1}

    for email in (verified["email"], verified["email"].upper(), verified["email"]):
        response = await client.post("/api/v1/auth/forgot-password", json={"email": email})
        assert response.status_code == 202
    for email in (unverified["email"], unverified["email"].upper(), unverified["email"]):
        response = await client.post("/api/v1/auth/resend-verification", json={"email": email})
        assert response.status_code == 202

    for email, before in sent_at_start.items():
        await mail_for(data_dir, email, count=before + 1)
    await auth_jobs_done(settings)  # any further email has arrived by now
    for email, before in sent_at_start.items():
        assert len(messages_to(data_dir, email)) == before + 1, email


async def test_the_mail_cooldown_ends(settings) -> None:
    import redis.asyncio as aioredis

    from domain.accounts.mail_cooldown import claim

    redis = aioredis.Redis.from_url(settings.redis.url)
    try:
        assert await claim(redis, 1, "reset", "someone@example.com")
        assert not await claim(redis, 1, "reset", " SomeOne@example.com ")
        assert await claim(redis, 1, "verification", "someone@example.com")  # its own kind
        await asyncio.sleep(1.2)
        assert await claim(redis, 1, "reset", "someone@example.com")
        assert await claim(redis, 0, "reset", "someone@example.com")  # 0 turns it off
    finally:
        await redis.aclose()


@pytest.mark.parametrize("local", ["zoë", "ada"], ids=["accented-local-part", "ascii-local-part"])
async def test_an_internationalized_address_gets_its_link_and_signs_in(
    client, platform, data_dir, local: str
) -> None:
    """Sign-up takes addresses in any script. smtplib could not put an accented local part
    on the wire (the verification job failed on every retry, so the account could never be
    verified); it now goes with SMTPUTF8, which the relay offers. A non-ASCII domain goes
    in its ASCII form."""
    platform.start("worker")
    mailbox = f"{local}.{time.time_ns()}"
    form = patient_form(f"{mailbox}@exämple.org")
    assert (await client.post("/api/v1/auth/register", json=form)).status_code == 201

    message = await mail_for(data_dir, mailbox)
    verified = await client.post(
        "/api/v1/auth/verify-email", json={"token": token_in(message, "/verify-email")}
    )
    assert verified.status_code == 200, verified.text
    login = {"email": form["email"], "password": PASSWORD}
    assert (await client.post("/api/v1/auth/login", json=login)).status_code == 200


async def test_an_account_on_a_reserved_domain_can_reset_its_password(
    client, platform, data_dir, db, settings
) -> None:
    """Demo accounts and admins made by `esante create-admin` may live on a special-use domain
    (`.local`, `.test`), which sign-up refuses: asking for a reset still answers 202 and
    sends the link, as it answers 202 to anything typed."""
    platform.start("worker")
    email = f"amel.{uuid.uuid4().hex[:8]}@demo.esante.local"
    await make_person(db, settings, "patient", email=email)
    asked = await client.post("/api/v1/auth/forgot-password", json={"email": email})
    assert asked.status_code == 202, asked.text
    message = await mail_for(data_dir, email)
    assert link_in(message, "/reset-password").startswith("http://app.test/reset-password?token=")
    for typed in ("not an address", "someone@localhost"):
        for path in ("/api/v1/auth/forgot-password", "/api/v1/auth/resend-verification"):
            answer = await client.post(path, json={"email": typed})
            assert (answer.status_code, answer.json()) == (202, asked.json()), (path, typed)
