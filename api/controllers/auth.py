"""/api/v1/auth: registration, verification, sign-in (with its second step when two-factor
sign-in is on), token refresh, passwords, `me`."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import Provide

from actors.dispatch import DeferredJobQueue
from api.controllers.auth_schemas import (
    ChangePasswordIn,
    EmailIn,
    LoginIn,
    MessageOut,
    MfaChallengeOut,
    MfaVerifyIn,
    RefreshIn,
    RegisteredOut,
    RegisterIn,
    ResetPasswordIn,
    TokenIn,
    TokenPairOut,
    UserOut,
)
from api.controllers.providers import provide_event_context
from api.openapi_problems import problems
from api.security import BEARER, authenticated
from domain.accounts import (
    AccountsEnv,
    Principal,
    credentials,
    mfa_sign_in,
    registration,
    sessions,
    verification,
)
from domain.accounts.login import login as sign_in
from domain.accounts.models import MfaChallenge
from domain.accounts.repository import get_user
from domain.events import EventContext
from domain.shared.errors import Unauthenticated
from infra.resources import Resources

EMAIL_ON_ITS_WAY = "If an account exists for this address, an email is on its way"


def provide_accounts(resources: Resources) -> AccountsEnv:
    return AccountsEnv.from_resources(resources)


class AuthController(Controller):
    path = "/api/v1/auth"
    tags = ["auth"]
    dependencies = {
        "accounts": Provide(provide_accounts, sync_to_thread=False),
        "context": Provide(provide_event_context, sync_to_thread=False),
    }

    @post(
        "/register",
        status_code=201,
        summary="Create a patient or doctor account",
        responses=problems(_409="an account with this email exists", _422="invalid fields"),
    )
    async def register(
        self,
        data: RegisterIn,
        accounts: AccountsEnv,
        jobs: DeferredJobQueue,
        context: EventContext,
    ) -> RegisteredOut:
        user = await registration.register(accounts, data.form(), jobs, context)
        return RegisteredOut.of(user)

    @post(
        "/verify-email",
        status_code=200,
        summary="Confirm an email address with its token",
        responses=problems(_400="the token is unknown, used or expired"),
    )
    async def verify_email(
        self, data: TokenIn, accounts: AccountsEnv, context: EventContext
    ) -> UserOut:
        return UserOut.of(await verification.verify_email(accounts, data.token, context))

    @post("/resend-verification", status_code=202, summary="Send the verification email again")
    async def resend_verification(
        self, data: EmailIn, jobs: DeferredJobQueue, accounts: AccountsEnv
    ) -> MessageOut:
        await verification.resend_verification(accounts, jobs, str(data.email))
        return MessageOut(message=EMAIL_ON_ITS_WAY)

    @post(
        "/login",
        status_code=200,
        summary=(
            "Sign in; returns an access and a refresh token, or, with two-factor sign-in, "
            "an mfa_token for POST /auth/mfa/verify"
        ),
        responses=problems(
            _401="wrong email or password",
            _403="email not verified, or account deactivated",
            _423="locked after repeated failures",
        ),
    )
    async def login(
        self, data: LoginIn, accounts: AccountsEnv, context: EventContext
    ) -> TokenPairOut | MfaChallengeOut:
        outcome = await sign_in(accounts, data.email, data.password, context)
        if isinstance(outcome, MfaChallenge):
            return MfaChallengeOut.of(outcome)
        return TokenPairOut.of(outcome)

    @post(
        "/mfa/verify",
        status_code=200,
        summary="Second step of sign-in: the mfa_token and a code give the token pair",
        responses=problems(
            _401="unknown, expired or used mfa_token, or a wrong or already used code",
            _423="locked after repeated failures",
        ),
    )
    async def mfa_verify(
        self, data: MfaVerifyIn, accounts: AccountsEnv, context: EventContext
    ) -> TokenPairOut:
        pair = await mfa_sign_in.verify(accounts, data.mfa_token, data.code, context)
        return TokenPairOut.of(pair)

    @post(
        "/refresh",
        status_code=200,
        summary="Trade a refresh token for a new token pair",
        responses=problems(_401="invalid, expired, spent or revoked refresh token"),
    )
    async def refresh(
        self, data: RefreshIn, accounts: AccountsEnv, context: EventContext
    ) -> TokenPairOut:
        return TokenPairOut.of(await sessions.refresh(accounts, data.refresh_token, context))

    @post("/logout", status_code=204, summary="End the session of a refresh token")
    async def logout(self, data: RefreshIn, accounts: AccountsEnv, context: EventContext) -> None:
        await sessions.logout(accounts, data.refresh_token, context)

    @post("/forgot-password", status_code=202, summary="Email a password reset link")
    async def forgot_password(
        self, data: EmailIn, jobs: DeferredJobQueue, accounts: AccountsEnv
    ) -> MessageOut:
        await credentials.request_reset(accounts, jobs, str(data.email))
        return MessageOut(message=EMAIL_ON_ITS_WAY)

    @post(
        "/reset-password",
        status_code=200,
        summary="Set a new password with a reset token",
        responses=problems(_400="the token is unknown, used or expired", _422="weak password"),
    )
    async def reset_password(
        self, data: ResetPasswordIn, accounts: AccountsEnv, context: EventContext
    ) -> MessageOut:
        await credentials.reset_password(accounts, data.token, data.new_password, context)
        return MessageOut(message="Password changed; every session was signed out")

    @post(
        "/change-password",
        status_code=200,
        guards=[authenticated],
        security=BEARER,
        summary="Change the password; other sessions end, a new token pair is returned",
        responses=problems(
            _401="no or bad access token",
            _422="wrong current password or weak new password",
            _423="locked after repeated failures",
        ),
    )
    async def change_password(
        self,
        data: ChangePasswordIn,
        current_user: Principal,
        accounts: AccountsEnv,
        context: EventContext,
    ) -> TokenPairOut:
        pair = await credentials.change_password(
            accounts, current_user, data.current_password, data.new_password, context
        )
        return TokenPairOut.of(pair)

    @get(
        "/me",
        guards=[authenticated],
        security=BEARER,
        summary="The signed-in user",
        responses=problems(_401="no or bad access token"),
    )
    async def me(self, current_user: Principal, accounts: AccountsEnv) -> UserOut:
        user = await get_user(accounts.db, current_user.user_id)
        if user is None or not user.active:
            raise Unauthenticated("The access token is invalid or has expired")
        return UserOut.of(user)
