"""A seeded generator of realistic churn data, so the project trains without downloads."""

from datetime import UTC, datetime

import numpy as np
import pandas as pd

from .contract import ENTITY_ID, EVENT_TIME, TARGET


def start_of_today() -> datetime:
    return datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)


def make_sample(
    rows: int = 2000, seed: int = 7, end: datetime | None = None, days: int = 180
) -> pd.DataFrame:
    """Return ``rows`` customers whose events span the ``days`` before ``end``.

    The same (rows, seed, end) always gives the same frame. ``end`` defaults to the start
    of today (UTC), so a fresh sample passes the contract's freshness check.
    """
    rng = np.random.default_rng(seed)
    end = end or start_of_today()
    seconds = rng.uniform(0, days * 86_400, rows).round()
    event_time = pd.to_datetime(end, utc=True) - pd.to_timedelta(seconds, unit="s")

    contract = rng.choice(
        ["month-to-month", "one-year", "two-year"], rows, p=[0.55, 0.25, 0.2]
    )
    internet = rng.choice(["dsl", "fiber", "none"], rows, p=[0.4, 0.45, 0.15])
    payment = rng.choice(
        ["card", "bank-transfer", "electronic-check", "mailed-check"],
        rows,
        p=[0.3, 0.25, 0.3, 0.15],
    )
    tenure = rng.integers(0, 121, rows)
    base_charge = np.select(
        [internet == "fiber", internet == "dsl"], [65.0, 45.0], 20.0
    )
    monthly = np.clip(base_charge + rng.normal(0, 12, rows), 5, 500).round(2)
    total = (monthly * np.maximum(tenure, 1) * rng.uniform(0.9, 1.1, rows)).round(2)
    # Noise as real exports have it: new customers often lack a total, a few others too.
    missing = ((tenure < 2) & (rng.random(rows) < 0.6)) | (rng.random(rows) < 0.01)
    support_calls = np.clip(rng.poisson(1 + 1.5 * (internet == "fiber")), 0, 50)

    logit = (
        -1.3
        + 1.6 * (contract == "month-to-month")
        - 0.9 * (contract == "two-year")
        - 0.03 * tenure
        + 0.02 * (monthly - 60)
        + 0.35 * support_calls
        + 0.6 * (payment == "electronic-check")
        + rng.normal(0, 0.8, rows)
    )
    churned = (rng.random(rows) < 1 / (1 + np.exp(-logit))).astype(int)

    frame = pd.DataFrame(
        {
            ENTITY_ID: [f"C{number:07d}" for number in rng.permutation(rows) + 1],
            EVENT_TIME: event_time,
            "tenure_months": tenure,
            "monthly_charges": monthly,
            "total_charges": np.where(missing, np.nan, total),
            "support_calls": support_calls,
            "contract": contract,
            "payment_method": payment,
            "internet_service": internet,
            TARGET: churned,
        }
    )
    return frame.sort_values(EVENT_TIME, kind="stable").reset_index(drop=True)
