"""The feature store: definitions from the contract, materialization, point-in-time
training frames and online lookups, against a real Feast with file and sqlite stores."""

import json
import shutil
import subprocess
import sys
from collections.abc import Hashable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.config import Settings, env_name, get_settings
from {{ cookiecutter.package_name }}.contract import (
    ENTITY_ID,
    EVENT_TIME,
    FEATURE_NAMES,
    TARGET,
)
from {{ cookiecutter.package_name }}.data import load_training_data, read_table, write_table
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.features import (
    FEATURE_SERVICE,
    FEATURE_VIEW,
    FeatureStoreError,
    OnlineFeatures,
    apply,
    join_features,
    load_training_frame,
    materialize,
    open_store,
)
from {{ cookiecutter.package_name }}.registry import Registry
from {{ cookiecutter.package_name }}.train import train

from .conftest import PROJECT_ROOT, use_feature_store

runner = CliRunner()


def newest(data: Path, count: int) -> pd.DataFrame:
    """The ``count`` customers seen last: well inside any TTL."""
    return read_table(data).sort_values(EVENT_TIME).tail(count)


def as_records(frame: pd.DataFrame) -> list[dict[Hashable, Any]]:
    """Rows as plain values, with None for missing numbers (as the API carries them)."""
    return [
        {name: None if pd.isna(value) else value for name, value in row.items()}
        for row in frame[list(FEATURE_NAMES)].to_dict(orient="records")
    ]


def test_definitions_follow_the_contract(store_settings: Settings) -> None:
    store = open_store(store_settings)

    view = store.get_feature_view(FEATURE_VIEW)

    assert [field.name for field in view.features] == list(FEATURE_NAMES)
    assert ENTITY_ID not in {field.name for field in view.features}
    assert view.entity_columns[0].name == ENTITY_ID
    assert view.ttl == timedelta(days=store_settings.feature_ttl_days)
    service = store.get_feature_service(FEATURE_SERVICE)
    assert [p.name for p in service.feature_view_projections] == [FEATURE_VIEW]


def test_online_store_holds_each_customers_values(store_settings: Settings) -> None:
    rows = newest(store_settings.data_path, 20)

    found = OnlineFeatures(store_settings).lookup(rows[ENTITY_ID].tolist())

    assert found.unknown == found.stale == []
    assert found.rows == as_records(rows)


def test_unknown_and_stale_ids_get_no_row(store_settings: Settings) -> None:
    online = OnlineFeatures(store_settings)
    known = newest(store_settings.data_path, 1)[ENTITY_ID].item()
    later = datetime.now(UTC) + timedelta(days=store_settings.feature_ttl_days + 1)

    today = online.lookup([known, "C9999999"])
    after_ttl = online.lookup([known], now=later)

    assert (len(today.rows), today.unknown, today.stale) == (1, ["C9999999"], [])
    assert (after_ttl.rows, after_ttl.unknown, after_ttl.stale) == ([], [], [known])


def test_join_takes_the_values_as_of_each_label_time(
    store_settings: Settings,
) -> None:
    data = read_table(store_settings.data_path)
    customer = data.iloc[-1]
    seen = pd.Timestamp(customer[EVENT_TIME])
    labels = pd.DataFrame(
        {
            ENTITY_ID: [customer[ENTITY_ID]] * 3,
            EVENT_TIME: [
                seen - timedelta(hours=1),  # before the values existed
                seen,
                seen + timedelta(days=store_settings.feature_ttl_days + 1),  # too late
            ],
        }
    )

    joined = join_features(store_settings, labels)

    assert joined[ENTITY_ID].tolist() == labels[ENTITY_ID].tolist()
    assert joined["tenure_months"].isna().tolist() == [True, False, True]
    assert joined.loc[1, "monthly_charges"] == customer["monthly_charges"]


def test_training_frame_from_the_store_equals_the_file(
    store_settings: Settings,
) -> None:
    path = store_settings.data_path

    from_store = load_training_frame(store_settings, path)
    from_file = load_training_data(store_settings, path)

    columns = [ENTITY_ID, EVENT_TIME, *FEATURE_NAMES, TARGET]
    pd.testing.assert_frame_equal(
        from_store[columns], from_file[columns].reset_index(drop=True)
    )


