"""The FastAPI app factory."""

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from .. import PROJECT_NAME, __version__
from ..config import Settings, get_settings
from .routes import health

logger = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; tests pass their own settings, the server uses the environment's."""
    if settings is None:
        settings = get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        logger.info("API %s starting", __version__)
        yield
        logger.info("API stopping")

    app = FastAPI(title=PROJECT_NAME, version=__version__, lifespan=lifespan)
    app.state.settings = settings
    app.include_router(health.router)
    return app
