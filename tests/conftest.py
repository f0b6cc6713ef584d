"""Fixtures for baking the template."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.matrix import BASE

Bake = Callable[..., Path]


@pytest.fixture
def bake(cookies: Any) -> Bake:
    """Bake BASE updated with the given answers; return the project folder."""

    def _bake(**answers: Any) -> Path:
        result = cookies.bake(extra_context={**BASE, **answers})
        assert result.exception is None, f"bake failed: {result.exception!r}"
        assert result.exit_code == 0
        project: Path = result.project_path
        return project

    return _bake


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the slow tier first: minutes-long bakes then never start on a core that is
    about to be the only one left busy (xdist's worksteal hands the short tests round).
    """
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
