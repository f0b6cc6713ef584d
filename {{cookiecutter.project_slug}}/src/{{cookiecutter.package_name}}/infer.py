"""Writing a contract from a real file: its columns, their kinds and ranges, the task.

``infer`` reads what a table holds (pandera's schema inference gives the types, the
missing values and the observed ranges; pandas the rest) and ``render`` writes it as a
contract.py a person can read and edit, in black's style, so that the project's own
checks pass on it with no edit. Kept free of MLflow and scikit-learn: it starts fast.
"""

import math
import re
import shlex
import unicodedata
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .columns import Categorical, Label, Numeric, Target, Task
from .errors import DataError

CLI = "{{ cookiecutter.project_slug }}"
SUFFIXES = (".csv", ".parquet", ".jsonl")
# An integer target with at most this many values is taken for classes, not amounts.
MAX_INTEGER_CLASSES = 20
# Freshness is only checked when the file itself is fresh: historic data trains as is.
FRESH_DAYS = 30
MIN_ROWS_CAP = 200
LINE_LENGTH = 88  # black's
SHOWN = 3  # example values in a message
# Names that say "a key": id, uuid, guid, key, or a name ending in one of them as a word
# (customer_id, CustomerID, order-key); "paid" or "monkey" are not keys.
KEY_WORDS = {"id", "uuid", "guid", "key"}
# ruff's S108 takes a path under these for a temporary file that the code makes.
TEMPORARY = ("/tmp", "/var/tmp", "/dev/shm")  # noqa: S108
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?")


@dataclass(frozen=True)
class Inferred:
    """A contract read from a file, and what a person should know about it."""

    data_path: str
    command: str
    rows: int
    labelled: int
    entity_id: str | None
    event_time: str | None
    newest_event: datetime | None
    max_data_age_days: int | None
    min_rows: int
    ignored: tuple[str, ...]
    target: Target
    features: tuple[Numeric | Categorical, ...]
    example: dict[str, Any]
    notes: tuple[str, ...] = field(default=())

    def summary(self) -> dict[str, Any]:
        """The contract in brief, as JSON data (``--json``)."""
        return {
            "data_path": self.data_path,
            "rows": self.rows,
            "labelled": self.labelled,
            "unlabelled": self.rows - self.labelled,
            "task": self.target.task,
            "target": self.target.name,
            "classes": list(self.target.classes),
            "entity_id": self.entity_id,
            "event_time": self.event_time,
            "max_data_age_days": self.max_data_age_days,
            "min_rows": self.min_rows,
            "numeric": [f.name for f in self.features if isinstance(f, Numeric)],
            "categorical": [
                f.name for f in self.features if isinstance(f, Categorical)
            ],
            "ignored": list(self.ignored),
            "example": self.example,
            "notes": list(self.notes),
        }


# Reading ------------------------------------------------------------------------------


def read_file(path: Path, entity_id: str | None = None) -> pd.DataFrame:
    """Read a .csv, .parquet or .jsonl file as the project will once the contract names
    ``entity_id`` (kept as text in text files, like ``data.read_table`` does).

    Raises:
        DataError: no such file, a type it cannot read, or no columns or no rows.
    """
    if not path.is_file():
        raise DataError(f"No file at '{path}': give the path of a CSV or Parquet file.")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DataError(
            f"Cannot read '{path}': unknown file type {path.suffix!r}. Use a .csv or "
            ".parquet file (or .jsonl): save it as CSV from the tool that made it, or "
            "with pandas (frame.to_csv(path, index=False))."
        )
    text: dict[Hashable, type[str]] = {entity_id: str} if entity_id else {}
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=text)
        elif suffix == ".jsonl":
            frame = pd.read_json(path, lines=True, dtype=text)
        else:
            frame = pd.read_parquet(path)
    except pd.errors.EmptyDataError:
        raise DataError(
            f"'{path}' is empty: no header and no rows. A CSV file needs a header line "
            "naming the columns, then one line per row."
        ) from None
    except (ValueError, OSError) as error:  # parser errors are ValueErrors
        raise DataError(
            f"Could not read '{path}' as {suffix[1:]}: {str(error).rstrip('.')}. "
            "Check that the file "
            f"really is {suffix[1:]} (its name ends in {path.suffix!r})."
        ) from error
    if frame.shape[1] == 0:
        raise DataError(f"'{path}' has no columns: nothing to write a contract from.")
    if len(frame) == 0:
        raise DataError(
            f"'{path}' has columns ({_names(frame.columns)}) but no rows: a contract is "
            "written from real values; add the data first."
        )
    return frame


