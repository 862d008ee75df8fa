"""Request and response bodies of /api/v1/auth."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, PlainSerializer

from domain.accounts import TokenPair, User
from domain.accounts.mfa import Enrolment
from domain.accounts.models import MfaChallenge
from domain.accounts.registration import Registration


def _iso_z(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


UtcDateTime = Annotated[datetime, PlainSerializer(_iso_z, return_type=str)]
# Long enough for any acceptable password; the 72-byte rule is checked with a clear message.
Password = Annotated[str, Field(max_length=1024)]
Name = Annotated[str, Field(min_length=1, max_length=100)]
SecondFactorCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        description="the 6 digits the authenticator app shows, or an unused recovery code",
    ),
]


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)


class RegisterIn(_In):
    email: EmailStr
    password: Password
    role: Literal["patient", "doctor"]
    first_name: Name
    last_name: Name
    phone: str | None = Field(None, max_length=32)
    specialty: str | None = Field(None, max_length=64, description="doctors: a specialty code")
    license_number: str | None = Field(None, max_length=64, description="doctors only")

    def form(self) -> Registration:
        return Registration(**self.model_dump())


class EmailIn(_In):
    # Any address, as at sign-in: these answer 202 whatever is typed, so that an account
    # made outside sign-up (an admin, demo data on a reserved domain) can still be reset.
    email: str = Field(min_length=1, max_length=320)


class TokenIn(_In):
    token: str = Field(min_length=1, max_length=512)


class LoginIn(_In):
    email: str = Field(min_length=1, max_length=320)
    password: Password


class RefreshIn(_In):
    refresh_token: str = Field(min_length=1, max_length=512)


class ResetPasswordIn(_In):
    token: str = Field(min_length=1, max_length=512)
    new_password: Password


class ChangePasswordIn(_In):
    current_password: Password
    new_password: Password


class MfaCodeIn(_In):
    code: str = Field(
        min_length=1, max_length=64, description="the 6 digits the authenticator app shows"
    )


class MfaEnableIn(MfaCodeIn):
    current_password: Password | None = Field(
        None,
        description=(
            "required once the session's sign-in is older than "
            "MFA_ENABLE_RECENT_SIGN_IN_MINUTES (else 403); checked like a sign-in when given"
        ),
    )


class MfaDisableIn(_In):
    current_password: Password
    code: SecondFactorCode


class MfaVerifyIn(_In):
    mfa_token: str = Field(min_length=1, max_length=512, description="from POST /auth/login")
    code: SecondFactorCode


class UserOut(BaseModel):
    id: str
    email: str
    role: str
    first_name: str
    last_name: str
    email_verified: bool
    created_at: UtcDateTime
    phone: str | None = None
    specialty: str | None = None
    license_number: str | None = None
    mfa_enabled: bool = Field(False, description="sign-in asks for a TOTP code")

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            id=user.id,
            email=user.email,
            role=user.role.value,
            first_name=user.first_name,
            last_name=user.last_name,
            email_verified=user.email_verified,
            created_at=user.created_at,
            phone=user.phone,
            specialty=user.specialty,
            license_number=user.license_number,
            mfa_enabled=user.mfa_enabled,
        )


class RegisteredOut(UserOut):
    """The new user; also nested under `user`, the shape sign-in answers with."""

    user: UserOut

    @classmethod
    def of(cls, user: User) -> RegisteredOut:
        out = UserOut.of(user)
        return cls(**out.model_dump(), user=out)


class TokenPairOut(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["Bearer"] = "Bearer"  # noqa: S105 - the scheme name
    expires_in: int = Field(description="seconds until the access token expires")
    user: UserOut

    @classmethod
    def of(cls, pair: TokenPair) -> TokenPairOut:
        return cls(
            access_token=pair.access_token,
            refresh_token=pair.refresh_token,
            expires_in=pair.expires_in,
            user=UserOut.of(pair.user),
        )


class MfaChallengeOut(BaseModel):
    """A right password on an account with two-factor sign-in: no tokens yet."""

    mfa_required: Literal[True]
    mfa_token: str = Field(description="single-use; send it with a code to POST /auth/mfa/verify")
    expires_in: int = Field(description="seconds until the mfa_token expires")

    @classmethod
    def of(cls, challenge: MfaChallenge) -> MfaChallengeOut:
        return cls(
            mfa_required=True, mfa_token=challenge.mfa_token, expires_in=challenge.expires_in
        )


class MfaSetupOut(BaseModel):
    secret: str = Field(description="base32 TOTP secret; shown only in this answer")
    otpauth_uri: str = Field(description="otpauth:// URI for an authenticator app (QR code)")

    @classmethod
    def of(cls, enrolment: Enrolment) -> MfaSetupOut:
        return cls(secret=enrolment.secret, otpauth_uri=enrolment.otpauth_uri)


class RecoveryCodesOut(BaseModel):
    recovery_codes: list[str] = Field(
        description="each signs in once in place of a code; shown only in this answer"
    )


class MessageOut(BaseModel):
    message: str
