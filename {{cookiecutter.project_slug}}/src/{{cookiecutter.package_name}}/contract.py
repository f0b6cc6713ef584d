"""The data contract: the problem this project solves, declared once.

Everything else follows from it: the estimator, the metrics and the promotion gate, the
ONNX outputs, the request and response schemas, batch columns, drift and the sample
data. Edit it by hand, or write it anew from your own file with
``{{ cookiecutter.project_slug }} contract infer FILE --target COLUMN``.
"""

from typing import Any

from .columns import Categorical, Numeric, Target
{%- if cookiecutter.task == "binary" %}

# The example: will a customer cancel? A binary task on a made-up churn table.
DATA_PATH = "data/train.csv"  # the training file, unless DATA_PATH says otherwise
ENTITY_ID: str | None = "customer_id"  # a unique key per row, or None
EVENT_TIME: str | None = "event_time"  # validation takes the newest rows; None: random
MAX_DATA_AGE_DAYS: int | None = 30  # the newest row at most this old; None: any age
MIN_ROWS = 200  # labelled rows a training file needs at least
IGNORED: tuple[str, ...] = ()  # columns files may hold that the model does not read

TARGET = Target(
    "churned", "binary", classes=(0, 1), description="1: cancelled within 30 days"
)
FEATURES: tuple[Numeric | Categorical, ...] = (
    Numeric("tenure_months", 0, 120, integer=True, description="months as a customer"),
    Numeric("monthly_charges", 0, 500, description="current monthly bill"),
    Numeric(
        "total_charges",
        0,
        60_000,
        nullable=True,
        description="billed since joining; missing for some new customers",
    ),
    Numeric(
        "support_calls", 0, 50, integer=True, description="calls in the last 90 days"
    ),
    Categorical("contract", ("month-to-month", "one-year", "two-year")),
    Categorical(
        "payment_method", ("card", "bank-transfer", "electronic-check", "mailed-check")
    ),
    Categorical("internet_service", ("dsl", "fiber", "none")),
)
# One valid row: the example in the API docs and in tests.
EXAMPLE: dict[str, Any] = {
    "tenure_months": 14,
    "monthly_charges": 74.5,
    "total_charges": 1043.0,
    "support_calls": 3,
    "contract": "month-to-month",
    "payment_method": "electronic-check",
    "internet_service": "fiber",
}
{%- elif cookiecutter.task == "multiclass" %}

# The example: which team should take a support ticket? Five classes, made-up tickets.
DATA_PATH = "data/train.csv"  # the training file, unless DATA_PATH says otherwise
ENTITY_ID: str | None = "ticket_id"  # a unique key per row, or None
EVENT_TIME: str | None = "created_at"  # validation takes the newest rows; None: random
MAX_DATA_AGE_DAYS: int | None = 30  # the newest row at most this old; None: any age
MIN_ROWS = 200  # labelled rows a training file needs at least
IGNORED: tuple[str, ...] = ()  # columns files may hold that the model does not read

TARGET = Target(
    "team",
    "multiclass",
    classes=("billing", "technical", "account", "sales", "abuse"),
    description="the team that resolved the ticket",
)
FEATURES: tuple[Numeric | Categorical, ...] = (
    Numeric("message_words", 1, 5000, integer=True, description="words in the ticket"),
    Numeric("attachments", 0, 20, integer=True),
    Numeric(
        "account_age_days",
        0,
        10_000,
        integer=True,
        nullable=True,
        description="missing when the sender has no account",
    ),
    Numeric("sentiment", -1, 1, description="from -1 (angry) to 1 (happy)"),
    Categorical("channel", ("email", "chat", "phone", "web")),
    Categorical("plan", ("free", "pro", "enterprise")),
    Categorical("product", ("app", "api", "billing-portal"), nullable=True),
)
# One valid row: the example in the API docs and in tests.
EXAMPLE: dict[str, Any] = {
    "message_words": 120,
    "attachments": 1,
    "account_age_days": 400,
    "sentiment": -0.4,
    "channel": "email",
    "plan": "pro",
    "product": "api",
}
{%- else %}

# The example: what will a flat rent for? A regression task on made-up listings.
DATA_PATH = "data/train.csv"  # the training file, unless DATA_PATH says otherwise
ENTITY_ID: str | None = "listing_id"  # a unique key per row, or None
EVENT_TIME: str | None = "listed_at"  # validation takes the newest rows; None: random
MAX_DATA_AGE_DAYS: int | None = 30  # the newest row at most this old; None: any age
MIN_ROWS = 200  # labelled rows a training file needs at least
IGNORED: tuple[str, ...] = ()  # columns files may hold that the model does not read

TARGET = Target(
    "monthly_rent",
    "regression",
    minimum=200,
    maximum=8000,
    description="agreed rent per month, in euros",
)
FEATURES: tuple[Numeric | Categorical, ...] = (
    Numeric("area_m2", 10, 400, description="living area"),
    Numeric("rooms", 1, 12, integer=True),
    Numeric("floor", 0, 60, integer=True),
    Numeric(
        "building_age_years",
        0,
        200,
        integer=True,
        nullable=True,
        description="missing when unknown",
    ),
    Numeric("distance_to_centre_km", 0, 60),
    Categorical("district", ("centre", "north", "south", "east", "west")),
    Categorical("condition", ("new", "renovated", "original")),
)
# One valid row: the example in the API docs and in tests.
EXAMPLE: dict[str, Any] = {
    "area_m2": 64.5,
    "rooms": 3,
    "floor": 2,
    "building_age_years": 35,
    "distance_to_centre_km": 4.2,
    "district": "north",
    "condition": "renovated",
}
{%- endif %}
