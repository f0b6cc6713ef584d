"""Helpers for tests that start a server in a child process."""

import socket
import subprocess
import time
from collections.abc import Callable
from typing import Any


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_until(
    ready: Callable[[], bool],
    process: subprocess.Popen[Any],
    output: Callable[[], str],
    seconds: float,
) -> None:
    """Poll ``ready`` until it holds (connection errors count as not yet); fail with
    ``output()`` if the process ends first, or at the deadline."""
    deadline = time.monotonic() + seconds
    while True:
        assert process.poll() is None, output()
        assert time.monotonic() < deadline, "the server did not become ready"
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.1)
