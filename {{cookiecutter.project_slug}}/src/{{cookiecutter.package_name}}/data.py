"""Reading data files and holding them to the contract at every boundary."""

import hashlib
import logging
import numbers
from collections.abc import Callable, Collection, Hashable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from .config import Settings
from .contract import ENTITY_ID, EVENT_TIME, TARGET
from .errors import DataError
from .schema import CATEGORICAL, CLASSES, training_schema, with_integer_types

logger = logging.getLogger(__name__)

SUFFIXES = (".csv", ".jsonl", ".parquet")
MAX_VALUES_SHOWN = 5


# Entity ids, categories and text class labels stay text, even when they look like
# numbers ("1", "007"): a CSV reader would make them numbers that break the contract.
TEXT_LABELS = bool(CLASSES) and all(isinstance(label, str) for label in CLASSES)
TEXT_COLUMNS: dict[Hashable, type[str]] = dict.fromkeys(
    [name for name in (ENTITY_ID, *CATEGORICAL) if name is not None]
    + ([TARGET.name] if TEXT_LABELS else []),
    str,
)


def read_table(path: Path) -> pd.DataFrame:
    """Read a .csv, .jsonl or .parquet file; ids and categories are kept as text."""
    if not path.is_file():
        raise DataError(
            f"No data file at '{path}'. Create a sample with "
            f"'{{ cookiecutter.project_slug }} make-sample-data', or pass --data PATH."
        )
    try:
        if path.suffix == ".csv":
            return pd.read_csv(path, dtype=TEXT_COLUMNS)
        if path.suffix == ".jsonl":
            # dtype=str would turn JSON's null into the text "None"; no inference
            # keeps both text ids and nulls as they are.
            return as_text(pd.read_json(path, lines=True, dtype=False))
        if path.suffix == ".parquet":
            return as_text(pd.read_parquet(path))
    except (ValueError, OSError) as error:  # pandas' parser errors are ValueErrors
        raise DataError(f"Could not read '{path}': {error}") from error
    raise DataError(
        f"Cannot read '{path}': unknown file type {path.suffix!r}. "
        f"Use one of {', '.join(SUFFIXES)}."
    )


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A Parquet or JSON Lines file's ids, categories (pandas' too) and text labels as
    text, as ``TEXT_COLUMNS`` has a CSV file's read."""
    text = [
        name
        for name, dtype in frame.dtypes.items()
        if name in TEXT_COLUMNS or isinstance(dtype, pd.CategoricalDtype)
    ]
    return frame.assign(
        **{
            str(name): frame[name].astype(str).where(frame[name].notna())
            for name in text
        }
    )


def load_training_data(
    settings: Settings, path: Path, now: datetime | None = None
) -> pd.DataFrame:
    """Read a training file and hold it to the training contract, fresh as of ``now``.

    Rows without a target value are left out (and counted in the log): nothing can be
    learnt from them.

    Raises:
        DataError: the file is missing, unreadable or breaks the contract.
    """
    schema = training_schema(now=now or datetime.now(UTC))
    return labelled(validate(read_table(path), schema, source=str(path)), str(path))


def labelled(frame: pd.DataFrame, source: str) -> pd.DataFrame:
    """The rows that have a target value."""
    unlabelled = frame[TARGET.name].isna()
    if unlabelled.any():
        logger.warning(
            "%s: left out %d row(s) without a %s", source, unlabelled.sum(), TARGET.name
        )
        frame = frame[~unlabelled]
    if TARGET.is_classification:
        return frame
    return frame.astype({TARGET.name: "float64"})


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write by suffix, like ``read_table`` reads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True, date_format="iso")
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    else:
        raise DataError(
            f"Cannot write '{path}': unknown file type {path.suffix!r}. "
            f"Use one of {', '.join(SUFFIXES)}."
        )


