"""A doctor is listed only once their email is verified: a just-registered account (which
cannot even sign in) was in the search, its profile and slots were public."""

from config.settings import Settings
from tests.auth.support import doctor_form, verification_token


async def test_a_doctor_is_public_only_once_their_email_is_verified(
    client, settings: Settings
) -> None:
    form = doctor_form(last_name="Unverifiedson")
    created = await client.post("/api/v1/auth/register", json=form)
    assert created.status_code == 201, created.text
    doctor_id = created.json()["id"]

    async def listed() -> list[str]:
        found = await client.get("/api/v1/doctors", params={"q": "Unverifiedson"})
        assert found.status_code == 200, found.text
        return [item["id"] for item in found.json()["items"]]

    assert await listed() == []
    assert (await client.get(f"/api/v1/doctors/{doctor_id}")).status_code == 404
    assert (await client.get(f"/api/v1/doctors/{doctor_id}/slots")).status_code == 404

    token = await verification_token(settings, doctor_id)
    verified = await client.post("/api/v1/auth/verify-email", json={"token": token})
    assert verified.status_code == 200, verified.text
    assert await listed() == [doctor_id]
    assert (await client.get(f"/api/v1/doctors/{doctor_id}")).status_code == 200
    assert (await client.get(f"/api/v1/doctors/{doctor_id}/slots")).status_code == 200
