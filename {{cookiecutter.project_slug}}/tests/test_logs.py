"""Logging: JSON lines, a rotating file, and no duplicate handlers on a second call."""

import io
import json
import logging
import sys
from pathlib import Path

import pytest

from {{ cookiecutter.package_name }}.config import Settings
from {{ cookiecutter.package_name }}.logs import configure_logging


@pytest.fixture(autouse=True)
def restore_root_logger() -> object:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield None
    configure_logging(Settings(log_level="WARNING"))
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)


def test_json_file_gets_one_object_per_line_with_extras(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "service.jsonl"
    configure_logging(Settings(log_format="json", log_file=log_file))

    logging.getLogger("demo").info("trained %s", "model", extra={"run_id": "abc"})

    entry = json.loads(log_file.read_text(encoding="utf-8").splitlines()[-1])
    assert entry["message"] == "trained model"
    assert entry["level"] == "INFO"
    assert entry["logger"] == "demo"
    assert entry["run_id"] == "abc"


def test_file_rotates_by_size(tmp_path: Path) -> None:
    log_file = tmp_path / "service.jsonl"
    configure_logging(
        Settings(log_file=log_file, log_file_max_bytes=200, log_file_backup_count=2)
    )

    for number in range(20):
        logging.getLogger("demo").warning("line %d", number)

    assert log_file.with_name("service.jsonl.1").exists()
    assert not log_file.with_name("service.jsonl.3").exists()


def test_second_call_replaces_handlers() -> None:
    root = logging.getLogger()
    before = len(root.handlers)

    configure_logging(Settings())
    configure_logging(Settings(log_level="DEBUG"))

    assert len(root.handlers) == before + 1
    assert root.level == logging.DEBUG


def test_the_console_follows_stderr_when_a_runner_swaps_and_closes_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As typer's CliRunner does around a command run in process.
    during, after = io.StringIO(), io.StringIO()
    monkeypatch.setattr(sys, "stderr", during)
    configure_logging(Settings(log_level="INFO"))
    logging.getLogger("demo").info("inside the command")
    monkeypatch.setattr(sys, "stderr", after)
    during.close()

    logging.getLogger("demo").info("from a thread, later")

    written = after.getvalue()
    assert "Logging error" not in written
    assert written.endswith("INFO     demo: from a thread, later\n"), written