def validate(
    frame: pd.DataFrame, schema: pa.DataFrameSchema, source: str
) -> pd.DataFrame:
    """Return the frame coerced to the schema, or raise DataError listing every broken rule."""
    try:
        valid = schema.validate(frame, lazy=True)
    except SchemaErrors as error:
        raise DataError(describe_failures(error, source)) from None
    return with_integer_types(valid)


def describe_failures(error: SchemaErrors, source: str) -> str:
    """One line per (column, rule): the rule, how many rows and the first of them, and a
    few offending values. Rows are named by the frame's index: their place in the file.
    """
    lines = [f"{source} breaks the data contract:"]
    numbered = False
    for (column, check), group in _failures_by_column(error.failure_cases):
        values = group["failure_case"].drop_duplicates().head(MAX_VALUES_SHOWN).tolist()
        rows = group["index"].dropna()
        where = ""
        if len(rows):
            numbered = True
            shown = ", ".join(_row_label(row) for row in rows.head(MAX_VALUES_SHOWN))
            more = ", ..." if len(rows) > MAX_VALUES_SHOWN else ""
            where = f" in {len(rows)} row{'s' if len(rows) > 1 else ''} ({shown}{more})"
        lines.append(
            f"  column {column!r}: {rule_in_words(check)}{where}; "
            f"offending values: {values}"
        )
    if numbered:
        lines.append("  (rows are numbered from 0, not counting a header line)")
    return "\n".join(lines)


def _row_label(row: object) -> str:
    return str(int(float(row))) if isinstance(row, numbers.Real) else str(row)


# Plain words for pandera's built-in rule names; the name itself is kept beside them.
RULES = {
    "column_in_dataframe": "a required column is missing",
    "column_in_schema": "the column is not in the contract",
    "field_uniqueness": "values must be unique",
    "not_nullable": "values must not be empty",
}


def rule_in_words(check: str) -> str:
    """A pandera rule's plain words, its own name beside them (the name alone if none)."""
    return f"{RULES[check]} ({check})" if check in RULES else check


def _failures_by_column(
    cases: pd.DataFrame,
) -> Iterator[tuple[tuple[str, str], pd.DataFrame]]:
    """Group failures by column; table-level ones name the column they concern, if any."""
    cases = cases.astype({"column": "object", "check": "object"}).copy()
    table_level = cases["schema_context"] == "DataFrameSchema"
    names_a_column = cases["check"].isin(["column_in_dataframe", "column_in_schema"])
    cases.loc[table_level & names_a_column, "column"] = cases["failure_case"]
    cases.loc[table_level & ~names_a_column, "column"] = "(table)"
    # A value that cannot be converted also fails the dtype and range checks after it:
    # report the conversion alone.
    check = cases["check"].astype(str)
    unconvertible = set(cases.loc[check.str.startswith("coerce_dtype"), "column"])
    follow_on = (
        cases["column"].isin(unconvertible)
        & ~check.str.startswith("coerce_dtype")
        & (
            check.str.startswith("dtype(")
            | cases["failure_case"].astype(str).str.startswith("TypeError(")
        )
    )
    cases = cases[~follow_on]
    for key, group in cases.groupby(["column", "check"], sort=False):
        yield (str(key[0]), str(key[1])), group


def _digest(path: Path, new: Callable[[], "hashlib._Hash"]) -> str:
    if path.is_dir():  # a folder of Parquet parts: its files' names and hashes
        digest = new()
        for file in sorted(path.glob("*.parquet")):
            digest.update(f"{file.name} {_digest(file, new)}\n".encode())
        return digest.hexdigest()
    with path.open("rb") as stream:
        return hashlib.file_digest(stream, new).hexdigest()


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, or of a folder's .parquet files (names and hashes)."""
    return _digest(path, hashlib.sha256)


def file_md5(path: Path) -> str:
    """The hash DVC names a file by: it joins a training run to DVC's data version."""
    return _digest(path, lambda: hashlib.md5(usedforsecurity=False))


