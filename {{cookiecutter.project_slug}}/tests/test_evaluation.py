"""What a reviewer looks at: figures, feature importances and the model card of a version."""

import html
import io
import json
from pathlib import Path

import mlflow
import pytest
from PIL import Image

from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.evaluation import FOLDER
from {{ cookiecutter.package_name }}.model_card import (
    HTML,
    MARKDOWN,
)
from {{ cookiecutter.package_name }}.registry import Registry
from {{ cookiecutter.package_name }}.schema import (
    FEATURE_NAMES,
    TASK,
)
from {{ cookiecutter.package_name }}.train import train

FIGURES = {
    "binary": {"roc", "precision_recall", "calibration", "confusion_matrix"},
    "multiclass": {"roc", "precision_recall", "calibration", "confusion_matrix"},
    "regression": {"predicted_vs_actual", "residuals"},
}[TASK] | {"feature_importance"}


def artifact(run_id: str, path: str) -> bytes:
    local = mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path=path)
    return Path(local).read_bytes()


def test_a_trained_version_has_its_figures_importances_and_card(
    settings: Settings,
) -> None:
    first = train(settings)
    # A weaker family on the same rows: the gate may refuse it, and its card says so.
    second = train(
        settings.model_copy(
            update={"estimator": "random_forest", "estimator_params": {"max_depth": 1}}
        )
    )

    for result in (first, second):
        listed = {
            Path(f.path).name
            for f in mlflow.MlflowClient().list_artifacts(result.run_id, FOLDER)
        }
        assert listed == {f"{name}.png" for name in FIGURES} | {
            "feature_importance.json"
        }
        for name in FIGURES:
            image = Image.open(
                io.BytesIO(artifact(result.run_id, f"{FOLDER}/{name}.png"))
            )
            assert image.format == "PNG"
            assert image.size[0] >= 400
            assert image.size[1] >= 300
            image.verify()  # raises on a broken file
        importances = json.loads(
            artifact(result.run_id, f"{FOLDER}/feature_importance.json")
        )
        assert sorted(item["feature"] for item in importances) == sorted(FEATURE_NAMES)
        means = [item["mean"] for item in importances]
        assert means == sorted(means, reverse=True)
        assert means[0] > 0  # the model leans on some feature

    version = Registry(settings).get(second.model_version)
    assert version.tags["model_card"] == HTML
    card = artifact(second.run_id, MARKDOWN).decode()
    verdict = "promoted to champion" if second.promoted else "not promoted"
    assert f"**Gate: {verdict}.** {second.reason}" in card
    # Its metrics beside the champion's, scored on the same validation rows.
    assert f"champion (version {first.model_version})" in card
    primary = second.metrics[second.primary_metric]
    assert (
        f"| {second.primary_metric} | {primary:.4f} | {second.champion_metric:.4f} |"
        in card
    )
    assert second.data_sha256 in card
    page = Path(second.model_card or "").read_text(encoding="utf-8")
    assert page.count('src="data:image/png;base64,') == len(FIGURES)
    assert html.escape(second.reason) in page


def test_figures_can_be_turned_off_and_the_card_stays(settings: Settings) -> None:
    result = train(settings.model_copy(update={"evaluation_figures": False}))

    listed = {
        Path(f.path).name
        for f in mlflow.MlflowClient().list_artifacts(result.run_id, FOLDER)
    }
    assert listed == {"feature_importance.json"}
    assert "## Figures" not in artifact(result.run_id, MARKDOWN).decode()


@pytest.mark.parametrize("sign", [1, -1])
def test_the_card_calls_the_better_model_by_the_metric_direction(sign: int) -> None:
    from {{ cookiecutter.package_name }}.metrics import (
        DEFAULT_METRIC,
        METRICS,
    )
    from {{ cookiecutter.package_name }}.model_card import (
        Card,
        markdown,
    )

    metric = DEFAULT_METRIC[TASK]
    higher = METRICS[metric].direction == "higher"
    card = Card(
        model_name="m",
        version=2,
        run_id="r",
        task=TASK,
        estimator="linear",
        params={},
        primary_metric=metric,
        promoted=False,
        reason="r",
        data={},
        metrics={metric: 0.5 + 0.1 * sign},
        baseline_metric=0.1,
        champion_version=1,
        champion_metrics={metric: 0.5},
        importances=[],
    )

    winner = "this version" if (sign > 0) == higher else "champion"
    assert f"| {metric} | {0.5 + 0.1 * sign:.4f} | 0.5000 | {winner} |" in markdown(
        card
    )
