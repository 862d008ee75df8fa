"""What the account services need from the process that runs them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from config.settings import AuthSettings
from domain.accounts.secret_box import SecretBox, secret_box


@dataclass(frozen=True)
class AccountsEnv:
    db: Any  # motor database
    client: Any  # motor client, for transactions
    redis: Any  # redis.asyncio client: lockout counters and revocation markers
    settings: AuthSettings
    base_url: str  # links in emails

    @property
    def secrets(self) -> SecretBox:
        """Seals and opens the TOTP seeds stored with the accounts."""
        return secret_box(self.settings.mfa_key_list)

    @classmethod
    def from_resources(cls, resources: Any) -> AccountsEnv:
        return cls(
            db=resources.db,
            client=resources.mongo,
            redis=resources.redis,
            settings=resources.settings.auth,
            base_url=resources.settings.app.base_url,
        )
