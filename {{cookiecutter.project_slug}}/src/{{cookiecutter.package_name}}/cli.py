"""The command line: wiring only; the work happens in the modules it calls."""

import json
import platform
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from . import PROJECT_NAME, __version__, install_extra
from .config import (
    ConfigError,
    Settings,
    export_mlflow_environment,
    load_settings,
)
from .errors import ConfigurationError, DataError, RegistryError
from .logs import configure_logging

if TYPE_CHECKING:
    from .train import Fit

app = typer.Typer(
    help="Train, track and serve the model of this project.",
    no_args_is_help=True,
    add_completion=False,
)
# Progress and errors go to stderr, so that stdout carries only results (--json); long
# messages stay on one line, whole, for logs and CI to grep.
console = Console(stderr=True, soft_wrap=True)

DataOption = Annotated[
    Path | None, typer.Option("--data", help="Data file [default: data_path setting].")
]
SeedOption = Annotated[
    int | None, typer.Option(help="Random seed [default: seed setting].")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]


class Engine(StrEnum):
    local = "local"
    dask = "dask"


SchedulerOption = Annotated[
    str | None,
    typer.Option(
        help="With --engine dask: the scheduler's address, e.g. tcp://host:8786 "
        "[default: a local cluster, one worker per core]."
    ),
]


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"{{ cookiecutter.project_slug }} {__version__}")
        raise typer.Exit


@contextmanager
def _failures_as_messages() -> Iterator[None]:
    """Show the project's own errors as a message and exit 1, without a traceback."""
    try:
        yield
    except (DataError, RegistryError, ConfigurationError) as error:
        _fail(str(error))


def _fail(message: str) -> NoReturn:
    # Escaped: a message may hold square brackets ("[batch]", a list of values).
    console.print(f"[red]error:[/red] {escape(message)}", markup=True, highlight=False)
    raise typer.Exit(code=1) from None


@app.callback()
def main(
    ctx: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_print_version,
            is_eager=True,
            help="Show the version.",
        ),
    ] = False,
) -> None:
    """Load the settings and configure logging once for whichever command runs."""
    try:
        settings = load_settings()
    except ConfigError as error:
        typer.echo(f"Invalid configuration:\n{error}", err=True)
        raise typer.Exit(code=2) from None
    configure_logging(settings)
    # Before any command imports MLflow or onnxruntime: they read their telemetry
    # switches when they start.
    export_mlflow_environment(settings)
    ctx.obj = settings


@app.command()
def info(ctx: typer.Context, as_json: JsonOption = False) -> None:
    """Show the version, the Python in use and the effective settings."""
    settings: Settings = ctx.obj
    values = settings.model_dump(mode="json")
    python = platform.python_version()
    if as_json:
        report = {
            "project": PROJECT_NAME,
            "version": __version__,
            "python": python,
            "settings": values,
        }
        typer.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    typer.echo(f"{PROJECT_NAME} {__version__} on Python {python}")
    for name, value in values.items():
        typer.echo(f"  {name} = {value!r}")


