"""Settings from the environment and ``.env``: the only place that reads either."""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveInt, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "{{ cookiecutter.package_name | upper }}_"

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class ConfigError(Exception):
    """A setting has a bad value; the message names the variable, the value and the fix."""


class Settings(BaseSettings):
    """Every knob of the service, with defaults that work on a laptop.

    Each field is read from ``{{ cookiecutter.package_name | upper }}_<FIELD>`` in the
    environment or in ``.env``; the environment wins. ``.env.example`` lists them all.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        # .env may hold other tools' variables (MLflow, cloud credentials): leave them.
        extra="ignore",
        frozen=True,
    )

    log_level: LogLevel = "INFO"
    log_format: Literal["console", "json"] = Field(
        "console",
        description="console for people, json (one object a line) for machines",
    )
    log_file: Path | None = Field(
        None, description="also write JSON lines to this file, rotated by size"
    )
    log_file_max_bytes: PositiveInt = 10_000_000
    log_file_backup_count: PositiveInt = 5
{%- if cookiecutter.include_api %}
    api_host: str = Field(
        "127.0.0.1", description="0.0.0.0 to listen on every interface"
    )
    api_port: int = Field(8000, ge=1, le=65535)
{%- endif %}

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


def describe_errors(error: ValidationError) -> str:
    """Turn pydantic's report into one line per bad variable, with the value and the fix."""
    lines = []
    for item in error.errors():
        field = ".".join(str(part) for part in item["loc"])
        variable = f"{ENV_PREFIX}{field.upper()}"
        lines.append(
            f"{variable}={item.get('input')!r}: {item['msg']}. "
            f"Fix it in the environment or in .env (see .env.example)."
        )
    return "\n".join(lines)


def load_settings(env_file: Path | None = Path(".env")) -> Settings:
    """Build the settings from the environment and ``env_file``.

    Raises:
        ConfigError: a value is invalid; the message says which, and how to fix it.
    """
    try:
        return Settings(_env_file=env_file)
    except ValidationError as error:
        raise ConfigError(describe_errors(error)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, built on first use (never at import time)."""
    return load_settings()
