"""Scoring data files with the champion, batch by batch: memory stays flat as files grow."""

import contextlib
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import BaseModel

from .batch_files import BatchReader, BatchWriter
from .champion import Scorer
from .data import validate
from .errors import DataError
from .outputs import OUTPUT_COLUMNS, Predictions, columns, interpret, label_kind
from .schema import FEATURE_NAMES, NUMERIC, scoring_schema

if TYPE_CHECKING:
    import pandera.pandas as pa_schema

ARROW_TYPES = {int: pa.int64(), str: pa.string(), float: pa.float64()}


class ScoringResult(BaseModel):
    """What a ``predict`` run did: rows scored, where to, with which model, and the
    seconds from the model loaded to the output written."""

    rows: int
    output: str
    model_name: str
    model_version: int
    backend: Literal["onnx", "sklearn"]
    engine: Literal["local", "dask"]
    workers: int
    seconds: float


@functools.cache
def _schema() -> "pa_schema.DataFrameSchema":
    return scoring_schema()


def feature_frame(batch: pa.RecordBatch, first_row: int) -> pd.DataFrame:
    """The batch's feature columns as pandas, indexed by their row numbers in the file.

    Numbers read as text (CSV) are parsed here when every one parses, which is fast;
    otherwise they stay text, and the contract names the values it cannot convert.
    """
    names = [name for name in FEATURE_NAMES if name in batch.schema.names]
    columns = []
    for name in names:
        column = batch.column(name)
        if name in NUMERIC and pa.types.is_string(column.type):
            with contextlib.suppress(pa.ArrowInvalid):
                column = pc.cast(column, pa.float64())
        columns.append(column)
    frame: pd.DataFrame = pa.RecordBatch.from_arrays(columns, names=names).to_pandas()
    frame.index = pd.RangeIndex(first_row, first_row + len(frame))
    return frame


def score_frame(
    features: pd.DataFrame, scorer: Scorer, threshold: float, source: str
) -> Predictions:
    """Hold rows to the contract, then score them.

    Raises:
        DataError: a row breaks the contract; it is named by the frame's index.
    """
    scores = scorer.from_frame(validate(features, _schema(), source=source))
    return interpret(scores, threshold)


def output_schema(schema: pa.Schema, source: Path) -> pa.Schema:
    """The input's columns, then the prediction (and probabilities) of each row."""
    taken = sorted(set(OUTPUT_COLUMNS) & set(schema.names))
    if taken:
        raise DataError(
            f"'{source}' already has column(s) {taken}, which predict writes: "
            "drop or rename them (is it an output of predict?)."
        )
    for name in OUTPUT_COLUMNS:
        kind = ARROW_TYPES[label_kind()] if name == "prediction" else pa.float64()
        schema = schema.append(pa.field(name, kind))
    return schema


def score_batches(
    reader: BatchReader,
    target: Path,
    scorer: Scorer,
    threshold: float,
    first_row: int = 0,
) -> int:
    """Score every batch of ``reader`` into ``target``; return the number of rows.

    Rows are numbered from ``first_row`` in error messages. Nothing is left at
    ``target`` unless every batch met the contract.
    """
    rows = 0
    with BatchWriter(target, output_schema(reader.schema, reader.path)) as writer:
        for batch in reader:
            features = feature_frame(batch, first_row + rows)
            predictions = score_frame(features, scorer, threshold, str(reader.path))
            for name, values in columns(predictions).items():
                field = writer.schema.field(name)
                batch = batch.append_column(field, pa.array(values, field.type))
            writer.write(batch)
            rows += len(predictions)
    return rows


def score_file(
    scorer: Scorer,
    source: Path,
    target: Path,
    threshold: float,
    batch_rows: int,
) -> int:
    """Score a .csv or .parquet file into another, in batches; return the rows scored.

    Raises:
        DataError: the file cannot be read, or a batch breaks the contract (the message
            names the rows and the rule).
    """
    if target.resolve() == source.resolve():
        raise DataError(
            f"The output would overwrite the input '{source}': pass another --output."
        )
    with BatchReader(source, batch_rows) as reader:
        return score_batches(reader, target, scorer, threshold)
