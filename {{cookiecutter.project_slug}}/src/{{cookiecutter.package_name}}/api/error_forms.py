"""Each protocol's own error body, for the errors raised before a route answers (a
missing API key, no model loaded, an unknown path, a body over the limit): FastAPI's
``{"detail"}`` on the service's own routes, ``{"error"}`` on the Open Inference
Protocol's, MLflow's ``{"error_code", "message"}`` on /invocations."""

from fastapi import Request, Response
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

# MLflow's names for HTTP statuses (mlflow.protos.databricks_pb2), as its server sends.
MLFLOW_CODES = {
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "ENDPOINT_NOT_FOUND",
    503: "TEMPORARILY_UNAVAILABLE",
}


def mlflow_error(status_code: int, message: str) -> JSONResponse:
    code = MLFLOW_CODES.get(
        status_code, "BAD_REQUEST" if status_code < 500 else "INTERNAL_ERROR"
    )
    return JSONResponse({"error_code": code, "message": message}, status_code)


async def http_error(request: Request, error: HTTPException) -> Response:
    """The app's handler of HTTPException, on every route."""
    path = request.url.path
    if path == "/v2" or path.startswith("/v2/"):
        return JSONResponse(
            {"error": str(error.detail)}, error.status_code, headers=error.headers
        )
    if path == "/invocations":
        response = mlflow_error(error.status_code, str(error.detail))
        response.headers.update(error.headers or {})
        return response
    return await http_exception_handler(request, error)
