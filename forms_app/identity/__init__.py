"""Single sign-on for staff through the organisation's own OpenID Connect provider (Microsoft
Entra ID or any standards-compliant one): the settings, the provider's discovery document and
keys, the authorization request (PKCE, ``state``, ``nonce``), the ID and logout token checks,
and the mapping from the provider's claims to roles and services."""

from .claims import DirectoryPerson, person_from_claims
from .config import SignInSettings, SingleSignOn, SingleSignOnError, sign_in_settings
from .provider import AuthorizationRequest, Provider, ProviderError
from .states import AuthorizationStates
from .tokens import TokenRefused, verify_id_token, verify_logout_token

__all__ = [
    "AuthorizationRequest",
    "AuthorizationStates",
    "DirectoryPerson",
    "Provider",
    "ProviderError",
    "SignInSettings",
    "SingleSignOn",
    "SingleSignOnError",
    "TokenRefused",
    "person_from_claims",
    "sign_in_settings",
    "verify_id_token",
    "verify_logout_token",
]
