"""contract infer: a contract written from a real file is valid, black- and ruff-clean,
and the file it was written from meets it; a file that cannot make one says why."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import ModuleType
from typing import Any

import black
import numpy as np
import pandas as pd
import pytest
from black.mode import Mode, TargetVersion
from typer.testing import CliRunner

from {{ cookiecutter.package_name }} import infer
from {{ cookiecutter.package_name }}.cli import app
from {{ cookiecutter.package_name }}.columns import (
    Categorical,
    Numeric,
)
from {{ cookiecutter.package_name }}.errors import DataError

PACKAGE = "{{ cookiecutter.package_name }}"
PROJECT = Path(__file__).resolve().parents[1]
SOURCE = Path(infer.__file__).parent
NOW = datetime.now(UTC)
runner = CliRunner()


# Tables ---------------------------------------------------------------------------------


def table(task: str, rows: int = 300, seed: int = 0) -> pd.DataFrame:
    """Made-up rows of every kind of column, with missing values, and a target of
    ``task`` that depends on them."""
    rng = np.random.default_rng(seed)
    amount = rng.gamma(2.0, 50.0, rows).round(2)
    frame = pd.DataFrame(
        {
            "order_id": [f"o-{n:05d}" for n in range(rows)],
            "amount": amount,
            "items": rng.integers(1, 9, rows),
            "discount": np.where(rng.random(rows) < 0.1, np.nan, rng.random(rows)),
            "store": rng.choice(["north", "south", "east", "web"], rows),
            "coupon": rng.choice(
                np.array(["yes", "no", None], dtype=object), rows, p=[0.3, 0.6, 0.1]
            ),
            "member": rng.random(rows) < 0.4,
            "temperature": rng.normal(-2, 8, rows).round(1),
        }
    )
    score = amount / 100 + frame["items"] - 3 * frame["member"]
    if task == "binary":
        target = np.where(score > score.median(), "returned", "kept").astype(object)
        target[rng.random(rows) < 0.05] = None  # rows with no label yet
    elif task == "multiclass":
        target = pd.qcut(score, 4, labels=False).to_numpy()
    else:
        target = (score * 10 + rng.normal(0, 1, rows)).round(3)
    return frame.assign(outcome=target)


@dataclass
class Written:
    """An inferred contract, written and loaded, with the schema and data modules of
    the package rebuilt on it."""

    file: Path
    inferred: infer.Inferred
    text: str
    contract: ModuleType
    schema: ModuleType
    data: ModuleType


@contextmanager
def swapped_contract(contract: ModuleType) -> Iterator[None]:
    """The package's contract module is ``contract`` while modules load."""
    name = f"{PACKAGE}.contract"
    saved = sys.modules[name]
    sys.modules[name] = contract
    try:
        yield
    finally:
        sys.modules[name] = saved


def load(name: str, path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_and_load(
    folder: Path, frame: pd.DataFrame, suffix: str = ".csv", **options: Any
) -> Written:
    """Write ``frame`` to a file, infer its contract as the command does, write that as
    contract.py, and import it with the package's own schema and data modules."""
    file = folder / f"table{suffix}"
    if suffix == ".csv":
        frame.to_csv(file, index=False)
    else:
        frame.to_parquet(file, index=False)
    options.setdefault("target", "outcome")
    inferred = infer.infer(
        infer.read_file(file, options.get("entity_id")),
        data_path=str(file),
        now=NOW,
        **options,
    )
    text = infer.render(inferred)
    path = folder / "contract.py"
    path.write_text(text, encoding="utf-8")
    # Loaded under the package's names, so that its relative imports resolve.
    contract = load(f"{PACKAGE}.contract", path)
    with swapped_contract(contract):
        schema = load(f"{PACKAGE}.schema", SOURCE / "schema.py")
        saved = sys.modules[f"{PACKAGE}.schema"]
        sys.modules[f"{PACKAGE}.schema"] = schema
        try:
            data = load(f"{PACKAGE}._inferred_data", SOURCE / "data.py")
        finally:
            sys.modules[f"{PACKAGE}.schema"] = saved
    return Written(file, inferred, text, contract, schema, data)


def assert_meets_its_contract(written: Written) -> pd.DataFrame:
    """The file trains under the contract written from it, as it is; the example
    scores."""
    data, schema = written.data, written.schema
    frame = data.read_table(written.file)
    checked = data.validate(frame, schema.training_schema(now=NOW), str(written.file))
    labelled: pd.DataFrame = data.labelled(checked, str(written.file))
    assert len(labelled) == written.inferred.labelled >= written.contract.MIN_ROWS
    example = pd.DataFrame([written.contract.EXAMPLE])
    schema.scoring_schema().validate(example)
    json.dumps(schema.describe())  # JSON data, as logged with every model
    return labelled


def black_mode() -> Mode:
    pyproject = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))
    versions = pyproject["tool"]["black"]["target-version"]
    return Mode(target_versions={TargetVersion[v.upper()] for v in versions})


