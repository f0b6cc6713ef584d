"""The feature store: definitions from the contract, materialization, point-in-time
training frames and online lookups, against a real Feast with file and sqlite stores.

A contract without an entity id or an event time can have no store: the tests that need
one skip, and the last tests check what such a contract's user is told instead.
"""

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
from {{ cookiecutter.package_name }}.columns import Categorical
from {{ cookiecutter.package_name }}.config import (
    Settings,
    env_name,
    get_settings,
)
from {{ cookiecutter.package_name }}.contract import (
    ENTITY_ID,
    EVENT_TIME,
    FEATURES,
    TARGET,
)
from {{ cookiecutter.package_name }}.data import (
    load_training_data,
    read_table,
    write_table,
)
from {{ cookiecutter.package_name }}.errors import DataError
from {{ cookiecutter.package_name }}.features import (
    ENTITY,
    FEATURE_SERVICE,
    FEATURE_VIEW,
    FeatureStoreError,
    OnlineFeatures,
    apply,
    entity_name,
    join_features,
    load_training_frame,
    materialize,
    open_store,
    store_keys,
)
from {{ cookiecutter.package_name }}.registry import Registry
from {{ cookiecutter.package_name }}.schema import (
    FEATURE_NAMES,
    TASK,
)
from {{ cookiecutter.package_name }}.train import train

from .conftest import PROJECT_ROOT, use_feature_store

runner = CliRunner()
HAS_KEYS = ENTITY_ID is not None and EVENT_TIME is not None
needs_store = pytest.mark.skipif(
    not HAS_KEYS,
    reason="the contract has no ENTITY_ID or no EVENT_TIME, so no feature store: "
    "test_without_keys_the_commands_say_what_to_add checks what users see instead",
)
KEY, TIME = (ENTITY_ID or "", EVENT_TIME or "")  # used only where HAS_KEYS
UNKNOWN = "no-such-entity"
SAMPLE_ROWS = 600  # the session store's (conftest)


def newest(data: Path, count: int) -> pd.DataFrame:
    """The ``count`` entities seen last: well inside any TTL."""
    return read_table(data).sort_values(TIME).tail(count)


def as_records(frame: pd.DataFrame) -> list[dict[Hashable, Any]]:
    """Rows as plain values, with None for missing ones (as the API carries them)."""
    return [
        {name: None if pd.isna(value) else value for name, value in row.items()}
        for row in frame[list(FEATURE_NAMES)].to_dict(orient="records")
    ]


def broken(frame: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """The frame with the contract's first feature out of its range or categories in
    every row, and that feature's name."""
    feature = FEATURES[0]
    if isinstance(feature, Categorical):
        value: str | float = "not-a-category"
    else:
        value = feature.maximum + 1
    return frame.assign(**{feature.name: value}), feature.name


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("customer_id", "customer"),
        ("ticket_id", "ticket"),
        ("Listing ID", "listing"),
        ("user-key", "user"),
        ("sku", "sku"),
        ("id", "entity"),
        (None, "entity"),
    ],
)
def test_the_entity_is_named_from_the_key(key: str | None, name: str) -> None:
    assert entity_name(key) == name


@needs_store
def test_definitions_follow_the_contract(store_settings: Settings) -> None:
    store = open_store(store_settings)

    view = store.get_feature_view(FEATURE_VIEW)

    assert [field.name for field in view.features] == list(FEATURE_NAMES)
    assert KEY not in {field.name for field in view.features}
    assert view.entity_columns[0].name == KEY
    assert [e.name for e in store.list_entities()] == [ENTITY]
    assert store.get_entity(ENTITY).join_key == KEY
    assert view.ttl == timedelta(days=store_settings.feature_ttl_days)
    service = store.get_feature_service(FEATURE_SERVICE)
    assert [p.name for p in service.feature_view_projections] == [FEATURE_VIEW]


@needs_store
def test_online_store_holds_each_entitys_values(store_settings: Settings) -> None:
    rows = newest(store_settings.data_path, 20)

    found = OnlineFeatures(store_settings).lookup(rows[KEY].tolist())

    assert found.unknown == found.stale == []
    assert found.rows == as_records(rows)


@needs_store
def test_unknown_and_stale_ids_get_no_row(store_settings: Settings) -> None:
    online = OnlineFeatures(store_settings)
    known = newest(store_settings.data_path, 1)[KEY].item()
    later = datetime.now(UTC) + timedelta(days=store_settings.feature_ttl_days + 1)

    today = online.lookup([known, UNKNOWN])
    after_ttl = online.lookup([known], now=later)

    assert (len(today.rows), today.unknown, today.stale) == (1, [UNKNOWN], [])
    assert (after_ttl.rows, after_ttl.unknown, after_ttl.stale) == ([], [], [known])


@needs_store
def test_join_takes_the_values_as_of_each_label_time(
    store_settings: Settings,
) -> None:
    data = read_table(store_settings.data_path)
    entity = data.iloc[-1]
    known = next(name for name in FEATURE_NAMES if pd.notna(entity[name]))
    seen = pd.Timestamp(entity[TIME])
    labels = pd.DataFrame(
        {
            KEY: [entity[KEY]] * 3,
            TIME: [
                seen - timedelta(hours=1),  # before the values existed
                seen,
                seen + timedelta(days=store_settings.feature_ttl_days + 1),  # too late
            ],
        }
    )

    joined = join_features(store_settings, labels)

    assert joined[KEY].tolist() == labels[KEY].tolist()
    assert joined[known].isna().tolist() == [True, False, True]
    assert joined.loc[1, known] == entity[known]