@app.command("make-sample-data")
def make_sample_data(
    ctx: typer.Context,
    out: Annotated[
        Path | None, typer.Option(help="File to write [default: data_path setting].")
    ] = None,
    rows: Annotated[int, typer.Option(min=1)] = 2000,
    seed: Annotated[int, typer.Option(help="Seed of the generator.")] = 7,
    end: Annotated[
        datetime | None,
        typer.Option(help="Time of the newest event [default: start of today, UTC]."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the file if it exists.")
    ] = False,
) -> None:
    """Write seeded sample rows that meet the contract (newest events from today)."""
    from .data import write_table
    from .sample import make_sample

    settings: Settings = ctx.obj
    target = out or settings.data_path
    if target.exists() and not force:
        _fail(
            f"{target} exists and may be real data: pass --force to replace it with a "
            "sample, or --out PATH to write elsewhere"
        )
    with _failures_as_messages():
        write_table(make_sample(rows=rows, seed=seed, end=end), target)
    console.print(f"wrote {rows} rows to {target}")


@app.command("check-data")
def check_data(
    ctx: typer.Context, data: DataOption = None, as_json: JsonOption = False
) -> None:
    """Hold a training file to the data contract; exit 1 listing what it breaks."""
    from .data import load_training_data

    settings: Settings = ctx.obj
    path = data or settings.data_path
    with _failures_as_messages():
        frame = load_training_data(settings, path)
    if as_json:
        typer.echo(json.dumps({"path": str(path), "rows": len(frame)}))
        return
    console.print(f"{path}: {len(frame)} rows meet the contract")


contract_app = typer.Typer(
    help="The data contract: write it from your own file.", no_args_is_help=True
)
app.add_typer(contract_app, name="contract")


class TaskChoice(StrEnum):
    binary = "binary"
    multiclass = "multiclass"
    regression = "regression"


@contract_app.command("infer")
def contract_infer(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="A .csv or .parquet file of real rows.")],
    target: Annotated[str, typer.Option(help="The column to predict.")],
    task: Annotated[
        TaskChoice | None,
        typer.Option(help="Override the task (default: inferred from the target)."),
    ] = None,
    entity_id: Annotated[
        str | None,
        typer.Option(help="The unique key column (default: a unique *_id column)."),
    ] = None,
    time_column: Annotated[
        str | None,
        typer.Option(help="The event time column (default: the one time column)."),
    ] = None,
    drop: Annotated[
        list[str] | None,
        typer.Option(help="A column the model must not read (repeatable): IGNORED."),
    ] = None,
    margin: Annotated[
        float,
        typer.Option(
            min=0, help="Widen numeric ranges by this share of their span each side."
        ),
    ] = 0.1,
    max_categories: Annotated[
        int, typer.Option(min=2, help="The most values a categorical column may hold.")
    ] = 50,
    out: Annotated[
        Path | None,
        typer.Option(help="Where to write (default: the package's contract.py)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Write the contract from a real file: the columns, their ranges and the task.

    The contract it replaces is kept beside it as contract.py.bak.
    """
    from . import infer

    settings: Settings = ctx.obj
    with _failures_as_messages():
        path = out or infer.default_path()
        frame = infer.read_file(file, entity_id)
        inferred = infer.infer(
            frame,
            target=target,
            data_path=infer.relative(file),
            task=task.value if task else None,
            entity_id=entity_id,
            time_column=time_column,
            drop=drop or (),
            margin=margin,
            max_categories=max_categories,
        )
        written = infer.write(infer.render(inferred), path)
    if as_json:
        summary = inferred.summary()
        summary["contract"] = str(path)
        summary["backup"] = str(written.backup) if written.backup else None
        typer.echo(json.dumps(summary, indent=2, ensure_ascii=False))
        return
    shown = infer.relative(path)
    if not written.changed:
        console.print(f"{shown} already holds this contract: left as it was")
    else:
        backup = written.backup
        kept = f" (the previous one is in {backup.name})" if backup else ""
        console.print(f"wrote {shown}{kept}")
    for line in infer.describe(inferred):
        console.print(f"  {line}", markup=False, highlight=False)
    if "data_path" in settings.model_fields_set and settings.data_path != Path(
        inferred.data_path
    ):
        console.print(
            f"  note: the data_path setting ({settings.data_path}) overrides the "
            "contract's DATA_PATH: unset it, or pass --data to each command"
        )
    console.print("next:")
    for line in infer.next_steps(inferred):
        console.print(f"  {line}", markup=False, highlight=False)


@app.command()
def train(
    ctx: typer.Context,
    data: DataOption = None,
    seed: SeedOption = None,
{%- if cookiecutter.include_feature_store %}
    features: Annotated[
        bool,
        typer.Option(
            "--features",
            help="Take the features from the feature store (point in time); "
            "the data file gives the labels.",
        ),
    ] = False,
{%- endif %}
    engine: Annotated[
        Engine,
        typer.Option(
            help="local: this process; dask: a Dask cluster, for LightGBM or XGBoost "
            "on Parquet (the batch and boosting extras)."
        ),
    ] = Engine.local,
    scheduler: SchedulerOption = None,
    sample_fraction: Annotated[
        float,
        typer.Option(
            min=0,
            max=1,
            help="Train on this seeded share of the rows (over 0), drawn from every "
            "time alike.",
        ),
    ] = 1.0,
    as_json: JsonOption = False,
) -> None:
    """Train, log to MLflow, register; promote to champion only if it is better."""
    settings: Settings = ctx.obj
{%- if cookiecutter.include_feature_store %}
    if features and engine is Engine.dask:
        # The cluster reads the Parquet parts themselves, not the feature store.
        raise typer.BadParameter(
            "--features trains with --engine local", param_hint="--features"
        )
{%- endif %}
    _require_dask(engine, scheduler)
    with (
        _failures_as_messages(),
        console.status("importing") as status,
        _training_engine(settings, engine, scheduler) as fit,
    ):
{%- if cookiecutter.include_feature_store %}
        from .data import load_training_data
        from .features import load_training_frame
{%- endif %}
        from .train import train as run_training

        result = run_training(
            settings,
            data_path=data,
            seed=seed,
{%- if cookiecutter.include_feature_store %}
            load=load_training_frame if features else load_training_data,
{%- endif %}
            fit=fit,
            sample_fraction=sample_fraction,
            on_step=lambda step: status.update(step),
        )
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    verdict = "promoted to champion" if result.promoted else "not promoted"
    console.print(
        f"{result.model_name} version {result.model_version} ({result.task}, "
        f"{result.estimator}) {verdict}: {result.reason}\n"
        f"run {result.run_id}; "
        + ", ".join(f"{name} {value:.4f}" for name, value in result.metrics.items())
        + f"\nmodel card: {result.model_card}",
        markup=False,
        highlight=False,
    )


@contextmanager
def _training_engine(
    settings: Settings, engine: Engine, scheduler: str | None
) -> "Iterator[Fit | None]":
    """None (train in this process), or training on a cluster, connected for the run."""
    if engine is Engine.local:
        yield None
        return
    from functools import partial

    from .dask_scoring import connect
    from .dask_training import fit_on_cluster, require_boosting
    from .model import require_family

    require_boosting(settings)
    require_family(settings.estimator)
    with connect(scheduler) as client:
        yield partial(fit_on_cluster, client)


@app.command()
def tune(
    ctx: typer.Context,
    n_trials: Annotated[
        int | None,
        typer.Option(
            "--n-trials",
            min=1,
            help="Trials the study holds when done [default: tune_trials].",
        ),
    ] = None,
    timeout: Annotated[
        float | None,
        typer.Option(min=1, help="Start no trial after this many seconds."),
    ] = None,
    storage: Annotated[
        str | None,
        typer.Option(help="The study's database URL [default: tune_storage setting]."),
    ] = None,
    study: Annotated[
        str | None,
        typer.Option(
            help="Join or resume this study (several processes may share it) "
            "[default: a new one]."
        ),
    ] = None,
    data: DataOption = None,
    seed: SeedOption = None,
    write: Annotated[
        bool,
        typer.Option(
            help="Write the best parameters where train reads them (.env, or "
            "params.yaml with DVC)."
        ),
    ] = True,
    as_json: JsonOption = False,
) -> None:
    """Search the estimator family's hyperparameters with Optuna; each trial is an
    MLflow run. The next train uses the best ones (and the gate decides)."""
    settings: Settings = ctx.obj
    with _failures_as_messages():
        from .tuning import tune as run_tuning

        result = run_tuning(
            settings,
            n_trials=n_trials,
            timeout_s=timeout,
            storage=storage,
            study_name=study,
            seed=seed,
            data_path=data,
            write=write,
            on_trial=lambda line: console.print(line, markup=False, highlight=False),
        )
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
    else:
        trials = ", ".join(f"{n} {state.lower()}" for state, n in result.trials.items())
        best = (
            f"best {result.primary_metric} {result.best_value:.4f} (trial "
            f"{result.best_trial}): {json.dumps(result.best_params)}"
            if result.best_value is not None
            else "no trial finished"
        )
        written = (
            f"\nwritten to {result.written_to}: the next train uses them"
            if result.written_to
            else ""
        )
        console.print(
            f"study {result.study} ({trials}); {best}{written}",
            markup=False,
            highlight=False,
        )
    if result.interrupted:
        raise typer.Exit(code=130)


{%- if cookiecutter.include_feature_store %}


features_app = typer.Typer(
    help="The Feast feature store: register the definitions, load values into it.",
    no_args_is_help=True,
)
app.add_typer(features_app, name="features")


@features_app.command("apply")
def features_apply(ctx: typer.Context) -> None:
    """Register the definitions of the feature_repo setting's folder (as feast apply)."""
    settings: Settings = ctx.obj
    with _failures_as_messages(), console.status("applying"):
        from .features import apply

        names = apply(settings)
    console.print(
        f"feature store {settings.feature_registry_path}: applied {', '.join(names)}"
    )


@features_app.command("materialize")
def features_materialize(
    ctx: typer.Context,
    data: DataOption = None,
    end: Annotated[
        datetime | None,
        typer.Option(help="Load values up to this time [default: now]."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Write a data file's features to the offline store and the newest values of each
    entity to the online store (the values the API reads)."""
    settings: Settings = ctx.obj
    with _failures_as_messages(), console.status("materializing"):
        from .features import materialize

        done = materialize(settings, data or settings.data_path, end)
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "rows": done.rows,
                    "entities": done.entities,
                    "source": done.source,
                    "end": done.end.isoformat(),
                }
            )
        )
        return
    console.print(
        f"{done.rows} rows ({done.entities} entities) in {done.source}; online store "
        f"loaded up to {done.end.isoformat()}"
    )
{%- endif %}


@app.command()
def promote(
    ctx: typer.Context,
    version: Annotated[int, typer.Argument(help="Model version to make champion.")],
) -> None:
    """Make a version the champion: a manual promotion or a rollback."""
    from .registry import Registry

    settings: Settings = ctx.obj
    with _failures_as_messages():
        registry = Registry(settings)
        promoted = registry.promote(version)
        card = promoted.tags.get("model_card")
        where = registry.artifact_location(promoted.run_id, card) if card else None
    console.print(f"{settings.model_name} version {version} is now the champion")
    if where:
        console.print(f"model card: {where}", markup=False, highlight=False)


@app.command()
def predict(
    ctx: typer.Context,
    source: Annotated[
        Path,
        typer.Argument(
            help="A .csv or .parquet file (with --engine dask: Parquet, a file or a folder)."
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(help="Where to write [default: <source>.predictions<suffix>]."),
    ] = None,
    engine: Annotated[
        Engine,
        typer.Option(
            help="local: this process; dask: a Dask cluster (the batch extra)."
        ),
    ] = Engine.local,
    scheduler: SchedulerOption = None,
    batch_rows: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Rows read, checked and scored at a time [default: predict_batch_rows].",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Score a file with the champion, batch by batch; the output adds the prediction
    columns of the contract's task (and the probabilities of a classifier). A row that breaks the data contract stops the run, naming the rows and
    the rule, and no output is left behind."""
    from .champion import fetch, load_version, scoring_registry
    from .predict import ScoringResult, score_file

    settings: Settings = ctx.obj
    _require_dask(engine, scheduler)
    target = output or source.with_suffix(f".predictions{source.suffix}")
    rows_at_a_time = batch_rows or settings.predict_batch_rows
    threshold = settings.decision_threshold
    with _failures_as_messages():
        registry = scoring_registry(settings)
        champion = registry.require_champion()
        if engine is Engine.local:
            model = load_version(registry, champion)
            backend, started = model.backend, time.perf_counter()
            rows = score_file(model.scorer, source, target, threshold, rows_at_a_time)
            workers = 1
        else:
            from .dask_scoring import connect, score_on_cluster

            files = fetch(registry, champion)
            backend, started = files.backend, time.perf_counter()
            with connect(scheduler) as client:
                parts = score_on_cluster(
                    client, files, source, target, threshold, rows_at_a_time
                )
            rows = sum(part.rows for part in parts)
            workers = len({part.worker for part in parts})
    result = ScoringResult(
        rows=rows,
        output=str(target),
        model_name=champion.name,
        model_version=champion.number,
        backend=backend,
        engine=engine.value,
        workers=workers,
        seconds=round(time.perf_counter() - started, 3),
    )
    if as_json:
        typer.echo(result.model_dump_json(indent=2))
        return
    console.print(
        f"scored {rows} rows with {champion.name} version {champion.number} "
        f"({backend}, {engine.value}) into {target} in {result.seconds:.1f} s"
    )


def _require_dask(engine: Engine, scheduler: str | None) -> None:
    """Refuse --scheduler without --engine dask; stop with the install command when
    Dask (the batch extra) is missing."""
    if scheduler is not None and engine is not Engine.dask:
        raise typer.BadParameter(
            "--scheduler needs --engine dask", param_hint="--scheduler"
        )
    if engine is not Engine.dask:
        return
    try:
        import distributed  # noqa: F401
    except ImportError as error:
        _fail(
            f"--engine dask needs Dask ({error}): install the batch extra with "
            + install_extra("batch")
        )


@app.command()
def drift(
    ctx: typer.Context,
    source: Annotated[
        Path | None,
        typer.Argument(
            help="A prediction log (JSONL) or a data file of served rows "
            "[default: data_path setting].",
            show_default=False,
        ),
    ] = None,
{%- if cookiecutter.include_drift_report %}
    reports: Annotated[
        list[Path] | None,
        typer.Option(
            "--report",
            help="Also write Evidently's drift report here (.html or .json; "
            "repeatable). Needs the report environment: see the README.",
        ),
    ] = None,
{%- endif %}
    as_json: JsonOption = False,
) -> None:
    """Compare served inputs with the champion's training data (PSI per feature) and,
    from a prediction log, its predictions with those on its validation rows.

    Exits 1 when any PSI is above the drift_psi_threshold setting.
    """
    import pandas as pd

    from .data import read_table
    from .drift_bins import REFERENCE_STATISTICS
    from .monitoring import drift as measure_drift
    from .registry import Registry

    settings: Settings = ctx.obj
    with _failures_as_messages():
{%- if cookiecutter.include_drift_report %}
        from .drift_report import check_can_write

        check_can_write(reports or [])
{%- endif %}
        source = source or settings.data_path
        inputs = read_table(source)
        predictions = None
        if "inputs" in inputs.columns:  # a prediction log: one sample of rows a line
            log = inputs
            inputs = pd.DataFrame([row for rows in log["inputs"] for row in rows])
            if "predictions" in log.columns:  # every row's, not only the sample's
                predictions = [p for each in log["predictions"] for p in each]
        if inputs.empty:
            raise DataError(f"{source} holds no served rows to compare")
        registry = Registry(settings)
        champion = registry.require_champion()
        reference = registry.download(champion, REFERENCE_STATISTICS)
        if reference is None:
            raise RegistryError(
                f"{champion.name} version {champion.number} has no reference statistics"
            )
        report = measure_drift(json.loads(reference), inputs, predictions)
{%- if cookiecutter.include_drift_report %}
        evidently = None
        if reports:
            from .drift_report import REFERENCE_SAMPLE, read_reference, write_report

            rows = registry.download(champion, REFERENCE_SAMPLE)
            if rows is None:
                raise RegistryError(
                    f"{champion.name} version {champion.number} has no reference "
                    f"sample for the report ({REFERENCE_SAMPLE}): it was trained "
                    "before the report was added; train again"
                )
            evidently = write_report(read_reference(rows), inputs, reports)
{%- endif %}
    drifted = sorted(
        n for n, psi in report.items() if psi > settings.drift_psi_threshold
    )
    if as_json:
        summary: dict[str, object] = {
            "psi": report,
            "drifted": drifted,
            "rows": len(inputs),
        }
        if predictions is not None:
            summary["predictions"] = len(predictions)
{%- if cookiecutter.include_drift_report %}
        if evidently is not None:
            summary["report"] = {
                "drifted": evidently.drifted,
                "written": evidently.written,
            }
{%- endif %}
        typer.echo(json.dumps(summary))
    else:
        for name, psi in report.items():
            mark = "DRIFT" if name in drifted else "ok"
            console.print(f"{name:<20} PSI {psi:8.4f}  {mark}")
{%- if cookiecutter.include_drift_report %}
        if evidently is not None:
            console.print(
                f"Evidently: {len(evidently.drifted)} of {evidently.columns} columns "
                f"drifted ({', '.join(evidently.drifted) or 'none'}); report in "
                + ", ".join(evidently.written)
            )
{%- endif %}
    if drifted:
        console.print(
            f"{len(drifted)} column(s) drifted past PSI {settings.drift_psi_threshold}: "
            + ", ".join(drifted)
        )
        raise typer.Exit(code=1)
{%- if cookiecutter.include_api %}


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on [default: api_host].")
    ] = None,
    port: Annotated[
        int | None, typer.Option(help="Port to listen on [default: api_port].")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(min=1, help="Worker processes [default: api_workers]."),
    ] = None,
) -> None:
    """Serve the HTTP API with uvicorn (access log off: /metrics counts requests)."""
    # Imported here so that the other commands start without the web stack.
    import shutil
    import socket
    import tempfile

    import uvicorn
    from uvicorn.supervisors import Multiprocess

    from .api import create_app
    from .config import export_prometheus_multiproc_dir

    settings: Settings = ctx.obj
    count = workers or settings.api_workers
    # Every worker has its own counters; they meet in this folder for /metrics.
    folder = settings.prometheus_multiproc_dir
    if folder is None and count > 1:
        folder = Path(tempfile.mkdtemp(prefix="prometheus-"))
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)  # values of an earlier run
        folder.mkdir(parents=True)
        export_prometheus_multiproc_dir(folder)
    config = uvicorn.Config(
        # Several workers each build their own app from the environment's settings.
        create_app(settings) if count == 1 else f"{__package__}.api:create_app",
        factory=count > 1,
        workers=count,
        host=host or settings.api_host,
        port=port or settings.api_port,
        # Logging is configured by configure_logging(); keep uvicorn from replacing it.
        log_config=None,
        access_log=False,
    )
    if count == 1:
        uvicorn.Server(config).run()
        return
    listener = config.bind_socket()
    # uvicorn's shared socket does not name TCP as its protocol, so asyncio leaves
    # Nagle's algorithm on and every response waits ~40 ms for a delayed ACK. Accepted
    # connections inherit the option from the listening socket.
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    Multiprocess(config, sockets=[listener]).run()


@app.command("export-openapi")
def export_openapi(
    ctx: typer.Context,
    out: Annotated[Path, typer.Option(help="Folder to write into.")] = Path("docs/api"),
) -> None:
    """Write the OpenAPI document and the /predict JSON Schemas (request, response)."""
    from .api import create_app
    from .api.schemas import PredictResponse

    settings: Settings = ctx.obj
    out.mkdir(parents=True, exist_ok=True)
    api = create_app(settings)
    documents = {
        "openapi.json": api.openapi(),
        "predict-request.schema.json": api.state.request_model.model_json_schema(),
        "predict-response.schema.json": PredictResponse.model_json_schema(),
    }
    for name, document in documents.items():
        (out / name).write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {out / name}")
{%- endif %}
