"""User accounts: registration, email verification, sign-in with rotating refresh tokens,
lockout, password reset and change, and the authenticated caller (`Principal`).

Modules are split by use case; this package imports no web, queue or stream framework.
"""

from domain.accounts.env import AccountsEnv
from domain.accounts.models import Principal, TokenPair, User
from domain.accounts.roles import Role

__all__ = ["AccountsEnv", "Principal", "Role", "TokenPair", "User"]
