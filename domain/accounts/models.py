"""The user account as stored, and the authenticated caller as seen by a request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bson import ObjectId

from domain.accounts.roles import Role
from domain.shared.matching import fold


def name_keys(first_name: str | None, last_name: str | None) -> dict[str, str]:
    """The folded names stored beside the names, which doctor search matches what is typed
    against (`domain/shared/matching.py`)."""
    return {"first_name_key": fold(first_name or ""), "last_name_key": fold(last_name or "")}


@dataclass(frozen=True)
class User:
    id: str
    email: str  # normalized (lowercase); the unique index is on this field
    role: Role
    first_name: str
    last_name: str
    password_hash: str
    email_verified: bool
    active: bool
    created_at: datetime
    # Raised on password reset/change and deactivation: older access tokens stop working.
    token_version: int = 0
    phone: str | None = None
    specialty: str | None = None
    license_number: str | None = None
    verified_at: datetime | None = None
    password_changed_at: datetime | None = None
    # Sign-in asks for a TOTP code after the password; the secret itself stays in the
    # store (domain/accounts/mfa_state.py) and is never part of this object.
    mfa_enabled: bool = False

    @property
    def is_public_doctor(self) -> bool:
        """A doctor patients may find, book, wait for and be referred to. Their email must be
        verified: until then nobody has shown the account is theirs (it cannot even sign in).
        The doctors search asks the same of the store (`domain/discovery/search.py`)."""
        return self.role is Role.DOCTOR and self.active and self.email_verified

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> User:
        return cls(
            id=str(doc["_id"]),
            email=doc["email"],
            role=Role(doc["role"]),
            first_name=doc.get("first_name", ""),
            last_name=doc.get("last_name", ""),
            password_hash=doc["password_hash"],
            email_verified=bool(doc.get("email_verified", False)),
            active=bool(doc.get("active", True)),
            created_at=doc["created_at"],
            token_version=int(doc.get("token_version", 0)),
            phone=doc.get("phone"),
            specialty=doc.get("specialty"),
            license_number=doc.get("license_number"),
            verified_at=doc.get("verified_at"),
            password_changed_at=doc.get("password_changed_at"),
            mfa_enabled=bool(doc.get("mfa_enabled", False)),
        )

    def to_doc(self) -> dict[str, Any]:
        return {
            "_id": ObjectId(self.id),
            "email": self.email,
            "role": self.role.value,
            "first_name": self.first_name,
            "last_name": self.last_name,
            **name_keys(self.first_name, self.last_name),
            "password_hash": self.password_hash,
            "email_verified": self.email_verified,
            "active": self.active,
            "created_at": self.created_at,
            "token_version": self.token_version,
            "phone": self.phone,
            "specialty": self.specialty,
            "license_number": self.license_number,
            "verified_at": self.verified_at,
            "password_changed_at": self.password_changed_at,
            "mfa_enabled": self.mfa_enabled,
        }


@dataclass(frozen=True)
class Principal:
    """Who is calling, as proven by a valid access token."""

    user_id: str
    role: Role
    session_id: str | None = None
    token_id: str | None = None

    def has_role(self, *roles: str) -> bool:
        return self.role.value in roles


@dataclass(frozen=True)
class MfaChallenge:
    """The answer to a right password when the account has two-factor sign-in: no tokens
    yet, only a short-lived `mfa_token` to present with a code."""

    mfa_token: str
    expires_in: int  # seconds


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    expires_in: int  # seconds until the access token expires
    user: User
