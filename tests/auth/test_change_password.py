"""POST /auth/change-password."""

from __future__ import annotations

from tests.auth.support import PASSWORD, sign_in, signed_in_user

CHANGE = "/api/v1/auth/change-password"
NEW = "another long secret 9"


async def test_change_password_keeps_the_caller_signed_in_and_ends_the_rest(
    client, settings
) -> None:
    user = await signed_in_user(client, settings)
    elsewhere = await sign_in(client, user.email)
    response = await client.post(
        CHANGE, json={"current_password": PASSWORD, "new_password": NEW}, headers=user.headers
    )
    assert response.status_code == 200, response.text
    fresh = response.json()
    assert (
        await client.get(
            "/api/v1/auth/me", headers={"Authorization": f"Bearer {fresh['access_token']}"}
        )
    ).status_code == 200
    for old in (user, elsewhere):
        assert (await client.get("/api/v1/auth/me", headers=old.headers)).status_code == 401
        refreshed = await client.post(
            "/api/v1/auth/refresh", json={"refresh_token": old.refresh_token}
        )
        assert refreshed.status_code == 401
    again = await client.post(
        "/api/v1/auth/refresh", json={"refresh_token": fresh["refresh_token"]}
    )
    assert again.status_code == 200
    old_login = await client.post(
        "/api/v1/auth/login", json={"email": user.email, "password": PASSWORD}
    )
    assert old_login.status_code == 401
    assert (await sign_in(client, user.email, NEW)).access_token


async def test_change_password_checks_the_current_one_and_the_rules(client, settings) -> None:
    user = await signed_in_user(client, settings)
    wrong = await client.post(
        CHANGE,
        json={"current_password": "not it at all", "new_password": NEW},
        headers=user.headers,
    )
    assert wrong.status_code == 422
    assert wrong.json()["errors"][0]["field"] == "current_password"
    too_long = await client.post(
        CHANGE,
        json={"current_password": PASSWORD, "new_password": "ü" * 40},
        headers=user.headers,
    )
    assert too_long.status_code == 422
    assert too_long.json()["errors"][0]["field"] == "new_password"
    same = await client.post(
        CHANGE, json={"current_password": PASSWORD, "new_password": PASSWORD}, headers=user.headers
    )
    assert same.status_code == 422
    # Nothing changed: the old password still works.
    assert (await sign_in(client, user.email)).access_token


async def test_change_password_needs_a_token(client) -> None:
    response = await client.post(CHANGE, json={"current_password": PASSWORD, "new_password": NEW})
    assert response.status_code == 401
