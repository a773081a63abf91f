"""Staff accounts: who can sign in, with which roles, for which services."""

from .users import ROLES, User, UserBook, UserError

__all__ = ["ROLES", "User", "UserBook", "UserError"]
