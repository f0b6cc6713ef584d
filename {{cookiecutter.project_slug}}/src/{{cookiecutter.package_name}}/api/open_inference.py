"""The Open Inference Protocol (KServe V2) over REST: tensors in, tensors out.

A request holds one input tensor per contract column, named for it, of shape ``[N]`` or
``[N, 1]``: ``BYTES`` for a category, a numeric type (``FP64``, ``FP32``, ``INT64``...)
for a number. Where the contract lets a value be missing, it is ``null``, NaN (a
number) or an empty text (a category); binary data has only the last two. The rows are
then held to the same contract as /predict's. The answer has ``prediction`` and, for a classifier, ``probability`` (of the positive class, or of the
predicted one) and, for multiclass, ``probabilities`` (``[N, classes]``, in the
contract's order).

Triton's binary tensor data extension is spoken too, since its clients send and ask
for binary by default: the JSON header's length in ``Inference-Header-Content-Length``,
then each binary tensor's bytes in order.
"""

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..columns import Categorical, Numeric
from ..contract import FEATURES
from ..onnx_model import MISSING_CATEGORY
from ..outputs import Predictions
from ..schema import CLASSES, FEATURE_NAMES, TASK
from .invalid_request import echo, listed

HEADER_LENGTH = "inference-header-content-length"
EXTENSIONS = ["binary_tensor_data"]
# Numeric tensor types, as numpy reads their bytes (little-endian, as the protocol sends).
NUMERIC = {
    "FP16": "<f2",
    "FP32": "<f4",
    "FP64": "<f8",
    "INT8": "i1",
    "INT16": "<i2",
    "INT32": "<i4",
    "INT64": "<i8",
    "UINT8": "u1",
    "UINT16": "<u2",
    "UINT32": "<u4",
    "UINT64": "<u8",
}
# The model's platform, in the names Triton and KServe give them.
PLATFORMS = {"onnx": "onnxruntime_onnx", "sklearn": "sklearn"}
MAX_NESTING = 8  # of a tensor's JSON data: [N, 1] needs two
LABEL_TYPE = "INT64" if all(isinstance(c, int) for c in CLASSES) else "BYTES"
OUTPUTS: dict[str, tuple[str, list[int]]] = (
    {"prediction": ("FP64", [-1])}
    if TASK == "regression"
    else {
        "prediction": (LABEL_TYPE, [-1]),
        "probability": ("FP64", [-1]),
        **({"probabilities": ("FP64", [-1, len(CLASSES)])} if TASK != "binary" else {}),
    }
)


class ProtocolError(Exception):
    """A request the protocol or the contract refuses: the text of the 400 answer."""


# The envelope, checked by pydantic; the tensors' contents are checked below.
class InferInput(BaseModel):
    """One input tensor: a contract column, by its name."""

    model_config = ConfigDict(strict=True)

    name: str
    shape: list[int]
    datatype: str
    parameters: dict[str, Any] = Field(default_factory=dict)
    data: list[Any] | None = None


class InferRequestedOutput(BaseModel):
    """An output to answer (all of them when none is named)."""

    model_config = ConfigDict(strict=True)

    name: str
    parameters: dict[str, Any] = Field(default_factory=dict)


class InferenceRequest(BaseModel):
    """An Open Inference Protocol request: one input tensor per contract column."""

    model_config = ConfigDict(strict=True)

    id: str | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    inputs: list[InferInput]
    outputs: list[InferRequestedOutput] | None = None


@dataclass(frozen=True)
class Inference:
    """A decoded request: its rows (not yet held to the contract) and what to answer."""

    id: str | None
    records: list[dict[str, Any]]
    outputs: tuple[str, ...]
    binary: frozenset[str]  # the outputs to send as binary data


def request_schema() -> dict[str, Any]:
    """The JSON schema of an inference request, its parts under ``$defs``."""
    return InferenceRequest.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )


