"""Dependencies shared by the routes, as ``Annotated`` aliases.

They are ``async`` although they never wait: FastAPI runs a plain ``def`` dependency in a
worker thread, and those hand-offs cost more than the model's arithmetic.
"""

import hmac
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request, status

from ..champion import LoadedModel
from ..config import Settings, env_name
from .serving import ModelHolder


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_holder(request: Request) -> ModelHolder:
    holder: ModelHolder = request.app.state.models
    return holder


def served_model(holder: ModelHolder) -> LoadedModel:
    """The holder's model, or 503 saying how to get one (never a 500)."""
    model = holder.model
    if model is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            detail=f"no model loaded: {holder.last_error or 'loading'}",
        )
    return model


async def get_model(request: Request) -> LoadedModel:
    # From the app state, not through get_holder: every dependency FastAPI solves adds
    # tens of microseconds to each request.
    return served_model(request.app.state.models)


async def require_api_key(
    settings: Annotated[Settings, Depends(get_settings)],
    x_api_key: Annotated[str | None, Header()] = None,
) -> None:
    """When an API key is configured, the request must carry it in X-API-Key."""
    if settings.api_key is None:
        return
    expected = settings.api_key.get_secret_value().encode()
    # Constant-time comparison, so the time taken tells nothing about the key.
    if x_api_key is None or not hmac.compare_digest(x_api_key.encode(), expected):
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="missing or wrong X-API-Key header",
            headers={"WWW-Authenticate": "X-API-Key"},
        )


async def require_admin_key(
    settings: Annotated[Settings, Depends(get_settings)],
    x_api_key: Annotated[str | None, Header()] = None,
) -> None:
    """Admin routes change what is served: without a configured key they are off."""
    if settings.api_key is None:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            detail=f"admin routes are off: set {env_name('api_key')} on the server "
            "and send it in the X-API-Key header",
        )
    await require_api_key(settings, x_api_key)


SettingsDep = Annotated[Settings, Depends(get_settings)]
HolderDep = Annotated[ModelHolder, Depends(get_holder)]
ModelDep = Annotated[LoadedModel, Depends(get_model)]
ApiKeyRequired = Depends(require_api_key)