def test_training_from_the_store_gives_the_same_model_as_the_file(
    store_settings: Settings,
) -> None:
    """Train once from the file and once from the store: the same model bytes."""
    from_file = train(store_settings)
    from_store = train(store_settings, load=load_training_frame)

    assert from_store.model_sha256 == from_file.model_sha256
    pipeline = Registry(store_settings).load(
        Registry(store_settings).get(from_store.model_version)
    )
    assert list(pipeline.feature_names_in_) == list(FEATURE_NAMES)  # no id, no time


def test_labels_without_features_are_refused_naming_them(
    store_settings: Settings, tmp_path: Path
) -> None:
    labels = read_table(store_settings.data_path)
    labels.loc[0, ENTITY_ID] = "C9999999"
    path = tmp_path / "labels.csv"
    write_table(labels, path)

    with pytest.raises(DataError, match=r"1 of 600 label rows .*C9999999.*materialize"):
        load_training_frame(store_settings, path)


def test_commands_apply_materialize_and_train_from_the_store(
    tmp_path: Path, sample_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_feature_store(monkeypatch, tmp_path / "store", sample_path)

    applied = runner.invoke(app, ["features", "apply"])
    materialized = runner.invoke(app, ["features", "materialize", "--json"])
    trained = runner.invoke(app, ["train", "--features", "--json"])

    assert applied.exit_code == 0, applied.output
    assert FEATURE_SERVICE in applied.stderr
    assert materialized.exit_code == 0, materialized.output
    assert json.loads(materialized.stdout)["entities"] == 600
    assert trained.exit_code == 0, trained.output
    assert json.loads(trained.stdout)["rows_train"] == 480


def test_feast_leaves_the_environment_as_it_found_it() -> None:
    """Feast's import points prometheus-client's multiprocess variables at a folder of
    its own; they must not reach the settings or the API's /metrics. In a process of
    its own, since this one has imported Feast already."""
    code = (
        "import os\n"
        "before = set(os.environ.items())\n"
        "from {{ cookiecutter.package_name }}.features import load_feast\n"
        "load_feast()\n"
        "print(sorted(before ^ set(os.environ.items())))\n"
    )

    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )

    assert result.stdout.strip() == "[]"


def test_materialize_before_apply_says_what_to_run(
    tmp_path: Path, sample_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_feature_store(monkeypatch, tmp_path / "store", sample_path)

    result = runner.invoke(app, ["features", "materialize"])

    assert result.exit_code == 1
    assert "features apply' first" in result.stderr


def test_materialize_holds_the_data_to_the_contract(
    store_settings: Settings, tmp_path: Path
) -> None:
    bad = read_table(store_settings.data_path).assign(contract="weekly")
    path = tmp_path / "bad.csv"
    write_table(bad, path)

    with pytest.raises(DataError, match=r"column 'contract'.*'weekly'"):
        materialize(store_settings, path)


def test_apply_removes_what_the_folder_no_longer_defines(
    tmp_path: Path, sample_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    shutil.copytree(PROJECT_ROOT / "feature_repo", repo)
    extra = repo / "extra.py"
    extra.write_text(
        "from feast import Entity, ValueType\n"
        "extra = Entity(name='extra', join_keys=['extra_id'], "
        "value_type=ValueType.STRING)\n",
        encoding="utf-8",
    )
    use_feature_store(monkeypatch, tmp_path / "store", sample_path)
    monkeypatch.setenv(env_name("feature_repo"), str(repo))
    get_settings.cache_clear()

    first = apply(get_settings())
    extra.unlink()
    second = apply(get_settings())

    assert "extra" in first
    assert "extra" not in second
    entities = open_store(get_settings()).list_entities()
    assert [e.name for e in entities] == ["customer"]


def test_a_missing_definitions_folder_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(env_name("feature_repo"), "nowhere")
    get_settings.cache_clear()

    with pytest.raises(FeatureStoreError, match="'nowhere'"):
        apply(get_settings())
