"""MLflow's client: the only module that imports MLflow.

Serving from a tracking server reads the few things it needs over REST instead
(``registry_rest``).
"""

import json
import logging
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib.metadata import packages_distributions
from importlib.metadata import version as installed_version
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

import mlflow
import mlflow.artifacts
from mlflow import MlflowClient
from mlflow.entities.model_registry import ModelVersion
from mlflow.exceptions import MlflowException
from sqlalchemy.exc import SQLAlchemyError

from .config import Settings, export_mlflow_environment
from .errors import RegistryError
from .tracking import CHAMPION, Version, no_champion, store_error

if TYPE_CHECKING:  # serving imports this module; it must not pay for pandas or sklearn
    import pandas as pd
    from sklearn.pipeline import Pipeline

logger = logging.getLogger(__name__)

# Given explicitly: left to itself MLflow infers them, which costs seconds per model.
MODEL_REQUIREMENTS = ("scikit-learn", "skops", "pandas", "numpy")
# The contract a version was trained on, logged with its run.
CONTRACT_DOCUMENT = "contract.json"


def trusted_types(pipeline: "Pipeline") -> list[str]:
    """Types skops must be told to trust when loading this pipeline back.

    skops loads only types it knows to be safe. The pipeline was fitted by this very
    run, so whatever it holds (a numpy dtype, a forest's trees) is ours to trust.
    """
    import skops.io  # only training needs it; importing it costs about a second

    return sorted(skops.io.get_untrusted_types(data=skops.io.dumps(pipeline)))


def requirements(pipeline: "Pipeline") -> list[str]:
    """The packages that load the model: scikit-learn's, and its estimator's own."""
    packages = [*MODEL_REQUIREMENTS]
    library = type(pipeline.steps[-1][1]).__module__.split(".")[0]
    if library != "sklearn":
        # The distribution that brought the module: xgboost comes as xgboost-cpu.
        packages += packages_distributions().get(library, [library])[:1]
    return [f"{package}=={installed_version(package)}" for package in packages]


def _version(found: ModelVersion) -> Version:
    return Version(found.name, int(found.version), found.run_id or "", dict(found.tags))


