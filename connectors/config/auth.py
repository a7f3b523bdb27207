"""`[agencies.<key>.auth]`: how a web connector proves who it is, one table per `type`.

Secrets are never in the file: each is named by a `<key>_env` setting and read from the environment
when the connector is built (so the demo can start its sandbox, and set them, after the portal starts).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import Field, Tag, model_validator

from connectors.auth import ApiKeyHeader, AuthStrategy, NoAuth, OAuth2ClientCredentials, StaticBearerToken
from connectors.config.base import EnvName, Marker, StrictModel, Text, tagged_by
from connectors.config.problems import from_environment


class NoAuthConfig(StrictModel):
    """A source that needs no credentials (say so: an absent `auth` table is an error, never an accident)."""

    type: Literal["none"] = Field(description='`"none"`.')

    def strategy(self, env: Mapping[str, str], where: str) -> AuthStrategy:
        return NoAuth()


class BearerConfig(StrictModel):
    """`Authorization: Bearer <token>` with a long-lived token issued to the portal."""

    type: Literal["bearer"] = Field(description='`"bearer"`.')
    token_env: EnvName = Field(description="Environment variable holding the token.")

    def strategy(self, env: Mapping[str, str], where: str) -> AuthStrategy:
        return StaticBearerToken(from_environment(self.token_env, env, f"{where}.token_env"))


class ApiKeyConfig(StrictModel):
    """An API key sent in a named header."""

    type: Literal["api_key"] = Field(description='`"api_key"`.')
    header: Text = Field(default="X-API-Key", description="The header that carries the key.")
    key_env: EnvName = Field(description="Environment variable holding the key.")

    def strategy(self, env: Mapping[str, str], where: str) -> AuthStrategy:
        return ApiKeyHeader(self.header, from_environment(self.key_env, env, f"{where}.key_env"))


class OAuth2Config(StrictModel):
    """OAuth2 client-credentials grant; the token is cached until it expires."""

    type: Literal["oauth2_client_credentials"] = Field(description='`"oauth2_client_credentials"`.')
    token_url: Text = Field(description="The token endpoint (http or https URL).")
    client_id: Text | None = Field(default=None, description="The portal's client id (or `client_id_env`).")
    client_id_env: EnvName | None = Field(default=None, description="Environment variable holding the client id.")
    client_secret_env: EnvName = Field(description="Environment variable holding the client secret.")
    scope: Text | None = Field(default=None, description="Scopes to ask for, space-separated.")

    @model_validator(mode="after")
    def _one_client_id(self) -> OAuth2Config:
        if (self.client_id is None) == (self.client_id_env is None):
            raise ValueError("give exactly one of 'client_id' and 'client_id_env'")
        return self

    def strategy(self, env: Mapping[str, str], where: str) -> AuthStrategy:
        client_id = self.client_id or from_environment(str(self.client_id_env), env, f"{where}.client_id_env")
        secret = from_environment(self.client_secret_env, env, f"{where}.client_secret_env")
        return OAuth2ClientCredentials(self.token_url, client_id, secret, self.scope)


AuthConfig = Annotated[
    Annotated[NoAuthConfig, Tag("=none")] | Annotated[BearerConfig, Tag("=bearer")]
    | Annotated[ApiKeyConfig, Tag("=api_key")] | Annotated[OAuth2Config, Tag("=oauth2_client_credentials")],
    tagged_by("type", ("none", "bearer", "api_key", "oauth2_client_credentials")),
    Marker("table, by `type` (below)"),
]
AUTH_MODELS: tuple[type[StrictModel], ...] = (NoAuthConfig, BearerConfig, ApiKeyConfig, OAuth2Config)
