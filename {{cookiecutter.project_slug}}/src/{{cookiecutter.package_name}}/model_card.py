"""The model card of a registered version: what it learnt from, how it scores against the
champion on the same rows, what the gate decided, and the figures.

Written as Markdown (read in the MLflow UI or a pull request) and as one HTML file with
the figures inside it, which opens in a browser with nothing else at hand.
"""

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field

from .evaluation import FOLDER as FIGURES_FOLDER
from .evaluation import Importance
from .metrics import METRICS

FOLDER = "model_card"
MARKDOWN = f"{FOLDER}/model_card.md"
HTML = f"{FOLDER}/model_card.html"


@dataclass(frozen=True)
class Card:
    """Everything the card shows; built by training, rendered here."""

    model_name: str
    version: int
    run_id: str
    task: str
    estimator: str
    params: dict[str, object]
    primary_metric: str
    promoted: bool
    reason: str
    data: dict[str, str]  # what and where: path, sha256, rows, time range...
    metrics: dict[str, float]
    baseline_metric: float
    champion_version: int | None
    champion_metrics: dict[str, float] | None
    importances: list[Importance]
    figures: dict[str, bytes] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    @property
    def decision(self) -> str:
        return "promoted to champion" if self.promoted else "not promoted"


def _metric_rows(card: Card) -> list[tuple[str, str, str, str]]:
    """(metric, this version, the champion, which is better) for every metric."""
    rows = []
    for name, value in card.metrics.items():
        theirs = (card.champion_metrics or {}).get(name)
        if theirs is None:
            verdict = ""
        elif value == theirs:
            verdict = "equal"
        else:
            higher = METRICS[name].direction == "higher"
            verdict = "this version" if (value > theirs) == higher else "champion"
        shown = "" if theirs is None else f"{theirs:.4f}"
        rows.append((name, f"{value:.4f}", shown, verdict))
    return rows


def _champion_heading(card: Card) -> str:
    if card.champion_version is None:
        return "champion (none)"
    return f"champion (version {card.champion_version})"


def markdown(card: Card) -> str:
    """The card as Markdown; figures are linked from the run's evaluation folder."""
    lines = [
        f"# {card.model_name} version {card.version}",
        "",
        f"**Gate: {card.decision}.** {card.reason}",
        "",
        f"- task: {card.task}; estimator: {card.estimator}; run: `{card.run_id}`",
        f"- primary metric: {card.primary_metric} "
        f"({METRICS[card.primary_metric].direction} is better); baseline "
        f"{card.baseline_metric:.4f}",
        *(f"- {note}" for note in card.notes),
        "",
        "## Data",
        "",
        *(f"- {name}: {value}" for name, value in card.data.items()),
        "",
        "## Metrics on the validation rows",
        "",
        f"| metric | this version | {_champion_heading(card)} | better |",
        "| --- | ---: | ---: | --- |",
        *(f"| {' | '.join(row)} |" for row in _metric_rows(card)),
        "",
        "## Parameters",
        "",
        *(f"- {name}: `{value}`" for name, value in card.params.items()),
        "",
        "## Feature importance",
        "",
        f"The {card.primary_metric} lost when one feature is shuffled (permutation "
        "importance on the validation rows):",
        "",
        "| feature | importance | std |",
        "| --- | ---: | ---: |",
        *(f"| {i.feature} | {i.mean:.4f} | {i.std:.4f} |" for i in card.importances),
    ]
    if card.figures:
        lines += ["", "## Figures", ""]
        lines += [
            f"![{name}](../{FIGURES_FOLDER}/{name})" for name in sorted(card.figures)
        ]
    return "\n".join(lines) + "\n"


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    cells = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>"
        for row in rows
    )
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


def page(card: Card) -> str:
    """The card as one HTML page, figures embedded: no file or network beside it."""
    e = html.escape
    title = f"{card.model_name} version {card.version}"
    items = [f"{name}: {value}" for name, value in card.data.items()]
    images = "".join(
        f'<figure><img alt="{e(name)}" src="data:image/png;base64,'
        f'{base64.b64encode(content).decode()}"><figcaption>{e(name)}</figcaption>'
        "</figure>"
        for name, content in sorted(card.figures.items())
    )
    metric_head = ("metric", "this version", _champion_heading(card), "better")
    sections = [
        f"<h1>{e(title)}</h1>",
        f"<p><strong>Gate: {e(card.decision)}.</strong> {e(card.reason)}</p>",
        "<ul>"
        + "".join(
            f"<li>{e(line)}</li>"
            for line in (
                f"task: {card.task}; estimator: {card.estimator}; run: {card.run_id}",
                f"primary metric: {card.primary_metric}; baseline "
                f"{card.baseline_metric:.4f}",
                *card.notes,
            )
        )
        + "</ul>",
        "<h2>Data</h2><ul>" + "".join(f"<li>{e(i)}</li>" for i in items) + "</ul>",
        "<h2>Metrics on the validation rows</h2>"
        + _table(metric_head, _metric_rows(card)),
        "<h2>Parameters</h2>"
        + _table(("parameter", "value"), [(k, str(v)) for k, v in card.params.items()]),
        "<h2>Feature importance</h2>"
        + _table(
            ("feature", "importance", "std"),
            [(i.feature, f"{i.mean:.4f}", f"{i.std:.4f}") for i in card.importances],
        ),
        *([f"<h2>Figures</h2>{images}"] if images else []),
    ]
    style = (
        "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.2rem .5rem}"
        "figure{display:inline-block;margin:.5rem}img{max-width:28rem}"
    )
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(title)}</title><style>{style}</style></head>"
        f"<body>{''.join(sections)}</body></html>\n"
    )