def assert_black_and_ruff_clean(text: str) -> None:
    assert black.format_str(text, mode=black_mode()) == text
    checked = subprocess.run(
        [
            *(sys.executable, "-m", "ruff", "check", "--no-cache", "--quiet"),
            *("--stdin-filename", f"src/{PACKAGE}/contract.py", "-"),
        ],
        input=text,
        capture_output=True,
        text=True,
        cwd=PROJECT,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


# Contracts of each task -----------------------------------------------------------------


def test_binary_text_target_with_missing_labels_key_and_fresh_time(
    tmp_path: Path,
) -> None:
    frame = table("binary")
    times = [(NOW - timedelta(hours=n)).isoformat() for n in range(300)]
    frame.insert(1, "ordered_at", times)

    written = write_and_load(tmp_path, frame)

    contract = written.contract
    assert contract.TARGET.task == "binary"
    # Sorted: the second is the positive class.
    assert contract.TARGET.classes == ("kept", "returned")
    assert (contract.ENTITY_ID, contract.EVENT_TIME) == ("order_id", "ordered_at")
    assert contract.MAX_DATA_AGE_DAYS == 30  # fresh data: freshness is checked
    labelled = int(frame["outcome"].notna().sum())
    assert labelled < len(frame)
    min_rows = contract.MIN_ROWS
    assert min_rows == min(200, labelled // 2)
    features = {f.name: f for f in contract.FEATURES}
    assert list(features) == [
        "amount",
        "items",
        "discount",
        "store",
        "coupon",
        "member",
        "temperature",
    ]
    assert features["store"] == Categorical("store", ("east", "north", "south", "web"))
    assert features["coupon"] == Categorical("coupon", ("no", "yes"), nullable=True)
    assert features["member"] == Numeric("member", 0, 1, integer=True)
    assert isinstance(features["items"], Numeric)
    assert features["items"].integer
    assert isinstance(features["discount"], Numeric)
    assert features["discount"].nullable
    assert any("have no 'outcome'" in note for note in written.inferred.notes)
    assert_black_and_ruff_clean(written.text)
    assert len(assert_meets_its_contract(written)) == labelled


def test_multiclass_integer_target_without_key_or_time_from_parquet(
    tmp_path: Path,
) -> None:
    frame = table("multiclass").drop(columns=["order_id"])

    written = write_and_load(tmp_path, frame, ".parquet")

    contract = written.contract
    assert contract.TARGET.task == "multiclass"
    assert contract.TARGET.classes == (0, 1, 2, 3)  # labels keep their type
    assert (contract.ENTITY_ID, contract.EVENT_TIME) == (None, None)
    assert contract.MAX_DATA_AGE_DAYS is None
    assert any("--task regression" in note for note in written.inferred.notes)
    assert_black_and_ruff_clean(written.text)
    assert_meets_its_contract(written)


def test_regression_on_historic_data_with_a_saved_index(tmp_path: Path) -> None:
    frame = table("regression").drop(columns=["order_id"])
    frame.insert(0, "Unnamed: 0", range(len(frame)))  # an index saved by to_csv
    frame["sold_at"] = pd.date_range("2009-01-01", periods=len(frame), freq="D")

    written = write_and_load(tmp_path, frame)

    contract = written.contract
    assert contract.TARGET.task == "regression"
    assert contract.TARGET.classes == ()
    target = frame["outcome"]
    assert (contract.TARGET.minimum, contract.TARGET.maximum) == (
        target.min(),
        target.max(),
    )
    assert contract.EVENT_TIME == "sold_at"
    # Historic data: no freshness rule, so it trains with no edit.
    assert contract.MAX_DATA_AGE_DAYS is None
    assert contract.IGNORED == ("Unnamed: 0",)
    assert_black_and_ruff_clean(written.text)
    assert_meets_its_contract(written)


def test_dropped_columns_other_times_and_keys_go_to_ignored(tmp_path: Path) -> None:
    frame = table("binary").assign(
        created=pd.Timestamp("2020-01-01"),
        updated=pd.Timestamp("2021-01-01"),
        customer_key=[f"c{n}" for n in range(300)],
    )

    written = write_and_load(tmp_path, frame, drop=["temperature"])

    contract = written.contract
    assert contract.ENTITY_ID == "order_id"  # the first key; the other is ignored
    assert contract.EVENT_TIME is None  # two times: neither is guessed
    assert contract.IGNORED == ("temperature", "created", "updated", "customer_key")
    assert "temperature" not in {f.name for f in contract.FEATURES}
    assert any("--time-column" in note for note in written.inferred.notes)
    assert_meets_its_contract(written)


def test_named_key_time_and_task_override(tmp_path: Path) -> None:
    frame = table("multiclass").assign(
        created=pd.date_range("2020-01-01", periods=300, freq="h", tz="UTC"),
        updated=pd.Timestamp("2021-01-01"),
    )

    written = write_and_load(
        tmp_path,
        frame,
        task="regression",
        entity_id="order_id",
        time_column="updated",
    )

    contract = written.contract
    assert contract.TARGET.task == "regression"
    assert (contract.ENTITY_ID, contract.EVENT_TIME) == ("order_id", "updated")
    assert contract.IGNORED == ("created",)
    assert_meets_its_contract(written)


@pytest.mark.parametrize(
    ("values", "task", "classes"),
    [
        ([True, False] * 150, "binary", (0, 1)),  # true/false: 0/1, 1 is true
        ([1.0, 0.0, None] * 100, "binary", (0, 1)),  # whole numbers, some missing
        (list(range(6)) * 50, "multiclass", tuple(range(6))),
        ([n % 25 for n in range(300)], "regression", ()),  # many values: amounts
        ([n / 7 for n in range(300)], "regression", ()),
        (["b", "a", "c"] * 100, "multiclass", ("a", "b", "c")),
    ],
)
def test_the_task_follows_from_the_target(
    tmp_path: Path, values: list[Any], task: str, classes: tuple[Any, ...]
) -> None:
    frame = table("binary").assign(outcome=values)

    written = write_and_load(tmp_path, frame)

    assert written.contract.TARGET.task == task
    assert written.contract.TARGET.classes == classes
    assert_meets_its_contract(written)


def test_parquet_types_are_read_as_the_contract_declares_them(tmp_path: Path) -> None:
    frame = table("binary").assign(
        order_id=range(1000, 1300),  # an integer key: text, as in a CSV file
        placed_at=pd.date_range(NOW.replace(tzinfo=None), periods=300, freq="-1h"),
        items=lambda f: f["items"].astype("Int64").mask(f.index == 2),
        store=lambda f: f["store"].astype("category").mask(f.index == 1),
    )

    written = write_and_load(tmp_path, frame, ".parquet")

    contract = written.contract
    assert (contract.ENTITY_ID, contract.EVENT_TIME) == ("order_id", "placed_at")
    features = {f.name: f for f in contract.FEATURES}
    assert features["store"] == Categorical(
        "store", ("east", "north", "south", "web"), nullable=True
    )
    # Seen 1 to 8: 0.7 wider each side, out to whole numbers, and not below 0.
    assert features["items"] == Numeric("items", 0, 9, integer=True, nullable=True)
    assert_meets_its_contract(written)


def test_a_tiny_table_still_trains_as_it_is(tmp_path: Path) -> None:
    frame = table("multiclass", rows=12)

    written = write_and_load(tmp_path, frame)

    assert written.contract.MIN_ROWS == 6
    assert_meets_its_contract(written)


def test_example_is_the_first_complete_row_in_json_types(tmp_path: Path) -> None:
    frame = table("binary")
    frame.loc[0, "discount"] = np.nan  # row 0 is incomplete

    written = write_and_load(tmp_path, frame)

    example = written.contract.EXAMPLE
    first = frame.iloc[1]
    assert example["amount"] == first["amount"]
    assert type(example["amount"]) is float
    assert example["items"] == first["items"]
    assert type(example["items"]) is int
    assert example["member"] == int(first["member"])
    assert type(example["member"]) is int
    assert example["store"] == first["store"]
    assert json.loads(json.dumps(example)) == example


def test_ranges_widen_by_the_margin_and_stay_at_or_above_zero() -> None:
    # Seen 10 to 110: 10 of span each side at the default margin.
    assert infer._widened(10, 110, 0.1, integer=False) == (0, 120)
    assert infer._widened(2, 50, 0.1, integer=True) == (0, 55)  # not below 0
    assert infer._widened(-5, 5, 0.5, integer=True) == (-10, 10)  # negatives were seen
    assert infer._widened(0.31, 0.74, 0.0, integer=False) == (0.31, 0.74)
    low, high = infer._widened(0.123, 4.567, 0.1, integer=False)
    assert 0 <= low <= 0.123 - 0.44 + 0.45
    assert high >= 4.567 + 0.44


def test_hostile_column_names_and_values_stay_black_and_ruff_clean(
    tmp_path: Path,
) -> None:
    names = ['say "hi"', "it's", "back\\slash", "São \u2013 \u0397", "🚀 launch"]
    frame = pd.DataFrame(
        {name: [f"{name} {n % 3}" for n in range(60)] for name in names}
    ).assign(outcome=[n % 2 for n in range(60)], **{"x" * 120: range(60)})

    written = write_and_load(tmp_path, frame)

    assert [f.name for f in written.contract.FEATURES] == [*names, "x" * 120]
    assert written.contract.FEATURES[0].categories[0] == 'say "hi" 0'
    assert_black_and_ruff_clean(written.text)
    assert_meets_its_contract(written)


# Files that cannot make a contract --------------------------------------------------


def infer_from(tmp_path: Path, name: str, content: str | bytes, **options: Any) -> str:
    """The DataError message for a file holding ``content``."""
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    options.setdefault("target", "y")
    with pytest.raises(DataError) as raised:
        infer.infer(infer.read_file(path), data_path=name, **options)
    return str(raised.value)


def csv_of(columns: dict[str, Any]) -> str:
    return pd.DataFrame(columns).to_csv(index=False)


def test_empty_files_are_refused(tmp_path: Path) -> None:
    assert "empty: no header and no rows" in infer_from(tmp_path, "a.csv", "")
    message = infer_from(tmp_path, "b.csv", "x,y\n")
    assert "but no rows" in message
    assert "'x', 'y'" in message


def test_a_missing_target_lists_the_columns(tmp_path: Path) -> None:
    message = infer_from(tmp_path, "a.csv", csv_of({"x": [1, 2], "z": [3, 4]}))

    assert "--target 'y': no such column" in message
    assert "'x', 'z'" in message


def test_a_constant_target_is_refused(tmp_path: Path) -> None:
    message = infer_from(tmp_path, "a.csv", csv_of({"x": [1, 2, 3], "y": [5, 5, 5]}))

    assert "one value only (5)" in message
    assert "nothing to learn" in message


def test_a_column_of_numbers_and_text_is_named_with_examples(tmp_path: Path) -> None:
    mixed = {"x": ["1", "2.5", "unknown", "3", "?"], "y": [0, 1, 0, 1, 0]}

    message = infer_from(tmp_path, "a.csv", csv_of(mixed))

    assert "Column 'x' mixes numbers and text" in message
    assert "['1', '2.5', '3']" in message
    assert "['unknown', '?']" in message
    assert "--drop x" in message
    # ...and the way out it names works.
    frame = pd.DataFrame({**mixed, "z": [1.0, 2.0, 3.0, 4.0, 5.0]})
    written = write_and_load(tmp_path, frame, target="y", drop=["x"])
    assert written.contract.IGNORED == ("x",)
    assert_meets_its_contract(written)


def test_times_in_several_formats_are_refused(tmp_path: Path) -> None:
    times = {"t": ["2026-11-30T10:00:00+02:00", "2026-11-29"], "y": [0, 1]}

    message = infer_from(tmp_path, "a.csv", csv_of(times))

    assert "Column 't' holds times in more than one format" in message
    assert "--drop t" in message


def test_a_target_it_cannot_read_asks_for_another(tmp_path: Path) -> None:
    mixed = {"x": [1, 2, 3], "y": ["1", "2", "many"]}

    message = infer_from(tmp_path, "a.csv", csv_of(mixed))

    assert "Column 'y' mixes numbers and text" in message
    assert "or choose another --target" in message


def test_a_category_of_thousands_of_values_is_refused(tmp_path: Path) -> None:
    rows = {"name": [f"person {n}" for n in range(3000)], "y": [0, 1] * 1500}

    message = infer_from(tmp_path, "a.csv", csv_of(rows))

    assert "Column 'name' holds 3000 distinct values" in message
    assert "--drop name" in message
    assert "--entity-id name" in message


def test_files_it_cannot_read_are_refused(tmp_path: Path) -> None:
    message = infer_from(tmp_path, "a.xlsx", "x,y\n1,0\n")
    assert "unknown file type '.xlsx'" in message
    assert ".csv" in message

    message = infer_from(tmp_path, "b.parquet", b"not a parquet file")
    assert "b.parquet' as parquet" in message
    assert "really is parquet" in message


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"task": "binary"}, "a binary target has exactly 2"),
        ({"task": "multiclass", "target": "z"}, "cannot be class labels"),
        ({"drop": ["y"]}, "--drop 'y' is the target"),
        ({"entity_id": "x"}, "--entity-id 'x' is not a unique key"),
        ({"time_column": "x"}, "--time-column 'x' does not hold times"),
    ],
)
def test_options_that_do_not_fit_the_file_say_why(
    tmp_path: Path, options: dict[str, Any], expected: str
) -> None:
    columns = {"x": [1, 1, 2], "y": ["a", "b", "c"], "z": [0.5, 1.5, 2.5]}

    assert expected in infer_from(tmp_path, "a.csv", csv_of(columns), **options)


