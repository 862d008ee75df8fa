"""Two-factor sign-in: /auth/mfa/setup, enable, verify and disable, and /auth/login on an
account that has it. Codes are computed with pyotp from the secret setup answered, as an
authenticator app would."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import parse_qs, unquote, urlparse

import pyotp
import pytest
from cryptography.fernet import Fernet
from pymongo import MongoClient

from domain.accounts.secret_box import PREFIX, SecretBox
from tests.auth.support import (
    PASSWORD,
    TwoFactor,
    enable_two_factor,
    mfa_token,
    sign_in,
    signed_in_user,
)
from tests.support.people import make_person

LOGIN = "/api/v1/auth/login"
ME = "/api/v1/auth/me"
SETUP = "/api/v1/auth/mfa/setup"
ENABLE = "/api/v1/auth/mfa/enable"
VERIFY = "/api/v1/auth/mfa/verify"
DISABLE = "/api/v1/auth/mfa/disable"
REFRESH = "/api/v1/auth/refresh"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def wrong_code(account: TwoFactor) -> str:
    """Six digits that are no code of any step near now."""
    now = pyotp.TOTP(account.secret).timecode(time.time())
    valid = {account.code(step) for step in range(now - 3, max(now, account.enabled_step) + 4)}
    return next(c for c in ("000000", "123456", "999999", "424242") if c not in valid)


def store_secret(settings, account: TwoFactor, value: str) -> None:
    """Put `value` in the account's stored TOTP secret, as a database edit would."""
    with MongoClient(settings.mongo.url) as mongo:
        mongo[settings.mongo.db].users.update_one(
            {"email": account.user.email}, {"$set": {"mfa_secret": value}}
        )


async def signs_in_with_a_code(client, account: TwoFactor) -> None:
    token = await mfa_token(client, account.user.email)
    verified = await client.post(VERIFY, json={"mfa_token": token, "code": account.next_code()})
    assert verified.status_code == 200, verified.text


def outbox(settings, event_type: str) -> list[dict]:
    with MongoClient(settings.mongo.url) as client:
        entries = client[settings.mongo.db].outbox.find({"event.type": event_type})
        return [entry["event"] for entry in entries]


async def test_sign_in_with_a_second_factor_from_setup_to_tokens(client, settings) -> None:
    user = await signed_in_user(client, settings)
    setup = await client.post(SETUP, headers=user.headers)
    assert setup.status_code == 200, setup.text
    uri = urlparse(setup.json()["otpauth_uri"])
    assert uri.scheme == "otpauth" and uri.netloc == "totp"
    assert unquote(uri.path) == f"/E-Santé:{user.email}"
    assert parse_qs(uri.query)["secret"] == [setup.json()["secret"]]
    assert parse_qs(uri.query)["issuer"] == ["E-Santé"]
    # Pending until confirmed: sign-in still gives tokens directly.
    assert (await sign_in(client, user.email)).access_token

    account = await enable_two_factor(client, user)
    assert len(account.recovery_codes) == 10 == len(set(account.recovery_codes))
    me = await client.get(ME, headers=user.headers)
    assert me.json()["mfa_enabled"] is True

    login = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD})
    assert login.status_code == 200, login.text
    challenge = login.json()
    assert set(challenge) == {"mfa_required", "mfa_token", "expires_in"}
    assert challenge["mfa_required"] is True and challenge["expires_in"] == 300

    code = account.next_code()
    verified = await client.post(VERIFY, json={"mfa_token": challenge["mfa_token"], "code": code})
    assert verified.status_code == 200, verified.text
    pair = verified.json()
    assert set(pair) == {"access_token", "refresh_token", "token_type", "expires_in", "user"}
    assert pair["token_type"] == "Bearer" and pair["user"]["id"] == user.id
    me = await client.get(ME, headers=bearer(pair["access_token"]))
    assert me.status_code == 200 and me.json()["mfa_enabled"] is True
    refresh = {"refresh_token": pair["refresh_token"]}
    refreshed = await client.post("/api/v1/auth/refresh", json=refresh)
    assert refreshed.status_code == 200

    # The code just accepted cannot be replayed, even on a new sign-in.
    replay = await client.post(
        VERIFY, json={"mfa_token": await mfa_token(client, user.email), "code": code}
    )
    assert replay.status_code == 401, replay.text
    assert replay.headers["content-type"] == "application/problem+json"
    succeeded = outbox(settings, "auth.login_succeeded")
    assert [e["data"].get("second_factor") for e in succeeded][-1] == "totp"


