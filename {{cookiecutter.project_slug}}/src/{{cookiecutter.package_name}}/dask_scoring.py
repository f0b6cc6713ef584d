"""The same scoring on a Dask cluster: Parquet in, a folder of Parquet parts out.

The unit of work is a Parquet row group. Each task streams its row groups through the
local engine's loop (``predict.score_batches``) into one part file, so the scores are the
single-process scores, memory per task stays flat, and a broken row is named by its file
and its row number in that file. Each worker builds its scorer once, when the job's
plugin reaches it, and uses it for every task it runs.

Imported only by ``predict --engine dask``: Dask comes with the ``batch`` extra.
"""

import logging
import os
import shutil
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
from distributed import Client, LocalCluster, WorkerPlugin, get_worker
from distributed.worker import Worker

from .batch_files import BatchReader
from .champion import ModelFiles, Scorer
from .errors import DataError
from .predict import score_batches

logger = logging.getLogger(__name__)


class ScorerPlugin(WorkerPlugin):
    """Ships the model files to every worker, which builds its scorer from them once."""

    def __init__(self, files: ModelFiles) -> None:
        self.files = files
        self.scorer: Scorer | None = None

    def setup(self, worker: Worker) -> None:
        self.scorer = self.files.scorer()


@dataclass(frozen=True)
class Part:
    """Some row groups of one Parquet file, scored by one task into one part file."""

    number: int
    file: Path
    row_groups: tuple[int, ...]
    first_row: int  # in ``file``


@dataclass(frozen=True)
class PartResult:
    """What a task did, and on which worker."""

    number: int
    rows: int
    worker: str


def plan(source: Path) -> list[Part]:
    """One part per row group, of a Parquet file or of every .parquet file in a folder.

    Raises:
        DataError: no Parquet file there, or one that cannot be read.
    """
    files = sorted(source.glob("*.parquet")) if source.is_dir() else [source]
    if not files or any(f.suffix != ".parquet" or not f.is_file() for f in files):
        raise DataError(
            f"--engine dask reads Parquet: a .parquet file, or a folder of them; "
            f"'{source}' is neither. Convert it, or use --engine local."
        )
    parts: list[Part] = []
    for file in files:
        try:
            metadata = pq.read_metadata(file)
        except (OSError, ValueError) as error:  # pyarrow's ArrowInvalid is a ValueError
            raise DataError(f"Could not read '{file}': {error}") from error
        first_row = 0
        for group in range(metadata.num_row_groups):
            parts.append(Part(len(parts), file, (group,), first_row))
            first_row += metadata.row_group(group).num_rows
    return parts


def score_part(
    part: Part, *, plugin: str, folder: Path, threshold: float, batch_rows: int
) -> PartResult:
    """Run on a worker: score one part with the scorer that worker built for the job."""
    worker = get_worker()
    found = worker.plugins.get(plugin)
    if not isinstance(found, ScorerPlugin) or found.scorer is None:
        raise RuntimeError(f"worker {worker.address} has no scorer for job {plugin}")
    try:
        with BatchReader(part.file, batch_rows, row_groups=part.row_groups) as reader:
            rows = score_batches(
                reader,
                folder / f"part-{part.number:05d}.parquet",
                found.scorer,
                threshold,
                first_row=part.first_row,
            )
    except DataError as error:
        message = str(error)
    else:
        return PartResult(part.number, rows, worker.address)
    # Raised out here, so that the client is sent the message alone and not the
    # pandera errors behind it, which hold the whole partition.
    raise DataError(message)


@contextmanager
def connect(scheduler: str | None) -> Iterator[Client]:
    """A client of the scheduler at ``scheduler``, or of a local cluster sized to this
    machine (a worker process per core, or so Dask decides) when it is None."""
    if scheduler is not None:
        with Client(scheduler) as client:
            yield client
        return
    with (
        LocalCluster(processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        client.run(_stdout_to_stderr)
        yield client


def _stdout_to_stderr() -> None:
    """Run on each local worker: what libraries print (LightGBM's network, say) goes to
    stderr, where the command's progress goes, and its stdout carries results alone."""
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())


def score_on_cluster(
    client: Client,
    files: ModelFiles,
    source: Path,
    target: Path,
    threshold: float,
    batch_rows: int,
) -> list[PartResult]:
    """Score a Parquet file or folder into the folder ``target``, one part per row group.

    The parts are written into a hidden folder beside ``target``, which replaces it
    only once every part is written. Paths are resolved here: every worker must see
    them at the same place (one machine, or a shared volume).

    Raises:
        DataError: the input is not Parquet, or a row breaks the contract (the message
            names the file, the rows and the rule).
    """
    source, target = source.resolve(), target.resolve()
    if target == source:
        raise DataError(
            f"The output would overwrite the input '{source}': pass another --output."
        )
    parts = plan(source)
    plugin = f"scorer-{uuid.uuid4().hex[:8]}"  # one per job: a new model each time
    folder = target.with_name(f".{target.name}.{uuid.uuid4().hex[:8]}.partial")
    folder.mkdir(parents=True)
    client.register_plugin(ScorerPlugin(files), name=plugin)
    try:
        futures = client.map(
            score_part,
            parts,
            plugin=plugin,
            folder=folder,
            threshold=threshold,
            batch_rows=batch_rows,
            key=[f"{plugin}-part-{part.number}" for part in parts],
        )
        try:
            results: list[PartResult] = client.gather(futures)
        finally:
            client.cancel(futures)  # after a failure, the parts still queued
        if target.is_dir():
            shutil.rmtree(target)
        target.unlink(missing_ok=True)
        folder.rename(target)
    finally:
        client.unregister_worker_plugin(plugin)
        shutil.rmtree(folder, ignore_errors=True)
    logger.info(
        "scored %d rows in %d parts on %d workers",
        sum(r.rows for r in results),
        len(results),
        len({r.worker for r in results}),
    )
    return results