def decode(body: bytes, header_length: str | None, max_batch: int) -> Inference:
    """The rows and the wanted outputs of an inference request body.

    Raises:
        ProtocolError: the body is no inference request, or its tensors do not match
            the contract's columns; the message says which and how.
    """
    header, binary = _split(body, header_length)
    try:
        request = InferenceRequest.model_validate_json(header)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        where = ".".join(str(part) for part in first["loc"]) or "the body"
        raise ProtocolError(
            f"not an inference request: {where}: {first['msg']} "
            f"(got {echo(first.get('input'))!r})"
        ) from None
    by_name = {tensor.name: tensor for tensor in request.inputs}
    if len(by_name) != len(request.inputs):
        raise ProtocolError("an input tensor is given twice: send each column once")
    unknown = sorted(set(by_name) - set(FEATURE_NAMES))
    missing = [name for name in FEATURE_NAMES if name not in by_name]
    if unknown or missing:
        raise ProtocolError(
            "the inputs must be the contract's columns, one tensor each: "
            + "; ".join(
                ([f"unknown {_names(unknown)}"] if unknown else [])
                + ([f"missing {_names(missing)}"] if missing else [])
            )
            + " (GET /v2/models/<name> lists them with their datatypes)"
        )
    columns: list[list[Any]] = []
    offset = 0
    rows: int | None = None
    for feature in FEATURES:
        tensor = by_name[feature.name]
        count = _rows(tensor, max_batch)
        if rows is not None and count != rows:
            raise ProtocolError(
                f"input {tensor.name!r} has {count} rows where the others have {rows}: "
                "every column needs one value per row"
            )
        rows = count
        values, offset = _values(
            tensor, isinstance(feature, Categorical), binary, offset
        )
        # Missing is also NaN, or an empty text: binary data has no null, and
        # tritonclient sends NumPy's NaN as such in JSON data too.
        if feature.nullable and isinstance(feature, Categorical):
            values = [None if v == MISSING_CATEGORY else v for v in values]
        elif feature.nullable:
            values = [None if v != v else v for v in values]  # only NaN is not itself
        columns.append(values)
    if offset != len(binary):
        raise ProtocolError(
            f"{len(binary) - offset} bytes of binary data follow the tensors: each "
            "binary input's parameters.binary_data_size must give its size"
        )
    names = list(FEATURE_NAMES)
    records = [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]
    return Inference(request.id, records, *_wanted(request))


def _split(body: bytes, header_length: str | None) -> tuple[bytes, bytes]:
    """The JSON header and the binary data after it."""
    if header_length is None:
        return body, b""
    if not header_length.isdigit() or int(header_length) > len(body):
        raise ProtocolError(
            f"Inference-Header-Content-Length {header_length!r} is not the size of a "
            f"JSON header within the body's {len(body)} bytes"
        )
    length = int(header_length)
    return body[:length], body[length:]


def _rows(tensor: InferInput, max_batch: int) -> int:
    """The number of rows a tensor's shape gives: [N] or [N, 1], 1 <= N <= max_batch."""
    shape = tensor.shape
    if len(shape) not in (1, 2) or (len(shape) == 2 and shape[1] != 1):
        raise ProtocolError(
            f"input {tensor.name!r} has shape {shape}: a column is [N] or [N, 1]"
        )
    if not 1 <= shape[0] <= max_batch:
        raise ProtocolError(
            f"input {tensor.name!r} has {shape[0]} rows: send 1 to {max_batch} "
            "(API_MAX_BATCH) per request"
        )
    return shape[0]


def _values(
    tensor: InferInput, categorical: bool, binary: bytes, offset: int
) -> tuple[list[Any], int]:
    """A tensor's values as a flat list, and where the next binary tensor starts."""
    if categorical:
        fits, expected = tensor.datatype == "BYTES", "BYTES"
    else:
        fits, expected = tensor.datatype in NUMERIC, "a number type (FP64, INT64...)"
    if not fits:
        raise ProtocolError(
            f"input {tensor.name!r} has datatype {tensor.datatype!r}: its column "
            f"takes {expected}"
        )
    rows = tensor.shape[0]
    size = tensor.parameters.get("binary_data_size")
    if size is None:
        if tensor.data is None:
            raise ProtocolError(
                f"input {tensor.name!r} has no data, nor a binary_data_size parameter"
            )
        values = _flat(tensor.data, tensor.name)
    elif tensor.data is not None:
        raise ProtocolError(
            f"input {tensor.name!r} has both data and binary_data_size: give one"
        )
    elif not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ProtocolError(
            f"input {tensor.name!r}: binary_data_size {echo(size)!r} is no size in bytes"
        )
    elif offset + size > len(binary):
        raise ProtocolError(
            f"input {tensor.name!r}: binary_data_size {size} goes past the body's end "
            f"({len(binary) - offset} bytes left)"
        )
    else:
        chunk = binary[offset : offset + size]
        offset += size
        values = (
            _strings(chunk, tensor.name)
            if categorical
            else _numbers(chunk, NUMERIC[tensor.datatype], tensor.name)
        )
    if len(values) != rows:
        raise ProtocolError(
            f"input {tensor.name!r} has {len(values)} values for shape {tensor.shape}"
        )
    return values, offset


def _flat(data: list[Any], name: str) -> list[Any]:
    """Row-major contents of (possibly nested) JSON tensor data."""
    if data and not isinstance(data[0], list):
        # Flat, as clients send it; a list further on is a cell the contract refuses.
        return data
    values: list[Any] = []
    stack: list[tuple[list[Any], int]] = [(data, 0)]
    while stack:
        items, depth = stack.pop()
        if depth > MAX_NESTING:
            raise ProtocolError(f"input {name!r}: data nested deeper than a column's")
        nested = [item for item in items if isinstance(item, list)]
        if not nested:
            values.extend(items)
            continue
        if len(nested) != len(items):
            raise ProtocolError(f"input {name!r}: data mixes values and lists")
        stack.extend((item, depth + 1) for item in reversed(nested))
    return values