async def test_an_mfa_token_is_single_use(client, settings) -> None:
    account = await enable_two_factor(client, await signed_in_user(client, settings))
    token = await mfa_token(client, account.user.email)
    first = await client.post(VERIFY, json={"mfa_token": token, "code": account.next_code()})
    assert first.status_code == 200, first.text
    recovery = account.recovery_codes[0]
    again = await client.post(VERIFY, json={"mfa_token": token, "code": recovery})
    assert again.status_code == 401, again.text
    # The refused attempt used nothing up: the recovery code still signs in.
    fresh = await client.post(
        VERIFY, json={"mfa_token": await mfa_token(client, account.user.email), "code": recovery}
    )
    assert fresh.status_code == 200, fresh.text


async def test_a_wrong_code_leaves_the_mfa_token_usable(client, settings) -> None:
    account = await enable_two_factor(client, await signed_in_user(client, settings))
    token = await mfa_token(client, account.user.email)
    wrong = await client.post(VERIFY, json={"mfa_token": token, "code": wrong_code(account)})
    assert wrong.status_code == 401, wrong.text
    assert "code" in wrong.json()["detail"]
    right = await client.post(VERIFY, json={"mfa_token": token, "code": account.next_code()})
    assert right.status_code == 200, right.text
    failed = outbox(settings, "auth.mfa_failed")
    assert len(failed) == 1
    assert failed[0]["subject"] == {"type": "user", "id": account.user.id}
    assert failed[0]["context"]["outcome"] == "failure"
    assert failed[0]["data"]["reason"] == "wrong_code"


async def test_wrong_codes_lock_the_account_even_across_new_sign_ins(client, settings) -> None:
    account = await enable_two_factor(client, await signed_in_user(client, settings))
    email = account.user.email
    token = await mfa_token(client, email)
    for _ in range(3):
        wrong = await client.post(VERIFY, json={"mfa_token": token, "code": wrong_code(account)})
        assert wrong.status_code == 401, wrong.text
    # Signing in again with the password does not reset the count of wrong codes.
    token = await mfa_token(client, email)
    assert (
        await client.post(VERIFY, json={"mfa_token": token, "code": wrong_code(account)})
    ).status_code == 401
    locked = await client.post(VERIFY, json={"mfa_token": token, "code": wrong_code(account)})
    assert locked.status_code == 423, locked.text
    assert int(locked.headers["retry-after"]) > 0
    # Locked: neither the right code nor the right password gets in.
    right = await client.post(VERIFY, json={"mfa_token": token, "code": account.next_code()})
    assert right.status_code == 423, right.text
    login = await client.post(LOGIN, json={"email": email, "password": PASSWORD})
    assert login.status_code == 423, login.text
    assert [e["type"] for e in outbox(settings, "auth.locked_out")] == ["auth.locked_out"]


async def test_a_recovery_code_signs_in_once(client, settings) -> None:
    account = await enable_two_factor(client, await signed_in_user(client, settings))
    email = account.user.email
    code = account.recovery_codes[3]
    typed = code.upper().replace("-", " ")  # as someone might type it
    first = await client.post(VERIFY, json={"mfa_token": await mfa_token(client, email),
                                            "code": typed})  # fmt: skip
    assert first.status_code == 200, first.text
    assert (await client.get(ME, headers=bearer(first.json()["access_token"]))).status_code == 200
    second = await client.post(VERIFY, json={"mfa_token": await mfa_token(client, email),
                                             "code": code})  # fmt: skip
    assert second.status_code == 401, second.text
    other = await client.post(VERIFY, json={"mfa_token": await mfa_token(client, email),
                                            "code": account.recovery_codes[4]})  # fmt: skip
    assert other.status_code == 200, other.text


