"""Two-factor sign-in fields of the `users` document.

`mfa_pending_secret` is set by setup and becomes `mfa_secret` when a code proves the
authenticator holds it; `mfa_last_step` is the last TOTP time step accepted, so a code is
accepted once. Every change is conditional on the state it expects, so two requests
racing on one account cannot both win. Both secrets are stored sealed
(`secret_box.py`: encrypted under a key kept out of the database); they are opened only
here and never leave the domain except in the answer to setup.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bson import ObjectId

from domain.accounts.repository import USERS
from domain.accounts.secret_box import SecretBox

FIELDS = ("mfa_enabled", "mfa_secret", "mfa_pending_secret", "mfa_last_step")
# "Not enabled", including accounts from before two-factor sign-in existed (no field). Not
# `$ne: True`: the embedded store's updates skip documents that lack the field.
_OFF = {"$in": [False, None]}
_CLEARED = {"mfa_enabled": False, "mfa_secret": None, "mfa_pending_secret": None,
            "mfa_last_step": None}  # fmt: skip


@dataclass(frozen=True)
class MfaState:
    enabled: bool
    secret: str | None  # opened
    pending_secret: str | None  # opened
    pending_sealed: str | None  # as stored: what `enable` expects to find
    last_step: int | None


async def read(db: Any, box: SecretBox, user_id: str, *, session: Any = None) -> MfaState:
    doc = await db[USERS].find_one(
        {"_id": ObjectId(user_id)}, projection=dict.fromkeys(FIELDS, 1), session=session
    )
    doc = doc or {}
    step = doc.get("mfa_last_step")
    secret, pending = doc.get("mfa_secret"), doc.get("mfa_pending_secret")
    return MfaState(
        enabled=bool(doc.get("mfa_enabled", False)),
        secret=box.open(secret) if secret else None,
        pending_secret=box.open(pending) if pending else None,
        pending_sealed=pending,
        last_step=int(step) if step is not None else None,
    )


async def set_pending(db: Any, box: SecretBox, user_id: str, secret: str) -> bool:
    """False when two-factor sign-in is already on (its secret is not replaced)."""
    result = await db[USERS].update_one(
        {"_id": ObjectId(user_id), "mfa_enabled": _OFF},
        {"$set": {"mfa_pending_secret": box.seal(secret)}},
    )
    return bool(result.matched_count)


async def enable(
    db: Any, user_id: str, pending_sealed: str, step: int, *, session: Any = None
) -> int | None:
    """Turn on with the pending secret (as stored), the step of the code that proved it
    counted as used, and raise the token version (a sign-in that checked the password
    alone while this ran must not keep its session); returns the new version. None when
    the pending secret changed meanwhile or it is already on."""
    doc = await db[USERS].find_one_and_update(
        {"_id": ObjectId(user_id), "mfa_enabled": _OFF, "mfa_pending_secret": pending_sealed},
        {"$set": {"mfa_enabled": True, "mfa_secret": pending_sealed, "mfa_pending_secret": None,
                  "mfa_last_step": step}, "$inc": {"token_version": 1}},
        projection={"token_version": 1},
        return_document=True,
        session=session,
    )  # fmt: skip
    return int(doc["token_version"]) if doc else None


async def accept_step(db: Any, user_id: str, step: int, *, session: Any = None) -> bool:
    """Record `step` as used; False when it, or a later one, was accepted already."""
    result = await db[USERS].update_one(
        {"_id": ObjectId(user_id), "mfa_enabled": True, "mfa_last_step": {"$lt": step}},
        {"$set": {"mfa_last_step": step}},
        session=session,
    )
    return bool(result.matched_count)


async def disable(db: Any, user_id: str, *, session: Any = None) -> bool:
    result = await db[USERS].update_one(
        {"_id": ObjectId(user_id), "mfa_enabled": True}, {"$set": _CLEARED}, session=session
    )
    return bool(result.matched_count)
