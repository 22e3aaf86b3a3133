"""Customer experience (cx_analytics.md): survey responses and feedback forms
as JSON lines, the customer database as CSV.

Customer ids are the e-commerce ids (C000001, ...), the conformed key across
domains. Surveys spread over the 30 days before day 1, then a daily batch;
~1 % out-of-range or missing scores, duplicates of response_id, broken lines.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sample_data.common import (
    address,
    day_date,
    duplicate,
    fact_parts,
    fmt_ts,
    landing_file,
    part_file,
    person,
    rng_for,
    scaled,
    spoil,
    ts,
    write_csv,
    write_jsonl,
)

DOMAIN = "cx"
SURVEY_TYPES = ["post_purchase", "support", "onboarding", "quarterly"]
CHANNELS = ["email", "web", "app", "sms"]
SEGMENTS = ["consumer", "small_business", "enterprise"]
FEEDBACK_CATEGORIES = ["delivery", "product_quality", "pricing", "support", "website"]
TEXTS = ["Great service", "Delivery was late", "Love the product", "Support was slow", "Okay overall", ""]
CUSTOMER_COLUMNS = [
    "customer_id",
    "first_name",
    "last_name",
    "email",
    "phone",
    "segment",
    "region",
    "signup_date",
    "lifetime_value",
    "updated_at",
]


def sizes(scale: float) -> dict[str, int]:
    return {"customers": scaled(10_000, scale), "surveys": scaled(20_000, scale), "feedback": scaled(5_000, scale)}


def _customer(seed: int, n: int) -> dict:
    rng = rng_for(seed, DOMAIN, f"customer:{n}")
    return {
        "customer_id": f"C{n:06d}",
        **person(rng, n),
        "segment": rng.choices(SEGMENTS, weights=[70, 20, 10])[0],
        "region": address(rng)["state"],
        "signup_date": (day_date(1) - timedelta(days=rng.randint(30, 1500))).isoformat(),
        "lifetime_value": f"{rng.uniform(0, 5000):.2f}",
    }


def _score(rng) -> int:
    return min(10, max(0, int(round(rng.gauss(7.2, 2.0)))))


def _out_of_range(row, rng):
    row[rng.choice(["satisfaction_score", "nps_score"])] = rng.choice([-1, 11, 15])


def _missing_score(row, rng):
    row["satisfaction_score"] = None


def _missing_customer(row, rng):
    row.pop("customer_id", None)


def _surveys(rng, the_day, day: int, first: int, count: int, n_customers: int) -> list[dict]:
    """One part of a day's survey responses, spoiled and with duplicates."""
    surveys = []
    for n in range(first, first + count):
        when = the_day - timedelta(days=rng.randint(0, 29) if day == 1 else 0)
        surveys.append(
            {
                "response_id": f"R{n:08d}",
                "timestamp": fmt_ts(ts(when, rng)),
                "customer_id": f"C{rng.randint(1, n_customers):06d}",
                "satisfaction_score": _score(rng),
                "nps_score": _score(rng),
                "feedback_text": rng.choice(TEXTS),
                "survey_type": rng.choice(SURVEY_TYPES),
                "channel": rng.choice(CHANNELS),
            }
        )
    spoil(surveys, rng, [_out_of_range, _missing_score, _missing_customer], 0.01)
    return duplicate(surveys, rng, 0.01)


def generate(root: Path, day: int, seed: int, scale: float) -> dict[str, int]:
    size = sizes(scale)
    customers = {n: _customer(seed, n) for n in range(1, size["customers"] + 1)}
    delivered = set(customers)
    for d in range(2, day + 1):
        rng = rng_for(seed, DOMAIN, f"changes:{d}")
        delivered = set(rng.sample(sorted(customers), k=max(1, len(customers) * 2 // 100)))
        for n in sorted(delivered):
            customers[n]["segment"] = rng.choice(SEGMENTS)
    the_day = day_date(day)
    rng = rng_for(seed, DOMAIN, f"facts:{day}")
    counts = {}
    updated = fmt_ts(ts(the_day, rng))
    rows = [{**customers[n], "updated_at": updated} for n in sorted(delivered)]
    path = landing_file(root, DOMAIN, "customers", day, "csv")
    counts[str(path)] = write_csv(path, CUSTOMER_COLUMNS, rows)

    n_surveys = size["surveys"] if day == 1 else max(1, size["surveys"] // 20)
    first = 1 if day == 1 else size["surveys"] + (day - 2) * max(1, size["surveys"] // 20) + 1
    path = landing_file(root, DOMAIN, "surveys", day, "json")
    for part, start, count, part_rng in fact_parts(rng, seed, DOMAIN, day, first, n_surveys):
        surveys = _surveys(part_rng, the_day, day, start, count, size["customers"])
        broken = ['{"response_id": "R-broken", "timestamp": ' for _ in range(max(1, count // 2000))]
        counts[str(part_file(path, part))] = write_jsonl(part_file(path, part), surveys, broken, part_rng)

    n_forms = size["feedback"] if day == 1 else max(1, size["feedback"] // 20)
    first = 1 if day == 1 else size["feedback"] + (day - 2) * max(1, size["feedback"] // 20) + 1
    forms = [
        {
            "form_id": f"F{n:07d}",
            "customer_id": f"C{rng.randint(1, size['customers']):06d}",
            "submitted_at": fmt_ts(ts(the_day - timedelta(days=rng.randint(0, 29) if day == 1 else 0), rng)),
            "category": rng.choice(FEEDBACK_CATEGORIES),
            "rating": rng.randint(1, 5),
            "comment": rng.choice(TEXTS),
            "channel": rng.choice(CHANNELS),
        }
        for n in range(first, first + n_forms)
    ]
    path = landing_file(root, DOMAIN, "feedback", day, "json")
    counts[str(path)] = write_jsonl(path, forms)
    return counts