# Inference ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Column:
    """What a column holds, as far as the contract cares."""

    kind: str  # "number", "bool", "text", "time" or "empty"
    integer: bool = False  # a number column holding whole numbers only
    nullable: bool = False
    minimum: float | None = None
    maximum: float | None = None


def infer(
    frame: pd.DataFrame,
    *,
    target: str,
    data_path: str,
    task: Task | None = None,
    entity_id: str | None = None,
    time_column: str | None = None,
    drop: Sequence[str] = (),
    margin: float = 0.1,
    max_categories: int = 50,
    now: datetime | None = None,
) -> Inferred:
    """The contract a frame meets, with ranges widened by ``margin`` of each span.

    Raises:
        DataError: the frame cannot make a contract; the message says why and what to do.
    """
    now = now or datetime.now(UTC)
    columns = [str(name) for name in frame.columns]
    frame = frame.set_axis(columns, axis="columns")
    _check_named(columns, target, entity_id, time_column, drop)
    notes: list[str] = []
    ignored = [name for name in columns if name in drop]
    # What the dropped columns hold does not matter: dropping is the way out of a
    # column that cannot be declared.
    kept = frame.drop(columns=ignored)
    described = _describe(kept)
    kinds = {
        name: _kind(kept[name], described[name], _way_out(name, target))
        for name in kept.columns
    }

    event_time = _event_time(frame, kinds, target, time_column, ignored, notes)
    key = _entity_id(frame, kinds, target, entity_id, event_time, ignored, notes)
    taken = {target, event_time, key, *ignored}
    for name in columns:
        if name not in taken and kinds[name].kind == "empty":
            ignored.append(name)
            notes.append(f"{name!r} is empty in every row: listed in IGNORED")
    ignored = [name for name in columns if name in ignored]  # in the file's order

    contract_target = _target(frame[target], kinds[target], task, max_categories, notes)
    features = tuple(
        _feature(frame[name], kinds[name], margin, max_categories)
        for name in columns
        if name not in {target, event_time, key, *ignored}
    )
    if not features:
        raise DataError(
            f"No column is left to learn {target!r} from: the file holds "
            f"{_names(columns)}, and all of them are the target, the key, the time or "
            "dropped. Keep at least one column as a feature."
        )
    booleans = [f.name for f in features if kinds[f.name].kind == "bool"]
    if booleans:
        notes.append(
            f"true/false columns become 0/1 integer features: {_names(booleans)}"
        )

    labelled = int(frame[target].notna().sum())
    if labelled < len(frame):
        notes.append(
            f"{len(frame) - labelled} of {len(frame)} rows have no {target!r}: "
            "training leaves them out"
        )
    newest = None
    if event_time is not None:
        times = _times(frame[event_time])
        newest = None if times is None else times.max().to_pydatetime()
    fresh = newest is not None and now - newest <= timedelta(days=FRESH_DAYS)
    if event_time is None:
        notes.append(
            "no time column: validation takes a seeded random share of rows; name one "
            "with --time-column to validate on the newest rows"
        )
    elif not fresh:
        notes.append(
            f"the newest {event_time!r} is {newest:%Y-%m-%d}, more than {FRESH_DAYS} "
            "days ago: MAX_DATA_AGE_DAYS = None, so the file trains as it is"
        )
    return Inferred(
        data_path=data_path,
        command=_command(
            data_path,
            target,
            task,
            entity_id,
            time_column,
            drop,
            margin,
            max_categories,
        ),
        rows=len(frame),
        labelled=labelled,
        entity_id=key,
        event_time=event_time,
        newest_event=newest,
        max_data_age_days=FRESH_DAYS if fresh else None,
        min_rows=min(MIN_ROWS_CAP, max(1, labelled // 2)),
        ignored=tuple(ignored),
        target=contract_target,
        features=features,
        example=_example(frame, features),
        notes=tuple(notes),
    )


def _check_named(
    columns: list[str],
    target: str,
    entity_id: str | None,
    time_column: str | None,
    drop: Sequence[str],
) -> None:
    named = [("--target", target), ("--entity-id", entity_id)]
    named += [("--time-column", time_column)] + [("--drop", name) for name in drop]
    for option, name in named:
        if name is not None and name not in columns:
            raise DataError(
                f"{option} {name!r}: no such column. The file's columns are "
                f"{_names(columns)}."
            )
    for option, name in named[1:]:
        if name == target:
            raise DataError(
                f"{option} {name!r} is the target: a column is the target or the "
                f"{option[2:].replace('-', ' ')}, not both."
            )
    if entity_id is not None and entity_id == time_column:
        raise DataError(f"{entity_id!r} cannot be both the entity id and the time.")
    for name in (entity_id, time_column):
        if name is not None and name in drop:
            raise DataError(f"{name!r} is named by --drop and by another option.")


def _describe(frame: pd.DataFrame) -> dict[str, _Column]:
    """Types, missing values and observed ranges, from pandera's schema inference."""
    import pandera.pandas as pa

    schema = pa.infer_schema(frame)
    described = {}
    for name, column in schema.columns.items():
        bounds: dict[str, float] = {}
        for check in column.checks:
            for key in ("min_value", "max_value"):
                if key in check.statistics:
                    bounds[key] = check.statistics[key]
        described[name] = _Column(
            kind="",
            nullable=bool(column.nullable),
            minimum=bounds.get("min_value"),
            maximum=bounds.get("max_value"),
        )
    return described


def _way_out(name: str, target: str) -> str:
    """What to do about a column that cannot be declared."""
    if name == target:
        return "or choose another --target"
    return f"or leave it out with --drop {_quoted(name)}"


def _kind(values: "pd.Series[Any]", described: _Column, way_out: str) -> _Column:
    """What a column holds: numbers (whole or not), true/false, text or times."""
    present = values.dropna()
    if present.empty:
        return replace(described, kind="empty")
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return replace(described, kind="bool", integer=True, minimum=0, maximum=1)
    if pd.api.types.is_numeric_dtype(dtype):
        numbers = present.astype("float64")
        if not np.isfinite(numbers).all():
            shown = numbers[~np.isfinite(numbers)].head(SHOWN).tolist()
            raise DataError(
                f"Column {values.name!r} holds infinite values ({shown}): clean them "
                f"(an empty cell for a missing value), {way_out}."
            )
        whole = pd.api.types.is_integer_dtype(dtype) or bool((numbers % 1 == 0).all())
        minimum, maximum = described.minimum, described.maximum
        if minimum is None or maximum is None:  # pandera gives no range for some types
            minimum, maximum = float(numbers.min()), float(numbers.max())
        return replace(
            described, kind="number", integer=whole, minimum=minimum, maximum=maximum
        )
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return replace(described, kind="time")
    if isinstance(dtype, pd.CategoricalDtype):
        return replace(described, kind="text")
    types = {type(value) for value in present}
    if types <= {bool, np.bool_}:
        return replace(described, kind="bool", integer=True, minimum=0, maximum=1)
    if types <= {str}:
        text = present.astype(str)
        if text.str.match(ISO_TIME).all():
            if _times(text) is None:
                formats = text.drop_duplicates().head(SHOWN).tolist()
                raise DataError(
                    f"Column {values.name!r} holds times in more than one format (such "
                    f"as {formats}), which the contract cannot read as one column: write "
                    f"them alike (ISO 8601, e.g. 2024-05-01T12:00:00Z), {way_out}."
                )
            return replace(described, kind="time")
        numbers = pd.to_numeric(text, errors="coerce")
        if numbers.notna().any():
            _mixed(str(values.name), text, numbers, way_out)
        return replace(described, kind="text")
    if all(isinstance(value, int | float) for value in present):  # numbers as objects
        numeric = pd.to_numeric(present)
        return _kind(numeric.reindex(values.index), described, way_out)
    if any(isinstance(value, str) for value in present):
        text = present.map(str)
        _mixed(str(values.name), text, pd.to_numeric(text, errors="coerce"), way_out)
    types_seen = sorted({type(value).__name__ for value in present})
    raise DataError(
        f"Column {values.name!r} holds values of type {', '.join(types_seen)}, which a "
        f"contract cannot declare (numbers, text, true/false or times): convert it, "
        f"{way_out}."
    )


def _mixed(
    name: str, text: "pd.Series[Any]", numbers: "pd.Series[Any]", way_out: str
) -> None:
    words = text[numbers.isna()]
    figures = text[numbers.notna()].drop_duplicates().head(SHOWN).tolist()
    raise DataError(
        f"Column {name!r} mixes numbers and text: numbers such as {figures} and text "
        f"such as {words.drop_duplicates().head(SHOWN).tolist()} ({len(words)} of "
        f"{len(text)} values are not numbers). Clean it so that it holds one kind (an "
        f"empty cell for a missing value, not 'n/a' or '?'), {way_out}."
    )


def _times(values: "pd.Series[Any]") -> "pd.Series[Any] | None":
    """Times in UTC as the contract reads them (pandera's coercion; a time without a
    zone is taken as UTC), or None if it cannot read them all."""
    import pandera.pandas as pa
    from pandera.errors import SchemaError

    name = str(values.name)
    column = pa.Column(
        pd.DatetimeTZDtype("ns", "UTC"), coerce=True, nullable=True, name=name
    )
    try:
        times: pd.Series[Any] = column.validate(values.to_frame(name))[name]
    except SchemaError:
        return None
    return times


def _event_time(
    frame: pd.DataFrame,
    kinds: dict[str, _Column],
    target: str,
    named: str | None,
    ignored: list[str],
    notes: list[str],
) -> str | None:
    """The time column: the one named, or the only complete one; other times are
    ignored (a contract has no time features)."""
    candidates = [
        name
        for name, column in kinds.items()
        if column.kind == "time" and name != target and name not in ignored
    ]
    if named is not None:
        column = kinds[named]
        if column.kind != "time":
            shown = frame[named].dropna().drop_duplicates().head(SHOWN).tolist()
            raise DataError(
                f"--time-column {named!r} does not hold times: values such as {shown}. "
                "Times are written in ISO 8601 (2024-05-01 or 2024-05-01T12:00:00Z); "
                "convert the column, or leave --time-column out."
            )
        if column.nullable:
            missing = int(frame[named].isna().sum())
            raise DataError(
                f"--time-column {named!r} is missing in {missing} row(s): the event time "
                "must be known for every row. Fill or drop those rows, or leave "
                "--time-column out (validation then takes a random share)."
            )
    complete = [name for name in candidates if not kinds[name].nullable]
    if named is None and len(complete) > 1:
        notes.append(
            f"several time columns ({_names(complete)}): none taken as EVENT_TIME; "
            "name one with --time-column"
        )
    chosen = named or (complete[0] if len(complete) == 1 else None)
    others = [name for name in candidates if name != chosen]
    if others:
        ignored.extend(others)
        notes.append(f"time columns listed in IGNORED: {_names(others)}")
    return chosen


def _looks_like_a_key(name: str) -> bool:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)  # CustomerId -> Customer Id
    words = re.split(r"[^A-Za-z0-9]+", spaced.strip())
    return words[-1].lower() in KEY_WORDS if words else False


def _entity_id(
    frame: pd.DataFrame,
    kinds: dict[str, _Column],
    target: str,
    named: str | None,
    event_time: str | None,
    ignored: list[str],
    notes: list[str],
) -> str | None:
    """The entity key: the one named, or the first unique text or integer column whose
    name says it is a key. Other such keys, and saved pandas indexes, are ignored."""

    def unique(name: str) -> bool:
        return bool(frame[name].notna().all() and frame[name].is_unique)

    if named is not None and not unique(named):
        repeated = frame[named][frame[named].duplicated()].head(SHOWN).tolist()
        missing = int(frame[named].isna().sum())
        raise DataError(
            f"--entity-id {named!r} is not a unique key: the contract holds one row "
            f"per entity, but values repeat (such as {repeated}) or are missing "
            f"({missing} row(s)). Leave --entity-id out, or --drop it."
        )
    keys = [
        name
        for name, column in kinds.items()
        if name not in (target, event_time, named)
        and name not in ignored
        and _looks_like_a_key(name)
        and (column.kind == "text" or (column.kind == "number" and column.integer))
        and unique(name)
    ]
    chosen = named or (keys[0] if keys else None)
    others = [name for name in keys if name != chosen]
    others += [
        name
        for name in kinds
        if name.startswith("Unnamed: ") and name not in (target, chosen, *others)
    ]
    if others:
        ignored.extend(others)
        notes.append(f"keys and row numbers listed in IGNORED: {_names(others)}")
    return chosen


def _target(
    values: "pd.Series[Any]",
    column: _Column,
    task: Task | None,
    max_categories: int,
    notes: list[str],
) -> Target:
    """The target and its task: text or true/false make classes; whole numbers make
    classes when they are few; other numbers are a regression."""
    name = str(values.name)
    present = values.dropna()
    if present.empty:
        raise DataError(f"Target {name!r} is empty in every row: nothing to learn.")
    if column.kind in ("time", "empty"):
        raise DataError(
            f"Target {name!r} holds times: a model predicts classes or amounts. "
            "Choose another --target."
        )
    labels: list[Label]
    if column.kind == "bool":
        labels = [0, 1]
        if present.nunique() > 1:
            notes.append(f"true/false target {name!r}: classes (0, 1), 1 is true")
    elif column.kind == "text":
        labels = sorted(str(label) for label in present.unique())
    elif column.integer:
        labels = sorted(int(label) for label in present.unique())
    else:
        labels = []
    distinct = present.nunique()
    if distinct < 2:
        raise DataError(
            f"Target {name!r} holds one value only ({present.tolist()[0]!r}) in its "
            f"{len(present)} labelled rows: there is nothing to learn. Check that it "
            "is the right column, or add rows of the other classes."
        )
    if task is None:
        if column.kind == "number" and (
            not column.integer or distinct > MAX_INTEGER_CLASSES
        ):
            task = "regression"
        else:
            task = "binary" if distinct == 2 else "multiclass"
            if column.kind == "number" and task == "multiclass":
                notes.append(
                    f"target {name!r} holds {distinct} whole numbers: taken as classes "
                    "(multiclass); pass --task regression if they are amounts"
                )
    if task == "regression":
        if column.kind != "number":
            raise DataError(
                f"--task regression: target {name!r} holds text or true/false values "
                f"({present.drop_duplicates().head(SHOWN).tolist()}), not amounts. Use "
                "--task binary or multiclass, or another --target."
            )
        minimum, maximum = _bounds(column)
        return Target(name, "regression", minimum=minimum, maximum=maximum)
    if not labels:
        raise DataError(
            f"--task {task}: target {name!r} holds fractional numbers (such as "
            f"{present.head(SHOWN).tolist()}), which cannot be class labels. Leave "
            "--task out (regression), or give whole numbers or text."
        )
    expected = {"binary": distinct == 2, "multiclass": distinct >= 3}
    if not expected[task]:
        raise DataError(
            f"--task {task}: target {name!r} holds {distinct} classes "
            f"({_shown(labels)}), and a {task} target has "
            f"{'exactly 2' if task == 'binary' else '3 or more'}. Leave --task out, or "
            "choose another."
        )
    if distinct > max_categories:
        raise DataError(
            f"Target {name!r} holds {distinct} distinct values ({_shown(labels)}), "
            f"more classes than --max-categories {max_categories}. If they are amounts, "
            "clean the column so that it holds numbers only; to keep them as classes, "
            "raise --max-categories."
        )
    return Target(name, task, classes=tuple(labels))


def _feature(
    values: "pd.Series[Any]",
    column: _Column,
    margin: float,
    max_categories: int,
) -> Numeric | Categorical:
    name = str(values.name)
    if column.kind == "text":
        categories = sorted({str(value) for value in values.dropna()})
        if len(categories) > max_categories:
            raise DataError(
                f"Column {name!r} holds {len(categories)} distinct values (such as "
                f"{_shown(categories)}): too many for a category (--max-categories "
                f"{max_categories}). Leave it out with --drop {_quoted(name)}, name it "
                f"with --entity-id {_quoted(name)} if it is a unique key, or raise "
                "--max-categories."
            )
        return Categorical(name, tuple(categories), nullable=column.nullable)
    if column.kind == "bool":
        return Numeric(name, 0, 1, integer=True, nullable=column.nullable)
    minimum, maximum = _widened(*_bounds(column), margin, column.integer)
    return Numeric(
        name, minimum, maximum, integer=column.integer, nullable=column.nullable
    )


def _bounds(column: _Column) -> tuple[float, float]:
    if column.minimum is None or column.maximum is None:
        raise ValueError(f"no observed range for a {column.kind} column")
    return column.minimum, column.maximum


def _widened(
    low: float, high: float, margin: float, integer: bool
) -> tuple[float, float]:
    """The observed range widened by ``margin`` of its span on each side, out to round
    numbers, and not below 0 when nothing below 0 was seen."""
    low, high = float(low), float(high)
    pad = margin * (high - low if high > low else max(abs(low), 1.0))
    if pad > 0:
        step = 10.0 ** math.floor(math.log10(pad))
        if integer:
            step = max(step, 1.0)
        decimals = max(0, -math.floor(math.log10(step)))
        wide_low = round(math.floor((low - pad) / step) * step, decimals)
        wide_high = round(math.ceil((high + pad) / step) * step, decimals)
        low = max(wide_low, 0.0) if low >= 0 else wide_low
        high = wide_high
    return (math.floor(low), math.ceil(high)) if integer else (low, high)


def _example(
    frame: pd.DataFrame, features: tuple[Numeric | Categorical, ...]
) -> dict[str, Any]:
    """The first complete row, or else the one with fewest missing values (None)."""
    names = [feature.name for feature in features]
    missing = frame[names].isna().sum(axis="columns").to_numpy()
    row = frame[names].iloc[int(np.argmin(missing))]  # the first of the fewest
    example: dict[str, Any] = {}
    for feature in features:
        value = row[feature.name]
        if pd.isna(value):
            example[feature.name] = None
        elif isinstance(feature, Categorical):
            example[feature.name] = str(value)
        elif feature.integer:
            example[feature.name] = int(value)
        else:
            example[feature.name] = float(str(value))  # float32 keeps its short form
    return example


def _command(
    data_path: str,
    target: str,
    task: Task | None,
    entity_id: str | None,
    time_column: str | None,
    drop: Sequence[str],
    margin: float,
    max_categories: int,
) -> str:
    parts = ["contract", "infer", data_path, "--target", target]
    for option, value in (
        ("--task", task),
        ("--entity-id", entity_id),
        ("--time-column", time_column),
    ):
        if value is not None:
            parts += [option, value]
    for name in drop:
        parts += ["--drop", name]
    if margin != 0.1:
        parts += ["--margin", str(margin)]
    if max_categories != 50:
        parts += ["--max-categories", str(max_categories)]
    return " ".join([CLI, *map(shlex.quote, parts)])


def _quoted(name: object) -> str:
    return shlex.quote(str(name))


def _names(names: Sequence[str] | pd.Index) -> str:
    return ", ".join(repr(str(name)) for name in names)


def _shown(values: Sequence[Label]) -> str:
    more = ", ..." if len(values) > SHOWN else ""
    return ", ".join(map(repr, values[:SHOWN])) + more


# Writing ------------------------------------------------------------------------------


DOCSTRING = f'''"""The data contract: the problem this project solves, declared once.

Everything else follows from it: the estimator, the metrics and the promotion gate, the
ONNX outputs, the request and response schemas, batch columns, drift and the sample
data. Edit it by hand, or write it anew from your own file with
``{CLI} contract infer FILE --target COLUMN``.
"""'''


def render(contract: Inferred) -> str:
    """contract.py for ``contract``: the shape of the template's own, black-clean."""
    lines = [
        DOCSTRING,
        "",
        "from typing import Any",
        "",
        "from .columns import Categorical, Numeric, Target",
        "",
        f"# Written from {_comment(contract.data_path)} ({contract.rows} rows) by",
        f"# `{_comment(contract.command)}`.",
        '# Edit it freely: names, ranges, categories; a description="..." shows in the '
        "API docs.",
    ]
    data_path_comment = "the training file, unless DATA_PATH says otherwise"
    temporary = contract.data_path.startswith(TEMPORARY)
    lines += _statement(
        f"DATA_PATH = {_string(contract.data_path)}",
        data_path_comment,
        noqa="noqa: S108" if temporary else "",
    )
    lines += _statement(
        f"ENTITY_ID: str | None = {_optional(contract.entity_id)}",
        "a unique key per row, or None",
    )
    lines += _statement(
        f"EVENT_TIME: str | None = {_optional(contract.event_time)}",
        "validation takes the newest rows; None: random",
    )
    if contract.newest_event is not None:
        fresh = contract.max_data_age_days is not None
        lines.append(
            f"# The newest {_comment(contract.event_time or '')} in the file: "
            f"{contract.newest_event:%Y-%m-%d} "
            + ("(fresh, so files must stay so)." if fresh else "(historic: any age).")
        )
    else:
        lines.append("# No EVENT_TIME, so no age to check.")
    lines += _statement(
        f"MAX_DATA_AGE_DAYS: int | None = {contract.max_data_age_days}",
        "the newest row at most this old; None: any age",
    )
    lines.append(
        f"# Half of the {contract.labelled} labelled rows of the file, at most "
        f"{MIN_ROWS_CAP}: it trains as it is."
    )
    lines += _statement(
        f"MIN_ROWS = {_number(contract.min_rows)}",
        "labelled rows a training file needs at least",
    )
    lines += _statement(
        _render(
            _Bracketed(
                "IGNORED: tuple[str, ...] = (",
                tuple(map(_string, contract.ignored)),
                ")",
                collection=True,
            )
        ),
        "columns files may hold that the model does not read",
    )
    lines += ["", *_render(_target_call(contract.target))]
    features = _Bracketed(
        "FEATURES: tuple[Numeric | Categorical, ...] = (",
        tuple(map(_feature_call, contract.features)),
        ")",
        collection=True,
        explode=len(contract.features) > 1,
    )
    lines += _render(features)
    lines.append("# One valid row: the example in the API docs and in tests.")
    example = _Bracketed(
        "EXAMPLE: dict[str, Any] = {",
        tuple(
            f"{_string(name)}: {_value(value)}"
            for name, value in contract.example.items()
        ),
        "}",
        collection=True,
        explode=True,
    )
    lines += _render(example)
    return "\n".join(lines) + "\n"


def _target_call(target: Target) -> "_Bracketed":
    items: list[str | _Bracketed] = [_string(target.name), _string(target.task)]
    if target.is_classification:
        classes = tuple(map(_value, target.classes))
        items.append(_Bracketed("classes=(", classes, ")", collection=True))
    else:
        items.append(f"minimum={_number(target.minimum or 0)}")
        items.append(f"maximum={_number(target.maximum or 0)}")
    return _Bracketed("TARGET = Target(", tuple(items), ")")


def _feature_call(feature: Numeric | Categorical) -> "_Bracketed":
    items: list[str | _Bracketed] = [_string(feature.name)]
    if isinstance(feature, Categorical):
        categories = tuple(map(_string, feature.categories))
        items.append(_Bracketed("(", categories, ")", collection=True))
    else:
        items += [_number(feature.minimum), _number(feature.maximum)]
        if feature.integer:
            items.append("integer=True")
    if feature.nullable:
        items.append("nullable=True")
    return _Bracketed(f"{type(feature).__name__}(", tuple(items), ")")


@dataclass(frozen=True)
class _Bracketed:
    """Code in brackets, written as black writes it: on one line if it fits, else (the
    arguments of a call) its items on one indented line if they fit, else one item a
    line with a trailing comma. ``explode`` keeps one item a line (black's magic
    trailing comma)."""

    opener: str  # what comes before the items, the bracket included: "Numeric("
    items: tuple["str | _Bracketed", ...]
    closer: str
    # A tuple or a dict: split, it takes one item a line; a tuple of one keeps its comma.
    collection: bool = False
    explode: bool = False

    def flat(self) -> str:
        items = ", ".join(_flat(item) for item in self.items)
        comma = "," if self.collection and len(self.items) == 1 else ""
        return f"{self.opener}{items}{comma}{self.closer}"


def _flat(item: "str | _Bracketed") -> str:
    return item if isinstance(item, str) else item.flat()


def _render(item: "str | _Bracketed", indent: int = 0, suffix: str = "") -> list[str]:
    margin = " " * indent
    line = margin + _flat(item) + suffix
    if isinstance(item, str) or (len(line) <= LINE_LENGTH and not item.explode):
        return [line]
    inner = " " * (indent + 4)
    body = ", ".join(_flat(part) for part in item.items)
    if item.collection and len(item.items) == 1:
        body += ","
    head, tail = margin + item.opener, margin + item.closer + suffix
    one_line = not item.explode and (not item.collection or len(item.items) == 1)
    if one_line and len(inner + body) <= LINE_LENGTH:
        return [head, inner + body, tail]
    lines = [head]
    for part in item.items:
        lines += _render(part, indent + 4, ",")
    return [*lines, tail]


def _statement(code: str | list[str], comment: str, noqa: str = "") -> list[str]:
    """A statement with its comment at the end of its line if it fits, else above it.

    A long ``name = "text"`` goes in brackets when the text (and its ``noqa``
    comment) then fits, and a long ``name: type = "text"`` always does, as black does.
    """
    lines = [code] if isinstance(code, str) else code
    after = f"  # {noqa}" if noqa else ""
    if len(lines) == 1 and len(lines[0] + after) > LINE_LENGTH:
        name, value = lines[0].split(" = ", 1)
        if ":" in name or len(value + after) + 4 <= LINE_LENGTH:
            lines = [f"{name} = (", f"    {value}{after}", ")"]
            after = ""
    lines = [lines[0] + after, *lines[1:]]
    if not noqa and len(lines) == 1 and len(f"{lines[0]}  # {comment}") <= LINE_LENGTH:
        return [f"{lines[0]}  # {comment}"]
    return [f"# {comment[0].upper()}{comment[1:]}.", *lines]


def _optional(name: str | None) -> str:
    return "None" if name is None else _string(name)


def _value(value: Any) -> str:
    """A JSON value as Python source."""
    if value is None:
        return "None"
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return _float(float(value))


def _number(value: float) -> str:
    """A bound: whole numbers as integers (60_000), others as floats."""
    if float(value).is_integer() and abs(value) < 1e15:
        whole = int(value)
        return f"{whole:_}" if abs(whole) >= 10_000 else str(whole)
    return _float(float(value))


def _float(value: float) -> str:
    return repr(value).replace("e+", "e")  # black writes 1e16, not 1e+16


def _escape(char: str) -> str:
    """A character as it may stand in source: printable ASCII and accented Latin
    letters as they are; others as escapes, which ruff's look-alike checks
    (RUF001, RUF003) never mistake for ASCII."""
    if " " <= char <= "~":
        return char
    readable = unicodedata.name(char, "").startswith("LATIN") and (
        unicodedata.decomposition(char)[:1] not in ("", "<")
    )
    if readable and char.isprintable():
        return char
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def _string(text: str) -> str:
    """A string literal as black leaves it: double quotes, unless single ones need
    fewer escapes."""
    special = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}

    def body(quote: str) -> str:
        return "".join(
            special.get(c) or ("\\" + c if c == quote else _escape(c)) for c in text
        )

    double, single = body('"'), body("'")
    if single.count("\\") < double.count("\\"):
        return f"'{single}'"
    return f'"{double}"'


