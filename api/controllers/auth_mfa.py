"""/api/v1/auth/mfa: the signed-in user turns two-factor sign-in (TOTP) on and off.

The second step of such a sign-in, `POST /api/v1/auth/mfa/verify`, is public and lives
with `/login` in the auth controller."""

from __future__ import annotations

from litestar import Controller, post

from actors.dispatch import DeferredJobQueue
from api.controllers.auth import AuthController
from api.controllers.auth_schemas import (
    MessageOut,
    MfaDisableIn,
    MfaEnableIn,
    MfaSetupOut,
    RecoveryCodesOut,
)
from api.openapi_problems import problems
from api.security import BEARER, authenticated
from domain.accounts import AccountsEnv, Principal, mfa
from domain.events import EventContext


class MfaController(Controller):
    # Every route is the signed-in user's own account (401 without a valid access token).
    path = "/api/v1/auth/mfa"
    tags = ["auth"]
    dependencies = AuthController.dependencies
    guards = [authenticated]
    security = BEARER

    @post(
        "/setup",
        status_code=200,
        summary="Start two-factor sign-in: a new TOTP secret, pending until confirmed",
        responses=problems(_409="already enabled; disable first"),
    )
    async def setup(self, current_user: Principal, accounts: AccountsEnv) -> MfaSetupOut:
        return MfaSetupOut.of(await mfa.setup(accounts, current_user))

    @post(
        "/enable",
        status_code=200,
        summary="Confirm the pending secret with a code; returns one-time recovery codes",
        responses=problems(
            _403="the session's sign-in is not recent: send current_password too",
            _409="no pending setup, or already enabled",
            _422="wrong or missing code, or wrong current password",
            _423="locked after repeated failures",
        ),
    )
    async def enable(
        self,
        data: MfaEnableIn,
        current_user: Principal,
        accounts: AccountsEnv,
        context: EventContext,
        jobs: DeferredJobQueue,
    ) -> RecoveryCodesOut:
        codes = await mfa.enable(accounts, jobs, current_user, data.code, context,
                                 current_password=data.current_password)  # fmt: skip
        return RecoveryCodesOut(recovery_codes=codes)

    @post(
        "/disable",
        status_code=200,
        summary="Turn two-factor sign-in off with the password and a code or recovery code",
        responses=problems(
            _409="two-factor sign-in is not enabled",
            _422="wrong current password or code",
            _423="locked after repeated failures",
        ),
    )
    async def disable(
        self,
        data: MfaDisableIn,
        current_user: Principal,
        accounts: AccountsEnv,
        context: EventContext,
        jobs: DeferredJobQueue,
    ) -> MessageOut:
        await mfa.disable(accounts, jobs, current_user, data.current_password, data.code, context)
        return MessageOut(message="Two-factor sign-in is off")
