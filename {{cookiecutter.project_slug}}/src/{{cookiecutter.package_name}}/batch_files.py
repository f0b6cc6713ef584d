"""Data files read and written in record batches (pyarrow), so memory stays flat.

A CSV file is read as text, so that the contract, not the CSV parser, judges each value
and names the rows that break it.
"""

import contextlib
import uuid
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Self

import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from .errors import DataError

SUFFIXES = (".csv", ".parquet")
# CSV is read in blocks of bytes: this many per row asked for (the sample's rows are ~90).
CSV_BYTES_PER_ROW = 100


def _unreadable(path: Path, error: Exception) -> DataError:
    return DataError(f"Could not read '{path}': {error}")


def _check_suffix(path: Path, doing: str) -> None:
    if path.suffix not in SUFFIXES:
        raise DataError(
            f"Cannot {doing} '{path}': unknown file type {path.suffix!r}. "
            f"Use one of {', '.join(SUFFIXES)}."
        )


class BatchReader:
    """Record batches of a .csv or .parquet file, about ``rows`` rows each.

    ``row_groups`` limits a Parquet file to some of its row groups (a Dask task's share).
    """

    def __init__(
        self, path: Path, rows: int, row_groups: Sequence[int] | None = None
    ) -> None:
        if not path.is_file():
            raise DataError(f"No data file at '{path}'.")
        _check_suffix(path, "read")
        self.path = path
        self._parquet: pq.ParquetFile | None = None
        self._csv: pa_csv.CSVStreamingReader | None = None
        try:
            if path.suffix == ".parquet":
                self._parquet = pq.ParquetFile(path)
                self._batches = self._parquet.iter_batches(
                    batch_size=rows, row_groups=row_groups
                )
                self.schema = self._parquet.schema_arrow
            else:
                self._csv = self._open_csv(rows)
                self._batches = iter(self._csv)
                self.schema = self._csv.schema
        except (pa.ArrowException, OSError) as error:
            self.close()
            raise _unreadable(path, error) from error

    def _open_csv(self, rows: int) -> pa_csv.CSVStreamingReader:
        block = pa_csv.ReadOptions(block_size=max(rows * CSV_BYTES_PER_ROW, 1 << 16))
        with pa_csv.open_csv(self.path, read_options=block) as header:
            names = header.schema.names
        # Every column as text; empty fields (and "NA", "null"...) as missing values.
        convert = pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.string()), strings_can_be_null=True
        )
        return pa_csv.open_csv(self.path, read_options=block, convert_options=convert)

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        """The batches in order, each read in a thread while the caller works on the one
        before: pyarrow decodes without holding the GIL."""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="reader") as thread:
            ahead = thread.submit(self._next)
            while (batch := ahead.result()) is not None:
                ahead = thread.submit(self._next)
                yield batch

    def _next(self) -> pa.RecordBatch | None:
        try:
            return next(self._batches)
        except StopIteration:
            return None
        except (pa.ArrowException, OSError) as error:
            raise _unreadable(self.path, error) from error

    def close(self) -> None:
        for source in (self._parquet, self._csv):
            if source is not None:
                source.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class BatchWriter:
    """Writes batches to a hidden file beside ``target`` and renames it to ``target`` on
    a clean exit, so that a failed run never leaves half an output under its name.

    Each batch is written in a thread while the caller prepares the next one: pyarrow
    encodes and compresses without holding the GIL.
    """

    def __init__(self, target: Path, schema: pa.Schema) -> None:
        _check_suffix(target, "write")
        target.parent.mkdir(parents=True, exist_ok=True)
        self.target = target
        self.schema = schema
        self.partial = target.with_name(
            f".{target.name}.{uuid.uuid4().hex[:8]}.partial"
        )
        self._writer: pq.ParquetWriter | pa_csv.CSVWriter = (
            pq.ParquetWriter(self.partial, schema)
            if target.suffix == ".parquet"
            else pa_csv.CSVWriter(self.partial, schema)
        )
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="writer")
        self._pending: Future[None] | None = None

    def write(self, batch: pa.RecordBatch) -> None:
        self._wait()  # one batch in flight at most: memory stays flat
        self._pending = self._thread.submit(self._writer.write_batch, batch)

    def _wait(self) -> None:
        if self._pending is not None:
            self._pending.result()
            self._pending = None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                self._wait()
                self._writer.close()
                self.partial.replace(self.target)
        finally:
            self._thread.shutdown(wait=True, cancel_futures=True)
            with contextlib.suppress(Exception):  # already failed: keep that error
                self._writer.close()
            self.partial.unlink(missing_ok=True)