def subset(
    frame: pd.DataFrame, fraction: float, seed: int | Sequence[int]
) -> pd.DataFrame:
    """A seeded share of the rows, drawn from every time alike and kept in file order:
    the split still validates on the newest rows (``train --sample-fraction``)."""
    if fraction >= 1:
        return frame
    kept = frame[np.random.default_rng(seed).random(len(frame)) < fraction]
    logger.info("sample: %d of %d rows (%.4g)", len(kept), len(frame), fraction)
    return kept


def split(
    frame: pd.DataFrame,
    validation_fraction: float,
    seed: int,
    event_time: str | None = EVENT_TIME,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows to train on and rows to validate on.

    With an event time (the contract's EVENT_TIME), the newer rows validate, as the
    model will be used: on what comes after its training data. Without one, a seeded
    random share validates, stratified by class for a classification task.

    Raises:
        DataError: the validation rows cannot rank a model (a single class, or none).
    """
    if event_time is not None:
        ordered = frame.sort_values(event_time, kind="stable")
        cut = round(len(ordered) * (1 - validation_fraction))
        train, validation = ordered.iloc[:cut], ordered.iloc[cut:]
        how = f"{len(validation)} newer rows to validate ({event_time})"
    else:
        train, validation = random_split(frame, validation_fraction, seed)
        how = f"{len(validation)} random rows to validate (seed {seed}; no event time)"
    check_split(
        len(train),
        len(validation),
        set(train[TARGET.name].unique()),
        set(validation[TARGET.name].unique()),
    )
    logger.info("split: %d rows to train, %s", len(train), how)
    return train, validation


def check_split(
    train: int,
    validation: int,
    train_labels: Collection[Hashable],
    validation_labels: Collection[Hashable],
) -> None:
    """Both sides have rows, the validation rows can rank a model, and every class has
    training rows (``*_labels``: the target values each side holds).

    Raises:
        DataError: what is missing, and what to change.
    """
    if train == 0 or validation == 0:
        raise DataError(
            f"{train + validation} labelled rows split into {train} to train and "
            f"{validation} to validate: add data or change VALIDATION_FRACTION."
        )
    if TARGET.task == "binary" and len(validation_labels) < 2:
        raise DataError(
            f"The {validation} validation rows hold only {TARGET.name}="
            f"{next(iter(validation_labels))!r}, so they cannot rank a model: add "
            "data or raise VALIDATION_FRACTION."
        )
    require_every_class(train_labels)


def require_every_class(train_labels: Collection[Hashable] | pd.DataFrame) -> None:
    """A classifier learns the classes its training rows hold: all of the contract's.

    ``train_labels``: the training rows, or the target values they hold.

    Raises:
        DataError: a class has no training row.
    """
    if not TARGET.is_classification:
        return
    if isinstance(train_labels, pd.DataFrame):
        train_labels = set(train_labels[TARGET.name].unique())
    absent = [c for c in CLASSES if c not in train_labels]
    if absent:
        raise DataError(
            f"No training row has {TARGET.name} {', '.join(map(repr, absent))}: a "
            "model cannot learn a class it never sees. Add rows of it, or drop it "
            "from the classes of TARGET in contract.py."
        )


def random_split(
    frame: pd.DataFrame, validation_fraction: float, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A seeded ``validation_fraction`` of the rows to validate, stratified by class
    when every class can go to both sides; in the frame's order."""
    from sklearn.model_selection import train_test_split

    target = frame[TARGET.name]
    # Stratify when every class can go to both sides.
    stratify = (
        target
        if TARGET.is_classification and target.value_counts().min() >= 2
        else None
    )
    try:
        train, validation = train_test_split(
            frame,
            test_size=validation_fraction,
            random_state=seed,
            stratify=stratify,
        )
    except ValueError:  # too few rows per class for that validation share
        try:
            train, validation = train_test_split(
                frame, test_size=validation_fraction, random_state=seed
            )
        except ValueError:  # too few rows to split at all: split() says what to do
            return frame, frame.iloc[:0]
    return train.sort_index(), validation.sort_index()
