"""A real Prometheus on 127.0.0.1 scrapes a real two-worker server under traffic: every
recording rule and every dashboard query returns data, and no rule fails."""

import json
import shutil
import subprocess
import threading
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.contract import EXAMPLE

from ..processes import free_port, wait_until
from .test_server import call, serving

pytestmark = pytest.mark.prometheus

PROJECT = Path(__file__).parents[2]
MONITORING = PROJECT / "monitoring"
JOB = "{{ cookiecutter.project_slug }}"


@contextmanager
def prometheus(target: str, folder: Path) -> Iterator[str]:
    """Prometheus scraping ``target`` every second with the project's rules; its URL."""
    program = shutil.which("prometheus")
    assert program, "no prometheus: install it (apt-get install prometheus)"
    port = free_port()
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(MONITORING / "rules.yml")],
        "scrape_configs": [
            {"job_name": JOB, "static_configs": [{"targets": [target]}]}
        ],
    }
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config), encoding="utf-8")
    log = (folder / "prometheus.log").open("w", encoding="utf-8")
    process = subprocess.Popen(
        [
            program,
            f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until(
            lambda: urllib.request.urlopen(f"{base}/-/ready", timeout=5).status == 200,
            process,
            lambda: (folder / "prometheus.log").read_text(encoding="utf-8"),
            seconds=60,
        )
        yield base
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def api(base: str, path: str, **query: str) -> Any:
    url = f"{base}/api/v1/{path}?{urllib.parse.urlencode(query)}"
    with urllib.request.urlopen(url, timeout=10) as response:
        answer = json.loads(response.read())
    assert answer["status"] == "success", answer
    return answer["data"]


def dashboard_queries() -> dict[str, str]:
    """Every query of the dashboard, by panel and legend, for this project's job."""
    dashboard = json.loads(
        (MONITORING / "grafana" / "dashboard.json").read_text(encoding="utf-8")
    )
    return {
        f"{panel['title']}: {target['legendFormat']}": target["expr"].replace(
            "$job", JOB
        )
        for panel in dashboard["panels"]
        for target in panel["targets"]
    }


def recorded_names() -> list[str]:
    groups = yaml.safe_load((MONITORING / "rules.yml").read_text(encoding="utf-8"))
    return [r["record"] for g in groups["groups"] for r in g["rules"] if "record" in r]


def send_traffic(base: str, stop: threading.Event) -> None:
    """1-row and 100-row requests on each protocol's route, and bad bodies (4xx)."""
    while not stop.is_set():
        assert call(f"{base}/predict", {"instances": [EXAMPLE]})[0] == 200
        assert call(f"{base}/predict", {"instances": [EXAMPLE] * 100})[0] == 200
        assert call(f"{base}/invocations", {"dataframe_records": [EXAMPLE]})[0] == 200
        assert call(f"{base}/predict", {"instances": []})[0] == 422
        time.sleep(0.05)


def test_rules_and_dashboard_queries_return_data(
    api_settings: Settings, tmp_path: Path
) -> None:
    queries = {name: name for name in recorded_names()} | dashboard_queries()
    stop = threading.Event()
    with serving(api_settings, tmp_path, workers=2) as server:
        target = server.removeprefix("http://")
        with prometheus(target, tmp_path) as base:
            traffic = threading.Thread(target=send_traffic, args=(server, stop))
            traffic.start()
            try:
                empty = dict(queries)
                deadline = time.monotonic() + 90
                while empty and time.monotonic() < deadline:
                    for name, query in list(empty.items()):
                        if api(base, "query", query=query)["result"]:
                            del empty[name]
                    time.sleep(1)
                groups = api(base, "rules")["groups"]
                firing = api(base, "alerts")["alerts"]
            finally:
                stop.set()
                traffic.join(timeout=30)
    assert not empty, f"no data from {sorted(empty)}"
    failing = {
        rule["name"]: rule.get("lastError")
        for group in groups
        for rule in group["rules"]
        if rule["health"] != "ok"
    }
    assert not failing, failing
    assert [a for a in firing if a["state"] == "firing"] == []
