"""Settings from the environment and ``.env``: the only place that reads either."""

{% if not cookiecutter.include_dvc -%}
import json
{% endif -%}
import os
import re
{%- if cookiecutter.include_feature_store %}
from collections.abc import Iterator
from contextlib import contextmanager
{%- endif %}
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Self

from pydantic import (
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
{%- if cookiecutter.include_dvc %}
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)
{%- else %}
from pydantic_settings import BaseSettings, SettingsConfigDict
{%- endif %}

from .contract import DATA_PATH, TARGET
from .metrics import DEFAULT_METRIC, metrics_for

ENV_PREFIX = "{{ cookiecutter.package_name | upper }}_"
{%- if cookiecutter.include_dvc %}
# DVC's parameters file, in the working folder: the training parameters live there.
PARAMS_FILE = Path("params.yaml")
{%- endif %}

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]
# The model families (model.py builds each for every task).
Family = Literal[
    "linear", "random_forest", "hist_gradient_boosting", "lightgbm", "xgboost"
]


class ConfigError(Exception):
    """A setting has a bad value; the message names the variable, the value and the fix."""


class Settings(BaseSettings):
    """Every knob of the service, with defaults that work on a laptop.

    Each field is read from ``{{ cookiecutter.package_name | upper }}_<FIELD>`` in the
    environment or in ``.env`` (the environment wins); MLflow's own variables keep their
    standard names. ``.env.example`` lists them all.
    """

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        # .env may hold other tools' variables (cloud credentials, say): leave them.
        extra="ignore",
        frozen=True,
        validate_by_name=True,
    )

    # Logging
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

    # Data and training
    seed: int = 42
    data_path: Path = Field(
        Path(DATA_PATH), description="the training file [default: the contract's]"
    )
    validation_fraction: float = Field(0.2, gt=0, lt=1)
    estimator: Family = Field(
        "linear",
        description="linear, random_forest, hist_gradient_boosting, lightgbm or "
        "xgboost (the last two need the boosting extra)",
    )
    estimator_params: dict[str, bool | int | float | str | None] = Field(
        default_factory=dict,
        description="JSON of the estimator's own parameters over the family's "
        'defaults, e.g. {"max_depth": 6}',
    )
    decision_threshold: float = Field(
        0.5, gt=0, lt=1, description="binary tasks: the positive class from here"
    )
    onnx_tolerance: PositiveFloat = Field(
        # float32 inputs: multiclass probabilities on wide-ranged features drift
        # past 1e-5; a wrong conversion is off by far more than 1e-4.
        1e-4,
        description="largest ONNX vs scikit-learn gap allowed for ONNX serving "
        "(probabilities; values relative to their scale)",
    )
    drift_psi_threshold: PositiveFloat = Field(
        0.2, description="a feature whose PSI exceeds this has drifted"
    )
    evaluation_figures: bool = Field(
        True,
        description="log ROC, calibration, residual... figures and feature "
        "importances with each trained version",
    )
    predict_batch_rows: PositiveInt = Field(
        65_536, description="rows predict reads, checks and scores at a time"
    )

    # Tracking, registry and the promotion gate
    mlflow_tracking_uri: str = Field(
        "sqlite:///mlflow.db", validation_alias="MLFLOW_TRACKING_URI"
    )
    mlflow_tracking_username: str | None = Field(
        None, validation_alias="MLFLOW_TRACKING_USERNAME"
    )
    mlflow_tracking_password: SecretStr | None = Field(
        None, validation_alias="MLFLOW_TRACKING_PASSWORD"
    )
    mlflow_http_timeout_s: PositiveInt = 20
    mlflow_http_max_retries: NonNegativeInt = 2
    # Both tools report usage to their makers unless told not to, each by its own switch.
    mlflow_disable_telemetry: bool = Field(
        True,
        validation_alias="MLFLOW_DISABLE_TELEMETRY",
        description="false lets MLflow send its usage telemetry to its makers",
    )
    ort_disable_telemetry: bool = Field(
        True,
        validation_alias="ORT_DISABLE_TELEMETRY",
        description="false lets onnxruntime send its usage telemetry to Microsoft",
    )
    artifact_dir: Path = Field(
        Path("mlartifacts"), description="where a local (sqlite) store keeps artifacts"
    )
    experiment_name: str = "{{ cookiecutter.project_slug }}"
    model_name: str = "{{ cookiecutter.project_slug }}"
    primary_metric: str | None = Field(
        None,
        description="what the gate compares [default: roc_auc for binary, log_loss "
        "for multiclass, rmse for regression]",
    )
    primary_metric_limit: float | None = Field(
        None,
        description="a floor (for scores) or ceiling (for losses) a model must meet "
        "to be promoted, besides beating the baseline",
    )

    # Hyperparameter search (tune)
    tune_trials: PositiveInt = Field(
        30, description="trials a study holds when tune is done"
    )
    tune_timeout_s: PositiveInt | None = Field(
        None, description="tune stops starting trials after this many seconds"
    )
    tune_storage: str = Field(
        "sqlite:///optuna.db",
        description="the Optuna study's database; postgresql://... to share it",
    )
    tune_before_train: bool = Field(
        False, description="the scheduled retraining runs tune before train"
    )
{%- if cookiecutter.include_airflow %}

    # Scheduled training
    retrain_schedule: str = Field(
        "17 3 * * 1", description="when the Airflow DAG trains (cron, @daily...)"
    )
{%- endif %}
{%- if cookiecutter.include_feature_store %}

    # Feature store (Feast): definitions in feature_repo/, stores under data/feast/
    feature_repo: Path = Field(
        Path("feature_repo"), description="the Feast definitions (every .py is run)"
    )
    feature_registry_path: Path = Path("data/feast/registry.db")
    feature_online_store_path: Path = Field(
        Path("data/feast/online_store.db"), description="sqlite, read by the API"
    )
    feature_source_path: Path = Field(
        Path("data/feast/features.parquet"),
        description="the offline store: feature rows over time, one file",
    )
    feature_ttl_days: PositiveInt = Field(
        180, description="values older than this are stale, online and in training"
    )
{%- endif %}
{%- if cookiecutter.include_drift_report %}

    # Drift report (Evidently)
    drift_report_reference_rows: PositiveInt = Field(
        5000, description="training rows kept with each model for the drift report"
    )
{%- endif %}
{%- if cookiecutter.include_api %}

    # HTTP API
    api_host: str = Field(
        "127.0.0.1", description="0.0.0.0 to listen on every interface"
    )
    api_port: int = Field(8000, ge=1, le=65535)
    api_workers: PositiveInt = 1
    prometheus_multiproc_dir: Path | None = Field(
        None,
        validation_alias="PROMETHEUS_MULTIPROC_DIR",
        description="shared by the workers for /metrics; serve makes one if unset",
    )
    api_key: SecretStr | None = Field(
        None,
        description="when set, /predict, /model and /admin need X-API-Key; "
        "without it /admin is off",
    )
    api_max_batch: PositiveInt = Field(1000, description="instances per request")
    api_max_body_bytes: PositiveInt = 1_000_000
    api_reload_interval_s: NonNegativeInt = Field(
        30, description="how often to check the champion alias; 0 turns it off"
    )
    prediction_log_path: Path | None = Field(
        Path("logs/predictions.jsonl"), description="one JSON line per request"
    )
    prediction_log_max_bytes: PositiveInt = 50_000_000
    prediction_log_backup_count: PositiveInt = 5
    prediction_log_sample_rows: NonNegativeInt = Field(
        10, description="inputs kept per request for drift (the log, /metrics)"
    )
{%- endif %}

