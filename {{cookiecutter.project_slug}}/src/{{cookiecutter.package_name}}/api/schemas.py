"""Request and response bodies, named for their role."""

from typing import Literal

from pydantic import BaseModel


class HealthResponse(BaseModel):
    """Liveness: the process runs and answers."""

    status: Literal["ok"] = "ok"
    version: str
