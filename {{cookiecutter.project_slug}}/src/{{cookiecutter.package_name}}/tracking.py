"""What both ways of reaching the MLflow store share, without importing MLflow.

``registry`` goes through the MLflow client; ``registry_rest`` speaks MLflow's
REST API to a tracking server with the standard library, so that a served model does
not pay for importing MLflow.
"""

from dataclasses import dataclass
from urllib.parse import urlparse

from .config import Settings
from .errors import NoChampionError, RegistryError

CHAMPION = "champion"


@dataclass(frozen=True)
class Version:
    """One registered model version, as this project uses it."""

    name: str
    number: int
    run_id: str
    tags: dict[str, str]


def redacted(uri: str) -> str:
    """The URI without a password, fit for messages and logs."""
    parts = urlparse(uri)
    if parts.password is None:
        return uri
    return parts._replace(
        netloc=parts.netloc.replace(f":{parts.password}@", ":***@")
    ).geturl()


def store_error(settings: Settings, doing: str, reason: str) -> RegistryError:
    """The error for a store that failed: what was being done, where, why, and the fix."""
    uri = settings.mlflow_tracking_uri
    password = urlparse(uri).password
    if password:  # MLflow's own messages repeat the URL, password and all
        reason = reason.replace(password, "***")
    return RegistryError(
        f"Could not {doing}: the MLflow tracking store at {redacted(uri)} failed "
        f"({reason.strip()}). Check MLFLOW_TRACKING_URI and that the server is up."
    )


def no_champion(settings: Settings) -> NoChampionError:
    return NoChampionError(
        f"Model {settings.model_name!r} has no {CHAMPION!r} alias; "
        "run '{{ cookiecutter.project_slug }} train' first"
    )
