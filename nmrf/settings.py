"""The engine's configuration: one object, built by a function, never at import.

Everything comes from the environment (prefix ``NMRF_``) with embedded defaults
that run on one laptop: a SQLite file under ``NMRF_HOME`` and Prefect without a
server.
"""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NMRF_", extra="ignore")

    home: Path = Path("~/.nmrf")
    # sqlite:///... or postgresql+psycopg://...; empty means a SQLite file in home.
    database_url: str = ""
    # Where people reach the feed server and the acknowledgement pages.
    public_url: str = "http://127.0.0.1:8765"
    # Who the command line records as the actor when no --by is given.
    actor: str = ""
    # Signs acknowledgement links; without it a random key is kept in home/secret.key.
    secret_key: SecretStr | None = None
    # Delivery of notifications: seconds to wait for a channel, parallel sends,
    # how long a sweep holds a message it is sending, tries before "failed".
    notify_timeout: float = 10.0
    notify_workers: int = 8
    notify_lease_seconds: int = 300
    notify_max_attempts: int = 8
    # Under a Prefect worker: the names of the Secret blocks that hold the database URL
    # and the signing key (prefect.yaml names them; the values never leave the server).
    database_url_block: str = ""
    secret_key_block: str = ""

    @field_validator("home")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("database_url")
    @classmethod
    def _known_scheme(cls, value: str) -> str:
        if value and not value.startswith(("sqlite://", "postgresql")):
            raise ValueError(
                "NMRF_DATABASE_URL must start with sqlite:// or postgresql+psycopg://"
            )
        return value

    @property
    def effective_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'nmrf.db'}"

    @property
    def public_url_is_set(self) -> bool:
        """Whether the public address was given (environment or argument), rather than the 127.0.0.1 default."""
        return "public_url" in self.model_fields_set

    @property
    def effective_actor(self) -> str:
        return self.actor or os.environ.get("USER") or "secretariat"


def get_settings(**overrides: object) -> Settings:
    """Build the settings from the environment; keyword arguments win."""
    return Settings(**overrides)  # type: ignore[arg-type]