def test_the_command_exits_1_with_the_message(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text(csv_of({"x": [1, 2]}), encoding="utf-8")

    result = runner.invoke(
        app,
        [
            *("contract", "infer", str(tmp_path / "a.csv"), "--target", "y"),
            *("--out", str(tmp_path / "contract.py")),
        ],
    )

    assert result.exit_code == 1
    assert "no such column" in result.stderr
    assert not (tmp_path / "contract.py").exists()


def test_the_command_says_what_it_inferred_and_what_comes_next(tmp_path: Path) -> None:
    table("binary").to_csv(tmp_path / "orders.csv", index=False)
    out = tmp_path / "contract.py"
    command = ["contract", "infer", str(tmp_path / "orders.csv"), "--target", "outcome"]

    first = runner.invoke(app, [*command, "--out", str(out)])
    again = runner.invoke(app, [*command, "--out", str(out)])

    assert first.exit_code == 0, first.output
    assert "target: 'outcome', binary" in first.stderr
    assert "have no 'outcome': training leaves them out" in first.stderr
    assert "check-data" in first.stderr  # the next steps
    assert again.exit_code == 0, again.output
    assert "already holds this contract" in again.stderr
    assert not out.with_name("contract.py.bak").exists()  # nothing was replaced


# The command, as a user runs it ---------------------------------------------------------


def test_command_writes_the_package_contract_that_check_data_then_holds(
    tmp_path: Path,
) -> None:
    """In a copy of the package: the default --out is its contract.py, the one it
    replaces is kept, and check-data then holds the file to the new contract."""
    package = tmp_path / "src" / PACKAGE
    shutil.copytree(SOURCE, package, ignore=shutil.ignore_patterns("__pycache__"))
    copied = package / "contract.py"
    before = copied.read_text(encoding="utf-8")
    (tmp_path / "data").mkdir()
    table("regression").to_csv(tmp_path / "data" / "sales.csv", index=False)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", PACKAGE, *args],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )

    wrote = cli("contract", "infer", "data/sales.csv", "--target", "outcome", "--json")
    assert wrote.returncode == 0, wrote.stderr
    summary = json.loads(wrote.stdout)
    assert Path(summary["contract"]).resolve() == copied.resolve()
    assert summary["backup"] is not None
    assert Path(summary["backup"]).read_text(encoding="utf-8") == before
    assert summary["data_path"] == "data/sales.csv"
    assert 'DATA_PATH = "data/sales.csv"' in copied.read_text(encoding="utf-8")

    checked = cli("check-data", "--json")
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout)["rows"] == 300