@pytest.fixture
def short_mfa_tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MFA_TOKEN_SECONDS", "1")


async def test_an_expired_mfa_token_is_refused(short_mfa_tokens, client, settings) -> None:
    account = await enable_two_factor(client, await signed_in_user(client, settings))
    login = await client.post(LOGIN, json={"email": account.user.email, "password": PASSWORD})
    assert login.json()["expires_in"] == 1
    await asyncio.sleep(1.5)
    code = account.next_code()
    late = await client.post(VERIFY, json={"mfa_token": login.json()["mfa_token"], "code": code})
    assert late.status_code == 401, late.text
    # The code was not used up by the refusal: a new sign-in takes it.
    token = await mfa_token(client, account.user.email)
    assert (await client.post(VERIFY, json={"mfa_token": token, "code": code})).status_code == 200


@pytest.mark.parametrize(
    ("token", "status"), [("", 422), ("made-up-token", 401), ("x" * 512, 401), ("x" * 513, 422)]
)
async def test_a_forged_mfa_token_is_refused(client, settings, token: str, status: int) -> None:
    account = await enable_two_factor(client, await signed_in_user(client, settings))
    response = await client.post(VERIFY, json={"mfa_token": token, "code": account.next_code()})
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_enable_needs_the_right_code_and_a_setup(client, settings) -> None:
    user = await signed_in_user(client, settings)
    no_setup = await client.post(ENABLE, json={"code": "123456"}, headers=user.headers)
    assert no_setup.status_code == 409, no_setup.text
    first = (await client.post(SETUP, headers=user.headers)).json()["secret"]
    second = (await client.post(SETUP, headers=user.headers)).json()["secret"]
    assert first != second
    now = time.time()
    for body in ({"code": pyotp.TOTP(first).at(now)}, {"code": "12ab56"}, {}, {"code": ""}):
        refused = await client.post(ENABLE, json=body, headers=user.headers)
        assert refused.status_code in (400, 422), refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert [e["field"] for e in refused.json()["errors"]] == ["code"], refused.text
    # Still off: the account signs in with its password alone.
    assert (await client.get(ME, headers=user.headers)).json()["mfa_enabled"] is False
    assert (await sign_in(client, user.email)).access_token
    # The replacing secret is the one that counts.
    enabled = await client.post(
        ENABLE, json={"code": pyotp.TOTP(second).at(now)}, headers=user.headers
    )
    assert enabled.status_code == 200, enabled.text


async def test_enabling_ends_the_other_sessions_and_keeps_this_one(client, settings) -> None:
    here = await signed_in_user(client, settings)
    elsewhere = await sign_in(client, here.email)  # the same account on another device
    assert (await client.get(ME, headers=elsewhere.headers)).status_code == 200
    account = await enable_two_factor(client, here)

    # The other device signed in with the password alone: out, access and refresh.
    assert (await client.get(ME, headers=elsewhere.headers)).status_code == 401
    stale = await client.post(REFRESH, json={"refresh_token": elsewhere.refresh_token})
    assert stale.status_code == 401, stale.text
    # The device that turned it on stays signed in, and its session goes on refreshing.
    assert (await client.get(ME, headers=here.headers)).status_code == 200
    renewed = await client.post(REFRESH, json={"refresh_token": here.refresh_token})
    assert renewed.status_code == 200, renewed.text
    # Signing in again on the other device now takes a code.
    token = await mfa_token(client, here.email)
    verified = await client.post(VERIFY, json={"mfa_token": token, "code": account.next_code()})
    assert verified.status_code == 200, verified.text
    [event] = [e for e in outbox(settings, "auth.mfa_enabled") if e["actor"]["id"] == here.id]
    assert event["data"]["other_sessions_ended"] == 1