{%- if cookiecutter.include_dvc %}

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # params.yaml ranks under the environment and .env, over the defaults.
        return (
            init_settings,
            env_settings,
            dotenv_settings,
            ParamsFile(settings_cls),
            file_secret_settings,
        )
{%- endif %}

    @field_validator("primary_metric")
    @classmethod
    def _metric_of_the_task(cls, value: str | None) -> str | None:
        if value is not None and value not in metrics_for(TARGET.task):
            raise ValueError(
                f"not a metric of the contract's {TARGET.task} task; use one of "
                + ", ".join(metrics_for(TARGET.task))
            )
        return value

    @property
    def metric(self) -> str:
        """The primary metric: the setting, or the task's default."""
        return self.primary_metric or DEFAULT_METRIC[TARGET.task]

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_case_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value
{%- if cookiecutter.include_api %}

    @field_validator("prediction_log_path", mode="before")
    @classmethod
    def _log_off(cls, value: object) -> object:
        # An empty value means the default, so turning the log off takes a word.
        if isinstance(value, str) and value.strip().lower() in ("off", "none"):
            return None
        return value
{%- endif %}

    @model_validator(mode="after")
    def _password_needs_username(self) -> Self:
        if self.mlflow_tracking_password and not self.mlflow_tracking_username:
            raise ValueError(
                "MLFLOW_TRACKING_PASSWORD is set but MLFLOW_TRACKING_USERNAME is not: "
                "set both, or neither"
            )
        return self


{%- if cookiecutter.include_dvc %}


