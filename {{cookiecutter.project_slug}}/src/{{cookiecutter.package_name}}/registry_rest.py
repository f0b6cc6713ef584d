"""The champion and its scoring file, read from an MLflow tracking server over its REST API.

Scoring (the API, batch ``predict``) needs three reads: the version behind the alias,
its run, and one artifact. Doing them with the standard library keeps MLflow out of the
process: about two seconds less start-up and 150 MB less memory per process. Anything this module does not
cover is left to the MLflow client (``registry.Registry``).
"""

import base64
import functools
import json
import os
import ssl
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlencode, urlparse

from . import __version__
from .config import Settings
from .tracking import CHAMPION, Version, no_champion, store_error

if TYPE_CHECKING:
    from sklearn.pipeline import Pipeline

    from .registry import Registry

# Client options only MLflow's own client knows how to apply (TLS files, auth plugins).
MLFLOW_CLIENT_OPTIONS = (
    "MLFLOW_TRACKING_AUTH",
    "MLFLOW_TRACKING_CLIENT_CERT_PATH",
    "MLFLOW_TRACKING_INSECURE_TLS",
    "MLFLOW_TRACKING_SERVER_CERT_PATH",
)
MISSING = ("RESOURCE_DOES_NOT_EXIST", "INVALID_PARAMETER_VALUE")


def can_serve_from(settings: Settings) -> bool:
    """Whether the store is a tracking server this module can read by itself."""
    scheme = urlparse(settings.mlflow_tracking_uri).scheme
    configured = [name for name in MLFLOW_CLIENT_OPTIONS if os.environ.get(name)]
    return scheme in ("http", "https") and not configured


class RestRegistry:
    """The part of ``registry.Registry`` that scoring uses, for an http(s) store."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.name = settings.model_name
        parts = urlparse(settings.mlflow_tracking_uri)
        # Credentials travel in a header, never in a URL that an error could show.
        host = parts.netloc.rpartition("@")[2]
        self.base = parts._replace(netloc=host).geturl().rstrip("/")
        self.tls = ssl.create_default_context()
        # The package's name: header values must be ASCII, the project's name may not be.
        self.headers = {"User-Agent": f"{__name__.partition('.')[0]}/{__version__}"}
        username = settings.mlflow_tracking_username or parts.username
        password = (
            settings.mlflow_tracking_password.get_secret_value()
            if settings.mlflow_tracking_password
            else parts.password
        )
        self._last_run: tuple[str, dict[str, Any]] | None = None
        token = os.environ.get("MLFLOW_TRACKING_TOKEN")
        if username and password:
            pair = base64.b64encode(f"{username}:{password}".encode()).decode()
            self.headers["Authorization"] = f"Basic {pair}"
        elif token:
            self.headers["Authorization"] = f"Bearer {token}"

    def _get(self, doing: str, url: str) -> bytes | None:
        """The body of a GET, or None when the server says there is no such thing."""
        # Only http(s) URLs get here: can_serve_from checked the scheme.
        request = urllib.request.Request(url, headers=self.headers)  # noqa: S310
        try:
            with urllib.request.urlopen(  # noqa: S310
                request,
                timeout=self.settings.mlflow_http_timeout_s,
                context=self.tls,
            ) as response:
                body: bytes = response.read()
                return body
        except urllib.error.HTTPError as error:
            detail = error.read().decode("utf-8", "replace")
            if error.code in (400, 404) and _error_code(detail) in MISSING:
                return None
            raise store_error(
                self.settings, doing, f"HTTP {error.code}: {detail[:300]}"
            ) from error
        except (OSError, ValueError) as error:  # refused, timed out, bad TLS, bad URL
            raise store_error(self.settings, doing, str(error)) from error

    def _api(self, doing: str, path: str, **query: str) -> dict[str, Any] | None:
        body = self._get(doing, f"{self.base}/api/2.0/mlflow/{path}?{urlencode(query)}")
        if body is None:
            return None
        try:
            found: dict[str, Any] = json.loads(body)
        except ValueError as error:  # a proxy's HTML page, say
            reason = f"the answer is not MLflow's JSON: {body[:100]!r}"
            raise store_error(self.settings, doing, reason) from error
        return found

    def champion(self) -> Version | None:
        found = self._api(
            f"look up the {CHAMPION} of {self.name!r}",
            "registered-models/alias",
            name=self.name,
            alias=CHAMPION,
        )
        if found is None:
            return None
        version = found["model_version"]
        return Version(
            version["name"],
            int(version["version"]),
            version.get("run_id", ""),
            {tag["key"]: tag["value"] for tag in version.get("tags", [])},
        )

    def require_champion(self) -> Version:
        champion = self.champion()
        if champion is None:
            raise no_champion(self.settings)
        return champion

    def _run(self, version: Version) -> dict[str, Any]:
        """The version's run. Loading a version asks twice (where its artifacts are, its
        metrics); the second answer comes from memory, as a finished run does not change.
        """
        if self._last_run is not None and self._last_run[0] == version.run_id:
            return self._last_run[1]
        doing = f"read run {version.run_id}"
        found = self._api(doing, "runs/get", run_id=version.run_id)
        if found is None:
            raise store_error(self.settings, doing, "the run does not exist")
        run: dict[str, Any] = found["run"]
        self._last_run = (version.run_id, run)
        return run

    def download(self, version: Version, artifact_path: str) -> bytes | None:
        """An artifact of the version's run, or None when the run has no such file."""
        root = self._run(version)["info"]["artifact_uri"]
        parts = urlparse(root)
        doing = f"download {artifact_path} of run {version.run_id}"
        if parts.scheme == "mlflow-artifacts" and not parts.netloc:
            # The server proxies its artifact store (mlflow server's default).
            path = quote(f"{parts.path.strip('/')}/{artifact_path}")
            return self._get(
                doing, f"{self.base}/api/2.0/mlflow-artifacts/artifacts/{path}"
            )
        if parts.scheme in ("", "file"):  # a folder this machine shares with the server
            local = Path(unquote(parts.path)) / artifact_path
            return local.read_bytes() if local.is_file() else None
        # s3://, gs://, abfss://...: MLflow knows how to reach those.
        return self._mlflow.download(version, artifact_path)

    def run_summary(self, version: Version) -> tuple[dict[str, float], datetime]:
        """The metrics of the run that produced a version, and when it started."""
        run = self._run(version)
        metrics = {m["key"]: float(m["value"]) for m in run["data"].get("metrics", [])}
        started = datetime.fromtimestamp(int(run["info"]["start_time"]) / 1000, UTC)
        return metrics, started

    def load(self, version: Version) -> "Pipeline":
        """The scikit-learn pipeline (when there is no ONNX file): MLflow loads it."""
        return self._mlflow.load(version)

    @functools.cached_property
    def _mlflow(self) -> "Registry":
        """MLflow's own client, imported and opened only when this module cannot do the
        work itself."""
        from .registry import Registry

        return Registry(self.settings)


def _error_code(body: str) -> str | None:
    try:
        code = json.loads(body).get("error_code")
    except (ValueError, AttributeError):
        return None
    return code if isinstance(code, str) else None
