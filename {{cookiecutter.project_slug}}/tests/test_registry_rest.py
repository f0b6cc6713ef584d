"""Scoring reads a tracking server over REST: the same answers as MLflow's client."""

import json
import shutil
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import mlflow
import pytest

from {{ cookiecutter.package_name }}.config import (
    ENV_PREFIX,
    Settings,
)
from {{ cookiecutter.package_name }}.data import write_table
from {{ cookiecutter.package_name }}.errors import (
    NoChampionError,
    RegistryError,
)
from {{ cookiecutter.package_name }}.onnx_model import (
    ARTIFACT as ONNX_ARTIFACT,
)
from {{ cookiecutter.package_name }}.registry import Registry
from {{ cookiecutter.package_name }}.registry_rest import (
    RestRegistry,
    can_serve_from,
)
from {{ cookiecutter.package_name }}.sample import make_sample
from {{ cookiecutter.package_name }}.train import train

from .processes import free_port, wait_until

# Load the champion as the API and `predict` do, score a file, and say what was
# imported on the way.
LOAD_SCORE_AND_REPORT = """
import json, sys
from pathlib import Path
from {{ cookiecutter.package_name }}.champion import (
    load_version,
    scoring_registry,
)
from {{ cookiecutter.package_name }}.config import get_settings
heavy = {"mlflow", "pandas", "sklearn"}
registry = scoring_registry(get_settings())
model = load_version(registry, registry.require_champion())
loaded = sorted(heavy & set(sys.modules))
from {{ cookiecutter.package_name }}.predict import score_file
rows = score_file(model.scorer, Path("in.csv"), Path("out.parquet"), 0.5, 100)
print(json.dumps({
    "version": model.version,
    "backend": model.backend,
    "rows": rows,
    "imported_to_load": loaded,
    "imported_to_score": sorted(heavy & set(sys.modules)),
}))
"""


@pytest.fixture(scope="module")
def tracking_server(
    tmp_path_factory: pytest.TempPathFactory, migrated_store: Path
) -> Iterator[str]:
    """A real ``mlflow server`` on 127.0.0.1 that proxies its artifacts."""
    folder = tmp_path_factory.mktemp("tracking-server")
    shutil.copyfile(migrated_store, folder / "mlflow.db")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1"]
    command += ["--port", str(port), "--workers", "1"]
    command += ["--backend-store-uri", f"sqlite:///{folder / 'mlflow.db'}"]
    command += ["--artifacts-destination", str(folder / "artifacts")]
    with (folder / "server.log").open("w") as log:
        server = subprocess.Popen(
            command,
            stdout=log,
            stderr=subprocess.STDOUT,
        )

    def healthy() -> bool:
        with urllib.request.urlopen(f"{url}/health", timeout=1):
            return True

    try:
        wait_until(healthy, server, (folder / "server.log").read_text, seconds=120)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def on_server(settings: Settings, url: str, **changes: object) -> Settings:
    return settings.model_copy(update={"mlflow_tracking_uri": url, **changes})


@pytest.mark.tracking_server
def test_reads_what_mlflow_reads_from_a_tracking_server(
    settings: Settings, tracking_server: str, tmp_path: Path
) -> None:
    remote = on_server(settings, tracking_server)
    rest, client = RestRegistry(remote), Registry(remote)
    with pytest.raises(NoChampionError) as rest_error:
        rest.require_champion()
    with pytest.raises(NoChampionError) as client_error:
        client.require_champion()
    assert str(rest_error.value) == str(client_error.value)

    train(remote)

    champion = rest.require_champion()
    assert champion == client.require_champion()
    assert rest.run_summary(champion) == client.run_summary(champion)
    served = rest.download(champion, ONNX_ARTIFACT)
    assert served is not None
    assert served == client.download(champion, ONNX_ARTIFACT)
    assert rest.download(champion, "serving/no-such-file") is None


@pytest.mark.tracking_server
def test_reads_artifacts_kept_in_a_shared_folder(
    settings: Settings, tracking_server: str, tmp_path: Path
) -> None:
    # An experiment whose artifacts the server does not proxy: a folder both can reach.
    remote = on_server(
        settings, tracking_server, experiment_name="shared", model_name="shared"
    )
    # A space in the folder's name: the artifact URI carries it %-encoded.
    mlflow.MlflowClient(tracking_server).create_experiment(
        "shared", artifact_location=(tmp_path / "shared folder").as_uri()
    )
    train(remote)
    rest = RestRegistry(remote)

    champion = rest.require_champion()

    assert rest.download(champion, ONNX_ARTIFACT) == Registry(remote).download(
        champion, ONNX_ARTIFACT
    )
    assert list((tmp_path / "shared folder").rglob("model.onnx"))


@pytest.mark.tracking_server
def test_scoring_from_a_tracking_server_imports_no_mlflow(
    settings: Settings, tracking_server: str, tmp_path: Path
) -> None:
    remote = on_server(settings, tracking_server, model_name="lean")
    train(remote)
    write_table(make_sample(rows=250, seed=5), tmp_path / "in.csv")

    served = subprocess.run(
        [sys.executable, "-c", LOAD_SCORE_AND_REPORT],
        env={"MLFLOW_TRACKING_URI": tracking_server, f"{ENV_PREFIX}MODEL_NAME": "lean"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert served.returncode == 0, served.stderr
    assert json.loads(served.stdout) == {
        "version": 1,
        "backend": "onnx",
        "rows": 250,
        "imported_to_load": [],
        "imported_to_score": ["pandas"],
    }


def test_a_server_that_is_down_is_named_as_mlflow_names_it(down: Settings) -> None:
    with pytest.raises(RegistryError) as rest:
        RestRegistry(down).require_champion()
    with pytest.raises(RegistryError) as client:
        Registry(down).require_champion()

    # The same sentences around each library's own reason, with the password masked.
    ours, theirs = str(rest.value), str(client.value)
    assert ours.split(" failed (")[0] == theirs.split(" failed (")[0]
    assert ours.rsplit(")", 1)[1] == theirs.rsplit(")", 1)[1]
    assert "s3cret" not in ours


@pytest.mark.parametrize(
    ("uri", "option", "expected"),
    [
        ("http://mlflow:5000", None, True),
        ("https://mlflow.example.com/prefix", None, True),
        ("sqlite:///mlflow.db", None, False),
        ("databricks", None, False),
        # TLS files and auth plugins are MLflow's business.
        ("https://mlflow.example.com", "MLFLOW_TRACKING_SERVER_CERT_PATH", False),
        ("https://mlflow.example.com", "MLFLOW_TRACKING_AUTH", False),
    ],
)
def test_rest_is_used_only_where_it_does_all_mlflow_would(
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    uri: str,
    option: str | None,
    expected: bool,
) -> None:
    if option is not None:
        monkeypatch.setenv(option, "set")

    assert can_serve_from(on_server(settings, uri)) is expected