class ParamsFile(YamlConfigSettingsSource):
    """``params.yaml``, refusing keys that are not settings: a typo would go unnoticed."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        super().__init__(settings_cls, yaml_file=PARAMS_FILE)

    def __call__(self) -> dict[str, Any]:
        values = super().__call__()
        unknown = sorted(set(values) - set(self.settings_cls.model_fields))
        if unknown:
            raise ConfigError(
                f"{PARAMS_FILE}: {', '.join(map(repr, unknown))} "
                f"{'is not a setting' if len(unknown) == 1 else 'are not settings'}. "
                "Use the names of .env.example in lower case, without "
                f"{ENV_PREFIX!r}."
            )
        return values
{%- endif %}


def env_name(field: str) -> str:
    """The variable a field is read from: its alias, or the prefixed field name."""
    info = Settings.model_fields.get(field)
    if info is not None and isinstance(info.validation_alias, str):
        return info.validation_alias
    aliases = {f.validation_alias for f in Settings.model_fields.values()}
    return field if field in aliases else f"{ENV_PREFIX}{field.upper()}"


def describe_errors(error: ValidationError) -> str:
    """Turn pydantic's report into one line per bad variable, with the value and the fix."""
    lines = []
    for item in error.errors():
        if item["loc"]:
            where = f"{env_name(str(item['loc'][0]))}={item.get('input')!r}"
        else:  # a rule across fields
            where = "settings"
        lines.append(
            f"{where}: {item['msg']}. "
{%- if cookiecutter.include_dvc %}
            "Fix it in the environment, in .env or in params.yaml (see .env.example)."
{%- else %}
            "Fix it in the environment or in .env (see .env.example)."
{%- endif %}
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


def save_estimator(
    family: Family, params: dict[str, Any], env_file: Path = Path(".env")
) -> Path:
    """Write ESTIMATOR and ESTIMATOR_PARAMS where the settings read them; return the file.
{%- if cookiecutter.include_dvc %}

    That is params.yaml, which DVC tracks (``env_file`` is not written). Only those two
    lines change; the file's other lines and comments stay as they are.
    """
    import yaml

    # YAML's flow style, so that 1e-08 is read back as a number, not as text.
    flow = yaml.safe_dump(params, default_flow_style=True, width=1_000_000).strip()
    path, lines = PARAMS_FILE, {
        "estimator": f"estimator: {family}",
        "estimator_params": f"estimator_params: {flow}",
    }
{%- else %}

    That is ``env_file``; only those two lines change, the file's others stay as they
    are (it is made if missing).
    """
    path, lines = env_file, {
        env_name("estimator"): f"{env_name('estimator')}={family}",
        env_name("estimator_params"): f"{env_name('estimator_params')}="
        f"'{json.dumps(params)}'",
    }
{%- endif %}
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    for key, line in lines.items():
        pattern = re.compile(rf"^{re.escape(key)}\s*[=:].*$", re.MULTILINE)
        if pattern.search(text):
            # Escaped: a replacement string reads backslashes as group references.
            text = pattern.sub(line.replace("\\", r"\\"), text, count=1)
        else:
            text += ("" if text.endswith("\n") or not text else "\n") + line + "\n"
    path.write_text(text, encoding="utf-8")
    return path


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, built on first use (never at import time)."""
    return load_settings()


def export_prometheus_multiproc_dir(folder: Path) -> None:
    """Tell prometheus-client in the workers to come where their values are shared.

    It reads the variable when first imported, so it is set before the workers start.
    """
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
{%- if cookiecutter.include_feature_store %}


@contextmanager
def environment_restored() -> Iterator[None]:
    """Undo what a library writes into the environment while it loads.

    Feast's metrics module points prometheus-client's multiprocess variables at a
    folder of its own when it is imported; left there, they would reach these settings
    and the API's /metrics.
    """
    before = dict(os.environ)
    try:
        yield
    finally:
        for name in set(os.environ) - set(before):
            del os.environ[name]
        os.environ.update(before)
{%- endif %}
{%- if cookiecutter.include_drift_report %}


def export_no_tracking() -> None:
    """Ask Evidently (and the other tools that honour it) not to send usage data."""
    os.environ["DO_NOT_TRACK"] = "1"
{%- endif %}


def do_not_track() -> bool:
    """Whether DO_NOT_TRACK, the cross-tool opt-out, is set (MLflow only reads "true";
    onnxruntime not at all)."""
    return os.environ.get("DO_NOT_TRACK", "").strip().lower() not in ("", "0", "false")


def export_telemetry_switches(settings: Settings) -> None:
    """Tell MLflow and onnxruntime whether they may report usage.

    Each reads its switch once, when it starts: entry points call this first.
    """
    quiet = do_not_track()
    mlflow_off = settings.mlflow_disable_telemetry or quiet
    os.environ["MLFLOW_DISABLE_TELEMETRY"] = "true" if mlflow_off else "false"
    os.environ["ORT_DISABLE_TELEMETRY"] = (
        "1" if settings.ort_disable_telemetry or quiet else "0"
    )


def export_mlflow_environment(settings: Settings) -> None:
    """Hand credentials, HTTP limits and the telemetry switches to MLflow (and
    onnxruntime), which read only their own variables.

    Done here so that values from ``.env`` reach them too, and so that this module stays
    the only one that touches the environment.
    """
    export_telemetry_switches(settings)
    # Our stdout carries results (train --json); MLflow would print run links there.
    os.environ["MLFLOW_SUPPRESS_PRINTING_URL_TO_STDOUT"] = "true"
    os.environ["MLFLOW_HTTP_REQUEST_TIMEOUT"] = str(settings.mlflow_http_timeout_s)
    os.environ["MLFLOW_HTTP_REQUEST_MAX_RETRIES"] = str(
        settings.mlflow_http_max_retries
    )
    if settings.mlflow_tracking_username:
        os.environ["MLFLOW_TRACKING_USERNAME"] = settings.mlflow_tracking_username
    if settings.mlflow_tracking_password:
        os.environ["MLFLOW_TRACKING_PASSWORD"] = (
            settings.mlflow_tracking_password.get_secret_value()
        )