def _numbers(chunk: bytes, dtype: str, name: str) -> list[Any]:
    width = np.dtype(dtype).itemsize
    if len(chunk) % width:
        raise ProtocolError(
            f"input {name!r}: {len(chunk)} bytes is not a whole number of "
            f"{width}-byte values"
        )
    values: list[Any] = np.frombuffer(chunk, dtype=dtype).tolist()
    return values


def _strings(chunk: bytes, name: str) -> list[Any]:
    """BYTES in binary: each element is its length (4 bytes, little-endian), then it."""
    values: list[Any] = []
    position = 0
    while position < len(chunk):
        if position + 4 > len(chunk):
            raise ProtocolError(f"input {name!r}: binary BYTES data is cut short")
        (length,) = struct.unpack_from("<I", chunk, position)
        start = position + 4
        if start + length > len(chunk):
            raise ProtocolError(f"input {name!r}: binary BYTES data is cut short")
        try:
            values.append(chunk[start : start + length].decode())
        except UnicodeDecodeError:
            raise ProtocolError(
                f"input {name!r}: element {len(values)} is not UTF-8 text"
            ) from None
        position = start + length
    return values


def _wanted(request: InferenceRequest) -> tuple[tuple[str, ...], frozenset[str]]:
    """The outputs to answer, in order, and those to send as binary data."""
    everything = bool(request.parameters.get("binary_data_output", False))
    if request.outputs is None:
        return tuple(OUTPUTS), frozenset(OUTPUTS) if everything else frozenset()
    unknown = [output.name for output in request.outputs if output.name not in OUTPUTS]
    if unknown:
        raise ProtocolError(
            f"unknown output {_names(unknown)}: this model answers {_names(OUTPUTS)}"
        )
    binary = {
        output.name
        for output in request.outputs
        if output.parameters.get("binary_data", everything)
    }
    return tuple(dict.fromkeys(o.name for o in request.outputs)), frozenset(binary)


def contract_error(error: ValidationError) -> ProtocolError:
    """The contract's objections to some rows, by input tensor and element."""
    return ProtocolError(
        listed(error, lambda row, column: f"input {column!r} element {row}")
    )


def encode(
    inference: Inference,
    predictions: Predictions,
    model_name: str,
    model_version: int,
) -> tuple[dict[str, Any], bytes]:
    """The inference response: its JSON object, and the binary data that follows it."""
    tensors = _tensors(predictions)
    outputs = []
    chunks = []
    for name in inference.outputs:
        datatype, shape = OUTPUTS[name]
        values = tensors[name]
        output: dict[str, Any] = {
            "name": name,
            "datatype": datatype,
            "shape": [len(predictions), *shape[1:]],
        }
        if name in inference.binary:
            chunk = _bytes(values, datatype)
            output["parameters"] = {"binary_data_size": len(chunk)}
            chunks.append(chunk)
        else:
            output["data"] = values.reshape(-1).tolist()
        outputs.append(output)
    answer: dict[str, Any] = {
        "model_name": model_name,
        "model_version": str(model_version),
        "outputs": outputs,
    }
    if inference.id is not None:
        answer["id"] = inference.id
    return answer, b"".join(chunks)


def _tensors(predictions: Predictions) -> dict[str, npt.NDArray[Any]]:
    tensors = {"prediction": predictions.labels}
    if predictions.probability is not None:
        tensors["probability"] = predictions.probability
    if predictions.probabilities is not None:
        tensors["probabilities"] = predictions.probabilities
    return tensors


def _bytes(values: npt.NDArray[Any], datatype: str) -> bytes:
    if datatype != "BYTES":
        return np.ascontiguousarray(values, dtype=NUMERIC[datatype]).tobytes()
    encoded = [str(value).encode() for value in values.reshape(-1).tolist()]
    return b"".join(struct.pack("<I", len(item)) + item for item in encoded)


def model_metadata(name: str, version: int, backend: str) -> dict[str, Any]:
    """What GET /v2/models/<name> answers: the tensors in and out."""
    return {
        "name": name,
        "versions": [str(version)],
        "platform": PLATFORMS[backend],
        "inputs": [
            {"name": feature.name, "datatype": _datatype(feature), "shape": [-1]}
            for feature in FEATURES
        ],
        "outputs": [
            {"name": name, "datatype": datatype, "shape": shape}
            for name, (datatype, shape) in OUTPUTS.items()
        ],
    }


def _datatype(feature: Numeric | Categorical) -> str:
    """The type a column's tensor is advertised with (any number type is taken)."""
    if isinstance(feature, Categorical):
        return "BYTES"
    # A missing value is NaN in binary data: an integer type has none.
    return "INT64" if feature.integer and not feature.nullable else "FP64"


def _names(names: Mapping[str, Any] | list[str]) -> str:
    return ", ".join(repr(name) for name in names)