@needs_store
def test_training_frame_from_the_store_equals_the_file(
    store_settings: Settings,
) -> None:
    path = store_settings.data_path

    from_store = load_training_frame(store_settings, path)
    from_file = load_training_data(store_settings, path)

    columns = [KEY, TIME, *FEATURE_NAMES, TARGET.name]
    pd.testing.assert_frame_equal(
        from_store[columns].reset_index(drop=True),
        from_file[columns].reset_index(drop=True),
    )


@needs_store
def test_training_from_the_store_gives_the_same_model_as_the_file(
    store_settings: Settings,
) -> None:
    """Train once from the file and once from the store: the same model bytes, for
    class labels or values alike."""
    from_file = train(store_settings)
    from_store = train(store_settings, load=load_training_frame)

    assert from_store.task == TASK
    assert from_store.model_sha256 == from_file.model_sha256
    pipeline = Registry(store_settings).load(
        Registry(store_settings).get(from_store.model_version)
    )
    assert list(pipeline.feature_names_in_) == list(FEATURE_NAMES)  # no id, no time


@needs_store
def test_labels_without_features_are_refused_naming_them(
    store_settings: Settings, tmp_path: Path
) -> None:
    labels = read_table(store_settings.data_path)
    labels.loc[0, KEY] = UNKNOWN
    path = tmp_path / "labels.csv"
    write_table(labels, path)

    with pytest.raises(
        DataError, match=rf"1 of {SAMPLE_ROWS} label rows .*{UNKNOWN}.*materialize"
    ):
        load_training_frame(store_settings, path)


@needs_store
def test_commands_apply_materialize_and_train_from_the_store(
    tmp_path: Path, sample_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = use_feature_store(monkeypatch, tmp_path / "store", sample_path)
    rows = len(read_table(sample_path))

    applied = runner.invoke(app, ["features", "apply"])
    materialized = runner.invoke(app, ["features", "materialize", "--json"])
    trained = runner.invoke(app, ["train", "--features", "--json"])

    assert applied.exit_code == 0, applied.output
    assert FEATURE_SERVICE in applied.stderr
    assert materialized.exit_code == 0, materialized.output
    assert json.loads(materialized.stdout)["entities"] == rows
    assert trained.exit_code == 0, trained.output
    result = json.loads(trained.stdout)
    assert result["task"] == TASK
    assert result["rows_train"] == round(rows * (1 - settings.validation_fraction))


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


@needs_store
def test_materialize_before_apply_says_what_to_run(
    tmp_path: Path, sample_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_feature_store(monkeypatch, tmp_path / "store", sample_path)

    result = runner.invoke(app, ["features", "materialize"])

    assert result.exit_code == 1
    assert "features apply' first" in result.stderr


@needs_store
def test_materialize_holds_the_data_to_the_contract(
    store_settings: Settings, tmp_path: Path
) -> None:
    bad, column = broken(read_table(store_settings.data_path))
    path = tmp_path / "bad.csv"
    write_table(bad, path)

    with pytest.raises(DataError, match=rf"column '{column}'"):
        materialize(store_settings, path)


@needs_store
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
    assert [e.name for e in entities] == [ENTITY]


@needs_store
def test_a_missing_definitions_folder_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(env_name("feature_repo"), "nowhere")
    get_settings.cache_clear()

    with pytest.raises(FeatureStoreError, match="'nowhere'"):
        apply(get_settings())


@pytest.mark.parametrize(
    ("entity_id", "event_time", "missing"),
    [
        (None, "at", ["ENTITY_ID"]),
        ("id", None, ["EVENT_TIME"]),
        (None, None, ["ENTITY_ID", "EVENT_TIME"]),
    ],
)
def test_store_keys_say_what_the_contract_must_add(
    entity_id: str | None, event_time: str | None, missing: list[str]
) -> None:
    with pytest.raises(FeatureStoreError) as error:
        store_keys(entity_id, event_time)

    message = str(error.value)
    for name in missing:
        assert f"no {name}" in message
        assert f"{name} in contract.py to " in message
    assert store_keys("id", "at") == ("id", "at")


@pytest.mark.skipif(HAS_KEYS, reason="the contract names ENTITY_ID and EVENT_TIME")
@pytest.mark.parametrize(
    "command",
    [["features", "apply"], ["features", "materialize"], ["train", "--features"]],
    ids=["apply", "materialize", "train"],
)
def test_without_keys_the_commands_say_what_to_add(
    tmp_path: Path,
    sample_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    command: list[str],
) -> None:
    use_feature_store(monkeypatch, tmp_path / "store", sample_path)

    result = runner.invoke(app, command)

    assert result.exit_code == 1, result.output
    assert "contract.py" in result.stderr
    for name, value in (("ENTITY_ID", ENTITY_ID), ("EVENT_TIME", EVENT_TIME)):
        assert (f"no {name}" in result.stderr) is (value is None)
    assert not (tmp_path / "store").exists()  # nothing was made on the way


def test_features_and_the_dask_engine_are_refused_together() -> None:
    result = runner.invoke(app, ["train", "--features", "--engine", "dask"])

    assert result.exit_code == 2
    assert "--features trains with --engine local" in result.stderr
