"""MLflow's scoring protocol, as ``mlflow models serve`` speaks it on /invocations.

JSON bodies hold the rows in one of MLflow's four forms: ``dataframe_split``
(``columns`` and ``data``), ``dataframe_records`` (one object per row), ``instances``
or ``inputs`` (rows, or one list per column); ``params`` is allowed and unused. A CSV
body is a header line naming the columns, then a line per row. The rows are held to the
same contract as /predict's. The answer is what the registered model's ``predict``
gives, as MLflow serves it: ``{"predictions": [...]}`` with class numbers in the
contract's order (the most probable class) or values.
"""

import csv
import io
from typing import Any

import numpy as np
from pydantic import ValidationError
from pydantic_core import from_json

from ..columns import Categorical
from ..contract import FEATURES
from ..outputs import Predictions
from ..schema import TASK
from .invalid_request import echo, listed

FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
CONTENT_TYPES = ("application/json", "text/csv")
# The request body as OpenAPI documents it: the rows' form is checked by the handler.
REQUEST_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "description": "Exactly one of "
                + ", ".join(FORMATS)
                + " (see MLflow's docs on deploying models); params is allowed.",
            }
        },
        "text/csv": {
            "schema": {"type": "string", "description": "A header line, then rows"}
        },
    },
}
NUMERIC_COLUMNS = {f.name for f in FEATURES if not isinstance(f, Categorical)}


class BadRequestError(Exception):
    """A body MLflow's protocol or the contract refuses: the message of the 400."""


class UnsupportedMediaTypeError(Exception):
    """A content type the protocol does not take: the message of the 415."""


def decode(body: bytes, content_type: str | None, max_batch: int) -> list[Any]:
    """The rows of a body (not yet held to the contract).

    Raises:
        UnsupportedMediaTypeError: neither JSON nor CSV, or not UTF-8.
        BadRequestError: not one of the protocol's forms, or 0 or too many rows.
    """
    mime, _, parameters = (content_type or "").partition(";")
    charset = parameters.strip().lower().removeprefix("charset=") or "utf-8"
    mime = mime.strip().lower()
    if mime not in CONTENT_TYPES or charset != "utf-8":
        raise UnsupportedMediaTypeError(
            f"This predictor only supports {' and '.join(CONTENT_TYPES)} in UTF-8; got "
            f"Content-Type {echo(content_type)!r}."
        )
    rows = _from_csv(body) if mime == "text/csv" else _from_json(body)
    if not 1 <= len(rows) <= max_batch:
        raise BadRequestError(
            f"The body holds {len(rows)} rows: send 1 to {max_batch} (API_MAX_BATCH) "
            "per request."
        )
    return rows


def _from_json(body: bytes) -> list[Any]:
    try:
        data = from_json(body)
    except ValueError as error:
        raise BadRequestError(f"The body is not JSON: {error}.") from None
    keys = set(data) & set(FORMATS) if isinstance(data, dict) else set()
    if len(keys) != 1:
        got = list(data)[:10] if isinstance(data, dict) else type(data).__name__
        raise BadRequestError(
            "The input must be a JSON object with exactly one of the input fields "
            f"{', '.join(FORMATS)}; got {echo(got)!r}."
        )
    (form,) = keys
    value = data[form]
    if form == "dataframe_split":
        return _split(value)
    if isinstance(value, dict) and form != "dataframe_records":
        return _columns(value)
    if not isinstance(value, list):
        raise BadRequestError(f"{form} must be a list of rows, one object each.")
    return value


def _split(value: Any) -> list[Any]:
    """pandas' "split" orient: column names, and one list of values per row."""
    if not isinstance(value, dict) or not isinstance(value.get("data"), list):
        raise BadRequestError(
            'dataframe_split must be an object with "columns" and "data" (a list of '
            "rows, each a list of values in the columns' order)."
        )
    columns = value.get("columns")
    if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
        raise BadRequestError(
            'dataframe_split needs "columns": the column names, in order.'
        )
    rows = []
    for number, row in enumerate(value["data"]):
        if not isinstance(row, list) or len(row) != len(columns):
            raise BadRequestError(
                f"dataframe_split row {number} is not a list of {len(columns)} values "
                f"(one per column); got {echo(row)!r}."
            )
        rows.append(dict(zip(columns, row, strict=True)))
    return rows


def _columns(value: dict[str, Any]) -> list[Any]:
    """One list of values per column, all of one length."""
    if not all(isinstance(values, list) for values in value.values()):
        raise BadRequestError("Columns must each be a list of values, one per row.")
    lengths = {len(values) for values in value.values()}
    if len(lengths) > 1:
        raise BadRequestError(
            f"The columns have different lengths ({sorted(lengths)}): give every "
            "column one value per row."
        )
    names = list(value)
    return [
        dict(zip(names, row, strict=True)) for row in zip(*value.values(), strict=True)
    ]


def _from_csv(body: bytes) -> list[Any]:
    """Rows of a CSV text: numbers where the contract has numbers, empty is missing."""
    try:
        text = body.decode()
    except UnicodeDecodeError as error:
        raise BadRequestError(f"The CSV body is not UTF-8 text: {error}.") from None
    # newline="": the csv module reads line ends itself, a lone \r among them.
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        lines = iter(list(reader))
    except csv.Error as error:  # e.g. a field longer than the csv module reads
        raise BadRequestError(
            f"The CSV body cannot be read at line {reader.line_num}: {error}."
        ) from None
    header = next(lines, None)
    if not header:
        raise BadRequestError(
            "The CSV body is empty: a header line naming the columns comes first."
        )
    rows = []
    for number, line in enumerate(lines, start=1):
        if not line:
            continue
        if len(line) != len(header):
            raise BadRequestError(
                f"CSV line {number + 1} has {len(line)} values for {len(header)} columns."
            )
        rows.append(
            {name: _cell(name, cell) for name, cell in zip(header, line, strict=True)}
        )
    return rows


def _cell(name: str, cell: str) -> Any:
    if cell == "":
        return None
    if name in NUMERIC_COLUMNS:
        try:
            return float(cell)
        except ValueError:
            return cell  # the contract says what is wrong with it
    return cell


def contract_error(error: ValidationError) -> BadRequestError:
    """The contract's objections to some rows, by row and column."""
    where = listed(error, lambda row, column: f"row {row}, column {column!r}")
    return BadRequestError(f"The rows break the data contract: {where}.")


def model_predictions(predictions: Predictions) -> list[Any]:
    """What the registered model's ``predict`` answers: class numbers, or values."""
    if TASK == "regression":
        values: list[Any] = predictions.labels.tolist()
        return values
    if predictions.probabilities is not None:
        numbers: list[Any] = predictions.probabilities.argmax(axis=1).tolist()
        return numbers
    assert predictions.probability is not None  # noqa: S101 (binary)
    positive: list[Any] = (predictions.probability > 0.5).astype(np.int64).tolist()
    return positive