class Registry:
    """Runs, model versions and the champion alias of ``settings.model_name``.

    Every failure of the tracking store surfaces as a RegistryError that names the store.
    """

    def __init__(self, settings: Settings) -> None:
        export_mlflow_environment(settings)
        self.settings = settings
        self.name = settings.model_name
        uri = settings.mlflow_tracking_uri
        # Set for the fluent API (start_run, log_model) and passed to the client alike.
        mlflow.set_tracking_uri(uri)
        mlflow.set_registry_uri(uri)
        with self._store("open the store"):  # a local store is opened right here
            self.client = MlflowClient(tracking_uri=uri, registry_uri=uri)
        self.is_local = urlparse(uri).scheme in ("sqlite", "file", "")

    @contextmanager
    def _store(self, doing: str) -> Iterator[None]:
        """Turn MLflow's, the database's and the network's errors into a RegistryError
        saying what failed."""
        try:
            yield
        except (MlflowException, SQLAlchemyError, OSError) as error:
            if isinstance(error, MlflowException):
                reason = error.message
            elif isinstance(error, SQLAlchemyError):  # its first line, not the query
                reason = str(error).splitlines()[0]
            else:
                reason = str(error)
            raise store_error(self.settings, doing, reason) from error

    def experiment_id(self) -> str:
        with self._store("find the experiment"):
            found = self.client.get_experiment_by_name(self.settings.experiment_name)
            if found is not None:
                return str(found.experiment_id)
            # A local store keeps artifacts in the project; a server decides for itself.
            location = (
                self.settings.artifact_dir.resolve().as_uri() if self.is_local else None
            )
            return self.client.create_experiment(
                self.settings.experiment_name, artifact_location=location
            )

    def log_training(
        self,
        *,
        pipeline: "Pipeline",
        example: "pd.DataFrame",
        params: dict[str, Any],
        metrics: dict[str, float],
        tags: dict[str, str],
        documents: dict[str, dict[str, Any]],
        files: dict[str, bytes],
    ) -> tuple[str, Version]:
        """Log one run with its model and register the model; return (run id, version).

        ``documents`` are logged as JSON, ``files`` as they are, both by artifact path.
        """
        import mlflow.sklearn
        from mlflow.models import infer_signature

        experiment_id = self.experiment_id()
        with (
            self._store("log the training run"),
            mlflow.start_run(experiment_id=experiment_id) as run,
            tempfile.TemporaryDirectory() as folder,
        ):
            mlflow.log_params(params)
            mlflow.log_metrics(metrics)
            mlflow.set_tags(tags)
            for file_name, document in documents.items():
                mlflow.log_dict(document, file_name)
            _log_files(self.client, run.info.run_id, files, Path(folder))
            info = mlflow.sklearn.log_model(
                pipeline,
                name="model",
                # What the model's predict answers: class numbers in the contract's
                # order (its contract.json names them), or values.
                signature=infer_signature(example, pipeline.predict(example)),
                input_example=example,
                registered_model_name=self.name,
                skops_trusted_types=trusted_types(pipeline),
                pip_requirements=requirements(pipeline),
            )
        if info.registered_model_version is None:
            raise RegistryError(f"MLflow did not register a version of {self.name!r}")
        version = self.get(int(info.registered_model_version))
        logger.info(
            "run %s registered %s version %d",
            run.info.run_id,
            self.name,
            version.number,
        )
        return run.info.run_id, version

    def attach(self, run_id: str, files: dict[str, bytes]) -> None:
        """Add files to a run's artifacts (a finished run too), by artifact path."""
        with (
            self._store(f"add artifacts to run {run_id}"),
            tempfile.TemporaryDirectory() as folder,
        ):
            _log_files(self.client, run_id, files, Path(folder))

    def artifact_location(self, run_id: str, artifact_path: str) -> str:
        """Where an artifact of a run lives: a local path for a local store, else a URI."""
        with self._store(f"read run {run_id}"):
            root = self.client.get_run(run_id).info.artifact_uri or ""
        location = f"{root.rstrip('/')}/{artifact_path}"
        parts = urlparse(location)
        return unquote(parts.path) if parts.scheme == "file" else location

    def start_run(
        self, name: str, tags: dict[str, str], parent: str | None = None
    ) -> str:
        """Open a run of the experiment (a child of ``parent``, if given); its id."""
        if parent is not None:
            tags = {**tags, "mlflow.parentRunId": parent}
        experiment_id = self.experiment_id()
        with self._store("start a run"):
            run = self.client.create_run(experiment_id, tags=tags, run_name=name)
        return str(run.info.run_id)

    def log_values(
        self, run_id: str, params: dict[str, Any], metrics: dict[str, float]
    ) -> None:
        """Parameters and metrics of a run, in one request."""
        from mlflow.entities import Metric, Param

        now = int(datetime.now(UTC).timestamp() * 1000)
        with self._store(f"log to run {run_id}"):
            self.client.log_batch(
                run_id,
                metrics=[Metric(k, float(v), now, 0) for k, v in metrics.items()],
                params=[Param(k, str(v)) for k, v in params.items()],
            )

    def tag_run(self, run_id: str, tags: dict[str, str]) -> None:
        with self._store(f"tag run {run_id}"):
            for key, value in tags.items():
                self.client.set_tag(run_id, key, value)

    def end_run(self, run_id: str, status: str = "FINISHED") -> None:
        """Close a run as FINISHED, FAILED or KILLED."""
        with self._store(f"end run {run_id}"):
            self.client.set_terminated(run_id, status=status)

    def get(self, number: int) -> Version:
        with self._store(f"read version {number} of {self.name!r}"):
            try:
                return _version(self.client.get_model_version(self.name, str(number)))
            except MlflowException as error:
                if error.error_code != "RESOURCE_DOES_NOT_EXIST":
                    raise
        known = ", ".join(str(v.number) for v in self.versions()) or "none"
        raise RegistryError(
            f"Model {self.name!r} has no version {number}; its versions: {known}"
        )

    def versions(self) -> list[Version]:
        with self._store(f"list the versions of {self.name!r}"):
            found = self.client.search_model_versions(f"name='{self.name}'")
        return sorted((_version(v) for v in found), key=lambda v: v.number)

    def champion(self) -> Version | None:
        with self._store(f"look up the {CHAMPION} of {self.name!r}"):
            try:
                found = self.client.get_model_version_by_alias(self.name, CHAMPION)
            except MlflowException as error:
                # MLflow answers a missing alias or a missing model with these codes.
                if error.error_code in (
                    "RESOURCE_DOES_NOT_EXIST",
                    "INVALID_PARAMETER_VALUE",
                ):
                    return None
                raise
            return _version(found)

    def require_champion(self) -> Version:
        champion = self.champion()
        if champion is None:
            raise no_champion(self.settings)
        return champion

    def download(self, version: Version, artifact_path: str) -> bytes | None:
        """An artifact of the version's run, or None when the run has no such file."""
        with tempfile.TemporaryDirectory() as folder:
            try:
                local = mlflow.artifacts.download_artifacts(
                    run_id=version.run_id, artifact_path=artifact_path, dst_path=folder
                )
            except (MlflowException, OSError):
                return None
            return Path(local).read_bytes()

    def contract(self, version: Version) -> dict[str, Any] | None:
        """The contract the version was trained on, or None when its run lacks one."""
        document = self.download(version, CONTRACT_DOCUMENT)
        return None if document is None else dict(json.loads(document))

    def run_summary(self, version: Version) -> tuple[dict[str, float], datetime]:
        """The metrics of the run that produced a version, and when it started."""
        with self._store(f"read run {version.run_id}"):
            run = self.client.get_run(version.run_id)
        started = datetime.fromtimestamp(run.info.start_time / 1000, UTC)
        return dict(run.data.metrics), started

    def load(self, version: Version) -> "Pipeline":
        import mlflow.sklearn

        try:
            model: Pipeline = mlflow.sklearn.load_model(
                f"models:/{self.name}/{version.number}"
            )
        except MlflowException as error:
            raise RegistryError(
                f"Could not load {self.name!r} version {version.number}: {error.message}"
            ) from error
        return model

    def promote(self, number: int) -> Version:
        """Point the champion alias at a version (also how to roll back) and read it back."""
        version = self.get(number)
        with self._store(f"set the {CHAMPION} alias"):
            self.client.set_registered_model_alias(self.name, CHAMPION, str(number))
        champion = self.champion()
        if champion is None or champion.number != number:
            raise RegistryError(
                f"Setting {CHAMPION!r} to version {number} did not take"
            )
        logger.info("%s version %d is now %s", self.name, number, CHAMPION)
        return version

    def tag(self, number: int, tags: dict[str, str]) -> None:
        with self._store(f"tag version {number}"):
            for key, value in tags.items():
                self.client.set_model_version_tag(self.name, str(number), key, value)


def _log_files(
    client: MlflowClient, run_id: str, files: dict[str, bytes], folder: Path
) -> None:
    """Write each file under its own name in ``folder``, then log it at its path."""
    for artifact_path, content in files.items():
        target = Path(artifact_path)
        local = folder / target.parent / target.name
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes(content)
        parent = str(target.parent)
        client.log_artifact(run_id, str(local), None if parent == "." else parent)