async def test_setup_and_enable_refuse_when_already_on(client, settings) -> None:
    account = await enable_two_factor(client, await signed_in_user(client, settings))
    headers = account.user.headers
    setup = await client.post(SETUP, headers=headers)
    assert setup.status_code == 409, setup.text
    assert "secret" not in setup.text
    upcoming = account.code(account.enabled_step + 1)
    again = await client.post(ENABLE, json={"code": upcoming}, headers=headers)
    assert again.status_code == 409, again.text
    # The secret in use was not replaced.
    token = await mfa_token(client, account.user.email)
    assert (
        await client.post(VERIFY, json={"mfa_token": token, "code": account.next_code()})
    ).status_code == 200


async def test_disable_takes_the_password_and_a_code(client, settings) -> None:
    account = await enable_two_factor(client, await signed_in_user(client, settings))
    headers = account.user.headers
    wrong_password = await client.post(
        DISABLE, json={"current_password": "not it at all", "code": account.code(
            account.enabled_step + 1)}, headers=headers,
    )  # fmt: skip
    assert wrong_password.status_code == 422, wrong_password.text
    assert wrong_password.json()["errors"][0]["field"] == "current_password"
    bad_code = await client.post(
        DISABLE, json={"current_password": PASSWORD, "code": wrong_code(account)}, headers=headers
    )
    assert bad_code.status_code == 422, bad_code.text
    assert bad_code.json()["errors"][0]["field"] == "code"
    assert (await client.get(ME, headers=headers)).json()["mfa_enabled"] is True

    off = await client.post(
        DISABLE, json={"current_password": PASSWORD, "code": account.next_code()}, headers=headers
    )
    assert off.status_code == 200, off.text
    assert (await client.get(ME, headers=headers)).json()["mfa_enabled"] is False
    assert (await sign_in(client, account.user.email)).access_token  # tokens directly
    with MongoClient(settings.mongo.url) as mongo:
        db = mongo[settings.mongo.db]
        doc = db.users.find_one({"email": account.user.email})
        assert (doc["mfa_secret"], doc["mfa_pending_secret"]) == (None, None)
        assert db.mfa_recovery_codes.count_documents({"user_id": account.user.id}) == 0
    again = await client.post(
        DISABLE, json={"current_password": PASSWORD, "code": "123456"}, headers=headers
    )
    assert again.status_code == 409, again.text
    assert [e["data"]["second_factor"] for e in outbox(settings, "auth.mfa_disabled")] == ["totp"]
    assert [e["data"]["stage"] for e in outbox(settings, "auth.mfa_failed")] == ["disable"]


async def test_a_recovery_code_can_turn_it_off(client, settings) -> None:
    account = await enable_two_factor(client, await signed_in_user(client, settings))
    off = await client.post(
        DISABLE,
        json={"current_password": PASSWORD, "code": account.recovery_codes[0]},
        headers=account.user.headers,
    )
    assert off.status_code == 200, off.text


