"""Request and response bodies of /api/v1/auth."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field, PlainSerializer

from domain.accounts import TokenPair, User
from domain.accounts.registration import Registration


def _iso_z(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


UtcDateTime = Annotated[datetime, PlainSerializer(_iso_z, return_type=str)]
# Long enough for any acceptable password; the 72-byte rule is checked with a clear message.
Password = Annotated[str, Field(max_length=1024)]
Name = Annotated[str, Field(min_length=1, max_length=100)]


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
    email: EmailStr


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


class MessageOut(BaseModel):
    message: str