def _comment(text: str) -> str:
    """Text safe in a comment: one line, no look-alike characters."""
    return "".join(_escape(c) for c in text).rstrip()


# The file -----------------------------------------------------------------------------


def default_path() -> Path:
    """The package's own contract.py, where every module reads the contract from.

    Raises:
        DataError: the package is installed (not editable), so that is not the
            project's source.
    """
    path = Path(__file__).with_name("contract.py")
    if "site-packages" in path.parts:
        raise DataError(
            f"The contract would go to {path}, inside an installed package: run this "
            "in the project (after 'uv sync'), or pass --out PATH."
        )
    return path


@dataclass(frozen=True)
class Written:
    path: Path
    backup: Path | None  # the previous contract, when there was one and it changed
    changed: bool


def write(text: str, path: Path) -> Written:
    """Write the contract; the one it replaces is kept as contract.py.bak."""
    old = path.read_text(encoding="utf-8") if path.is_file() else None
    if old == text:
        return Written(path, None, changed=False)
    backup = None
    if old is not None:
        backup = path.with_name(path.name + ".bak")
        backup.write_text(old, encoding="utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return Written(path, backup, changed=True)


def relative(path: Path) -> str:
    """``path`` from the current folder when it is under it (as DATA_PATH is kept)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.resolve().as_posix()


def describe(contract: Inferred) -> list[str]:
    """What was inferred, in a few lines for a person."""
    target = contract.target
    if target.is_classification:
        kind = f"{target.task}, classes {_shown(target.classes)}"
        if target.task == "binary":
            kind += f" (positive: {target.classes[1]!r})"
    else:
        kind = f"regression, seen {_number(target.minimum or 0)} to "
        kind += _number(target.maximum or 0)
    numeric = [f.name for f in contract.features if isinstance(f, Numeric)]
    categorical = [f.name for f in contract.features if isinstance(f, Categorical)]
    lines = [
        f"data: {contract.data_path}, {contract.rows} rows, {contract.labelled} "
        "labelled",
        f"target: {target.name!r}, {kind}",
        f"numeric features: {_names(numeric) or 'none'}",
        f"categorical features: {_names(categorical) or 'none'}",
        f"entity id: {contract.entity_id!r}; event time: {contract.event_time!r}; "
        f"MIN_ROWS {contract.min_rows}; MAX_DATA_AGE_DAYS {contract.max_data_age_days}",
    ]
    if contract.ignored:
        lines.append(f"ignored: {_names(contract.ignored)}")
    return lines + [f"note: {note}" for note in contract.notes]


def next_steps(contract: Inferred) -> list[str]:
    """The commands that follow, in order, each with what it is for."""
    steps = [
        (f"{CLI} check-data", f"hold {contract.data_path} to the new contract"),
        (f"{CLI} train", "train, register and promote the first model"),
        (f"{CLI} predict {shlex.quote(contract.data_path)}", "score a file"),
{%- if cookiecutter.include_api %}
        (f"{CLI} serve", "the API; POST the contract's EXAMPLE to /predict"),
{%- endif %}
        ("uv run pytest", "the project's own tests, on the new contract"),
    ]
    width = max(len(command) for command, _ in steps)
    return [f"{command:<{width}}  # {why}" for command, why in steps]
