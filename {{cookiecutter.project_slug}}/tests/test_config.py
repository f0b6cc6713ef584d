"""Settings: defaults, environment, .env, and errors that say how to fix them."""

import os
import re
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.config import (
    ENV_PREFIX,
    ConfigError,
    Settings,
    env_name,
    export_mlflow_environment,
    load_settings,
)
from {{ cookiecutter.package_name }}.contract import (
    DATA_PATH,
    TARGET,
)
from {{ cookiecutter.package_name }}.metrics import (
    DEFAULT_METRIC,
    METRICS,
    metrics_for,
)

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def test_defaults_need_no_configuration() -> None:
    settings = load_settings()

    assert settings.log_level == "INFO"
    assert settings.log_format == "console"
    assert settings.log_file is None


def test_environment_overrides_dotenv(monkeypatch: pytest.MonkeyPatch) -> None:
    Path(".env").write_text(
        f"{ENV_PREFIX}LOG_LEVEL=debug\n{ENV_PREFIX}LOG_FORMAT=json\nOTHER_TOOL=kept\n",
        encoding="utf-8",
    )
    monkeypatch.setenv(f"{ENV_PREFIX}LOG_FORMAT", "console")

    settings = load_settings()

    assert settings.log_level == "DEBUG"  # from .env, case-insensitive
    assert settings.log_format == "console"  # the environment wins


def test_empty_value_means_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}LOG_FILE", "")

    assert load_settings().log_file is None


def test_bad_value_names_variable_value_and_fix(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}LOG_LEVEL", "LOUD")

    with pytest.raises(ConfigError) as caught:
        load_settings()

    message = str(caught.value)
    assert f"{ENV_PREFIX}LOG_LEVEL='LOUD'" in message
    assert "'INFO'" in message  # the allowed values
    assert ".env.example" in message


def test_env_example_lists_exactly_the_settings() -> None:
    text = (PROJECT_ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))

    expected = {env_name(name) for name in Settings.model_fields}

    assert listed == expected


def test_mlflow_variables_keep_their_standard_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    Path(".env").write_text(
        "MLFLOW_TRACKING_URI=http://mlflow.internal:5000\n", "utf-8"
    )
    monkeypatch.delenv("MLFLOW_TRACKING_URI")

    assert load_settings().mlflow_tracking_uri == "http://mlflow.internal:5000"
    assert env_name("mlflow_tracking_uri") == "MLFLOW_TRACKING_URI"


def test_password_without_username_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "x")

    with pytest.raises(ConfigError, match="set both, or neither"):
        load_settings()


def test_secrets_are_masked_when_shown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLFLOW_TRACKING_USERNAME", "ci")
    monkeypatch.setenv("MLFLOW_TRACKING_PASSWORD", "s3cret-value")

    shown = load_settings().model_dump_json()

    assert "s3cret-value" not in shown


SWITCHES = ("MLFLOW_DISABLE_TELEMETRY", "ORT_DISABLE_TELEMETRY")


def test_telemetry_is_off_unless_a_team_turns_it_on(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in (*SWITCHES, "DO_NOT_TRACK"):
        monkeypatch.delenv(name, raising=False)
    default = load_settings()
    Path(".env").write_text(
        "MLFLOW_DISABLE_TELEMETRY=false\nORT_DISABLE_TELEMETRY=0\n", "utf-8"
    )
    turned_on = load_settings()

    exported = []
    for name in SWITCHES:  # given back to the environment at the test's end
        monkeypatch.setenv(name, "unset")
    export_mlflow_environment(default)
    exported.append([os.environ[name] for name in SWITCHES])
    export_mlflow_environment(turned_on)
    exported.append([os.environ[name] for name in SWITCHES])
    monkeypatch.setenv("DO_NOT_TRACK", "1")  # the cross-tool opt-out wins
    export_mlflow_environment(turned_on)
    exported.append([os.environ[name] for name in SWITCHES])

    assert (default.mlflow_disable_telemetry, default.ort_disable_telemetry) == (
        True,
        True,
    )
    assert (turned_on.mlflow_disable_telemetry, turned_on.ort_disable_telemetry) == (
        False,
        False,
    )
    assert exported == [["true", "1"], ["false", "0"], ["true", "1"]]


def test_the_primary_metric_defaults_to_the_tasks_and_must_be_one_of_its(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    other = next(
        m for m in metrics_for(TARGET.task) if m != DEFAULT_METRIC[TARGET.task]
    )
    foreign = next(m for m in METRICS if m not in metrics_for(TARGET.task))

    default = load_settings()
    monkeypatch.setenv(f"{ENV_PREFIX}PRIMARY_METRIC", other)
    chosen = load_settings()
    monkeypatch.setenv(f"{ENV_PREFIX}PRIMARY_METRIC", foreign)
    with pytest.raises(ConfigError) as caught:
        load_settings()

    assert default.metric == DEFAULT_METRIC[TARGET.task]
    assert chosen.metric == other
    message = str(caught.value)
    assert f"{ENV_PREFIX}PRIMARY_METRIC={foreign!r}" in message
    assert f"not a metric of the contract's {TARGET.task} task" in message
    assert ", ".join(metrics_for(TARGET.task)) in message


def test_estimator_params_are_json_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}ESTIMATOR", "random_forest")
    monkeypatch.setenv(
        f"{ENV_PREFIX}ESTIMATOR_PARAMS", '{"max_depth": 6, "bootstrap": false}'
    )

    settings = load_settings()

    assert settings.estimator == "random_forest"
    assert settings.estimator_params == {"max_depth": 6, "bootstrap": False}


def test_an_unknown_family_lists_the_families(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{ENV_PREFIX}ESTIMATOR", "deep_net")

    with pytest.raises(ConfigError) as caught:
        load_settings()

    assert f"{ENV_PREFIX}ESTIMATOR='deep_net'" in str(caught.value)
    assert "'hist_gradient_boosting'" in str(caught.value)


def test_the_data_path_defaults_to_the_contracts() -> None:
    assert load_settings().data_path == Path(DATA_PATH)


def test_tuned_parameters_are_saved_where_the_settings_read_them() -> None:
    from {{ cookiecutter.package_name }}.config import save_estimator
{% if cookiecutter.include_dvc %}
    Path("params.yaml").write_text(
        "# the team's note\nseed: 7\nestimator: linear\nestimator_params: {}\n",
        encoding="utf-8",
    )
{%- else %}
    Path(".env").write_text(
        f"# the team's note\n{ENV_PREFIX}SEED=7\n{ENV_PREFIX}ESTIMATOR=linear\n",
        encoding="utf-8",
    )
{%- endif %}

    path = save_estimator(
        "hist_gradient_boosting", {"learning_rate": 1e-08, "max_iter": 100}
    )

    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# the team's note"  # the rest of the file stays as it was
    assert len(lines) == 4  # the estimator's two lines, replaced or added
    settings = load_settings()
    assert (settings.seed, settings.estimator) == (7, "hist_gradient_boosting")
    assert settings.estimator_params == {"learning_rate": 1e-08, "max_iter": 100}
    assert isinstance(settings.estimator_params["learning_rate"], float)