async def test_changing_the_password_keeps_the_second_factor(client, settings) -> None:
    account = await enable_two_factor(client, await signed_in_user(client, settings))
    changed = await client.post(
        "/api/v1/auth/change-password",
        json={"current_password": PASSWORD, "new_password": "another long secret 9"},
        headers=account.user.headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["user"]["mfa_enabled"] is True
    token = await mfa_token(client, account.user.email, "another long secret 9")
    verified = await client.post(VERIFY, json={"mfa_token": token, "code": account.next_code()})
    assert verified.status_code == 200, verified.text


async def test_a_password_change_voids_a_pending_second_step(client, settings) -> None:
    account = await enable_two_factor(client, await signed_in_user(client, settings))
    token = await mfa_token(client, account.user.email)
    changed = await client.post(
        "/api/v1/auth/change-password",
        json={"current_password": PASSWORD, "new_password": "another long secret 9"},
        headers=account.user.headers,
    )
    assert changed.status_code == 200, changed.text
    late = await client.post(VERIFY, json={"mfa_token": token, "code": account.next_code()})
    assert late.status_code == 401, late.text


async def test_the_secret_and_recovery_codes_are_not_stored_or_shown_in_clear(
    client, settings
) -> None:
    account = await enable_two_factor(client, await signed_in_user(client, settings))
    me = await client.get(ME, headers=account.user.headers)
    assert account.secret not in me.text
    with MongoClient(settings.mongo.url) as mongo:
        db = mongo[settings.mongo.db]
        user_doc = db.users.find_one({"email": account.user.email})
        assert user_doc["mfa_secret"].startswith(PREFIX)  # sealed under MFA_SECRET_KEYS
        assert account.secret not in str(user_doc)
        stored = [str(doc) for doc in db.mfa_recovery_codes.find({"user_id": account.user.id})]
        assert len(stored) == 10
        for code in account.recovery_codes:
            assert not any(code in doc or code.replace("-", "") in doc for doc in stored)
        outbox_text = str(list(db.outbox.find()))
    assert account.secret not in outbox_text
    assert not any(code in outbox_text for code in account.recovery_codes)


async def test_a_secret_stored_before_sealing_still_signs_in(client, settings) -> None:
    account = await enable_two_factor(client, await signed_in_user(client, settings))
    store_secret(settings, account, account.secret)
    await signs_in_with_a_code(client, account)


async def test_the_routes_need_a_signed_in_user(client) -> None:
    for path, body in ((SETUP, None), (ENABLE, {"code": "123456"}),
                       (DISABLE, {"current_password": PASSWORD, "code": "123456"})):  # fmt: skip
        response = await client.post(path, json=body)
        assert response.status_code == 401, (path, response.text)


@pytest.mark.e2e
async def test_two_factor_changes_and_wrong_codes_reach_security_events(
    client, db, settings, platform
) -> None:
    admin = await make_person(db, settings, "admin")
    platform.start("streams")
    account = await enable_two_factor(client, await signed_in_user(client, settings))
    token = await mfa_token(client, account.user.email)
    wrong = await client.post(VERIFY, json={"mfa_token": token, "code": wrong_code(account)})
    assert wrong.status_code == 401
    off = await client.post(
        DISABLE,
        json={"current_password": PASSWORD, "code": account.recovery_codes[0]},
        headers=account.user.headers,
    )
    assert off.status_code == 200, off.text
    expected = {"auth.mfa_enabled", "auth.mfa_failed", "auth.mfa_disabled"}
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        page = await client.get("/api/v1/admin/security-events", headers=admin.headers)
        items = [i for i in page.json()["items"] if i["event_type"] in expected]
        notes = await client.get("/api/v1/notifications", headers=account.user.headers)
        alerts = [n for n in notes.json()["items"] if n["category"] == "security"]
        # The owner is told when it is turned on and off (a wrong code alone tells nobody).
        if {i["event_type"] for i in items} == expected and len(alerts) == 2:
            break
        await asyncio.sleep(0.5)
    else:
        raise AssertionError(platform.processes[0].log()[-3000:])
    by_type = {i["event_type"]: i for i in items}
    assert {i["resource_id"] for i in items} == {account.user.id}
    assert by_type["auth.mfa_failed"]["outcome"] == "failure"
    assert by_type["auth.mfa_enabled"]["outcome"] == "success"
    assert by_type["auth.mfa_disabled"]["action"] == "U"


async def test_a_secret_no_key_opens_is_a_503_not_a_wrong_code(client, settings) -> None:
    account = await enable_two_factor(client, await signed_in_user(client, settings))
    sealed_elsewhere = SecretBox((Fernet.generate_key().decode(),)).seal(account.secret)
    store_secret(settings, account, sealed_elsewhere)
    for _ in range(settings.auth.lockout_threshold + 1):
        token = await mfa_token(client, account.user.email)
        answer = await client.post(VERIFY, json={"mfa_token": token, "code": "123456"})
        assert answer.status_code == 503, answer.text
    # Not counted as wrong codes: once the key is back, the user is not locked out.
    store_secret(settings, account, account.secret)
    await signs_in_with_a_code(client, account)
