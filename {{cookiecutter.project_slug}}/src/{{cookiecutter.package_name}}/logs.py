"""Logging set up once per entry point: console or JSON lines, optionally a rotating file."""

import json
import logging
import logging.handlers
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .config import Settings

# Attributes every LogRecord has; anything else was passed through ``extra=`` and is data.
_RECORD_ATTRIBUTES = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_CONSOLE_FORMAT = "%(asctime)s %(levelname)-8s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """Format a record as one JSON object: time, level, logger, message and extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(
            (key, value)
            for key, value in vars(record).items()
            if key not in _RECORD_ATTRIBUTES
        )
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


# The handlers installed here, so that a second call replaces them instead of adding more
# (and leaves alone handlers that others installed, such as pytest's).
_installed: list[logging.Handler] = []


class _RotatingFile(logging.handlers.RotatingFileHandler):
    """Tells ``on_error`` of every record it failed to write, then reports it as usual."""

    def __init__(self, path: Path, on_error: Callable[[], None], **options: Any):
        super().__init__(path, **options)
        self.on_error = on_error

    # logging's own name for it, camel case and all.
    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802
        self.on_error()
        super().handleError(record)


def rotating_file(
    path: Path,
    max_bytes: int,
    backups: int,
    on_error: Callable[[], None] = lambda: None,
) -> logging.handlers.RotatingFileHandler:
    """A UTF-8 file handler that rolls over at ``max_bytes``, keeping ``backups`` files;
    ``on_error`` is called for each record it could not write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return _RotatingFile(
        path, on_error, maxBytes=max_bytes, backupCount=backups, encoding="utf-8"
    )


class _Stderr(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to ``sys.stderr`` as it is at each record, as ``logging.lastResort`` does:
    a command run in process (typer's CliRunner, a notebook) swaps in its own stream and
    closes it after, and threads that log later (a Dask scheduler's) must not write to
    that closed stream."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _: Any) -> None:  # StreamHandler.__init__ sets it
        pass


def configure_logging(settings: Settings) -> None:
    """Configure the root logger from the settings; safe to call more than once."""
    root = logging.getLogger()
    while _installed:
        handler = _installed.pop()
        root.removeHandler(handler)
        handler.close()

    console = _Stderr()
    console.setFormatter(
        JsonFormatter()
        if settings.log_format == "json"
        else logging.Formatter(_CONSOLE_FORMAT)
    )
    _installed.append(console)

    if settings.log_file is not None:
        file_handler = rotating_file(
            settings.log_file,
            settings.log_file_max_bytes,
            settings.log_file_backup_count,
        )
        file_handler.setFormatter(JsonFormatter())
        _installed.append(file_handler)

    for handler in _installed:
        root.addHandler(handler)
    root.setLevel(settings.log_level)
