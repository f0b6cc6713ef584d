"""The 422 answer: which field, what is wrong, and the offending value made JSON-safe
and small, whatever the request held (bad UTF-8, NaN, a lone surrogate, megabytes)."""

import json
import math
from collections.abc import Callable, Mapping
from itertools import islice
from typing import Any

from fastapi import Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

MAX_ERRORS = 20  # listed in one answer; the others are counted
MAX_ECHO_CHARS = 200  # of an offending value, once written as JSON
MAX_ITEMS = 5  # of a list or an object echoed
MAX_DEPTH = 3  # of nesting echoed
NON_FINITE = {math.inf: "Infinity", -math.inf: "-Infinity"}


def clipped(text: str, limit: int = MAX_ECHO_CHARS, total: int | None = None) -> str:
    """At most ``limit`` characters of valid UTF-8: lone surrogates are escaped."""
    if len(text) > limit:
        text = f"{text[:limit]}... ({total or len(text)} characters in all)"
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def json_safe(value: Any, depth: int = 0) -> Any:
    """``value`` as JSON can carry it, cut short where it is long or deep."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        return clipped(value)
    if isinstance(value, int):  # beyond 64 bits, a size is more use than the digits
        bits = value.bit_length()
        return value if bits < 64 else f"a {bits}-bit integer"
    if isinstance(value, float):
        return value if math.isfinite(value) else NON_FINITE.get(value, "NaN")
    if isinstance(value, bytes | bytearray):  # a body that was not even JSON
        head = bytes(value[: MAX_ECHO_CHARS + 1]).decode("utf-8", "backslashreplace")
        return clipped(head, total=len(value))
    if depth >= MAX_DEPTH:
        return "..."
    if isinstance(value, Mapping):
        safe = {
            clipped(str(key), 40): json_safe(item, depth + 1)
            for key, item in islice(value.items(), MAX_ITEMS)
        }
        if len(value) > MAX_ITEMS:
            safe["..."] = f"{len(value)} keys in all"
        return safe
    if isinstance(value, list | tuple):
        items = [json_safe(item, depth + 1) for item in value[:MAX_ITEMS]]
        if len(value) > MAX_ITEMS:
            items.append(f"... {len(value)} items in all")
        return items
    return clipped(str(value))


def echo(value: Any) -> Any:
    """The offending value for the answer: JSON-safe, and short once written."""
    safe = json_safe(value)
    if isinstance(safe, dict | list):  # a few items, each short, can still add up
        written = json.dumps(safe, ensure_ascii=False)
        if len(written) > MAX_ECHO_CHARS:
            return clipped(written)
    return safe


def described(error: Mapping[str, Any]) -> dict[str, Any]:
    """One error in FastAPI's shape (type, loc, msg, input, ctx), safe to send."""
    answer: dict[str, Any] = {
        "type": str(error.get("type", "invalid")),
        "loc": [
            part if isinstance(part, int) else clipped(str(part), 40)
            for part in error.get("loc", ())
        ],
        "msg": clipped(str(error.get("msg", "")), 500),
    }
    if "input" in error:
        answer["input"] = echo(error["input"])
    if error.get("ctx"):
        answer["ctx"] = {str(key): echo(item) for key, item in error["ctx"].items()}
    return answer


async def invalid_request(
    request: Request, error: RequestValidationError
) -> JSONResponse:
    """The app's handler of RequestValidationError, on every route."""
    errors = error.errors()
    detail = [described(item) for item in errors[:MAX_ERRORS]]
    if len(errors) > MAX_ERRORS:
        detail.append(
            {
                "type": "too_many_errors",
                "loc": [],
                "msg": f"{len(errors) - MAX_ERRORS} more errors, not listed",
            }
        )
    return JSONResponse(
        {"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT
    )


def listed(error: ValidationError, place: Callable[[Any, Any], str]) -> str:
    """The errors of some rows in one line, each as ``place(row, column)``, what is
    wrong and the offending value: for the protocols whose errors are one message."""
    errors = error.errors(include_url=False)
    problems = []
    for item in errors[:MAX_ERRORS]:
        row, column = (*item["loc"], None, None)[:2]
        problems.append(
            f"{place(row, column)}: {item['msg']} (got {echo(item.get('input'))!r})"
        )
    more = f"; and {len(errors) - MAX_ERRORS} more" if len(errors) > MAX_ERRORS else ""
    return "; ".join(problems) + more
