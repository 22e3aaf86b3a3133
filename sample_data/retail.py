"""Retail (retail_dat535.md): customers, products and transactions as Parquet.

Day 1 is the document's 10K customers / 200 products / 50K transactions at
scale 1; later days bring changed and new customers and products and ~5 %
more transactions, with duplicates and ~1 % bad rows (null keys, negative
quantities, unknown statuses).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pyarrow as pa

from sample_data.common import (
    CITIES,
    address,
    day_date,
    duplicate,
    fact_parts,
    landing_file,
    part_file,
    person,
    rng_for,
    scaled,
    spoil,
    ts,
    write_parquet,
)

DOMAIN = "retail"
CATEGORIES = ["Electronics", "Clothing", "Home & Garden", "Sports", "Books", "Toys", "Beauty", "Grocery"]
SUPPLIERS = ["Northwind", "Contoso", "Fabrikam", "Tailspin", "Litware", "Adventure Works"]
PAYMENTS = ["Credit Card", "Debit Card", "PayPal", "Cash", "Apple Pay"]
STATUSES = ["completed"] * 16 + ["pending", "pending", "cancelled", "refunded"]
DEVICES = {
    "Desktop": ["Chrome", "Firefox", "Edge", "Safari"],
    "Mobile": ["Chrome", "Safari"],
    "Tablet": ["Safari", "Chrome"],
}

SCHEMAS = {
    "customers": pa.schema(
        [
            ("customer_id", pa.int64()),
            ("first_name", pa.string()),
            ("last_name", pa.string()),
            ("email", pa.string()),
            ("city", pa.string()),
            ("country", pa.string()),
            ("age", pa.int32()),
            ("registration_date", pa.date32()),
        ]
    ),
    "products": pa.schema(
        [
            ("product_id", pa.int64()),
            ("product_name", pa.string()),
            ("category", pa.string()),
            ("supplier", pa.string()),
            ("price", pa.float64()),
            ("stock_quantity", pa.int32()),
            ("is_active", pa.bool_()),
        ]
    ),
    "transactions": pa.schema(
        [
            ("transaction_id", pa.int64()),
            ("customer_id", pa.int64()),
            ("product_id", pa.int64()),
            ("transaction_date", pa.timestamp("us")),
            ("quantity", pa.int32()),
            ("unit_price", pa.float64()),
            ("total_amount", pa.float64()),
            ("payment_method", pa.string()),
            ("status", pa.string()),
            ("device_type", pa.string()),
            ("browser", pa.string()),
        ]
    ),
}


def sizes(scale: float) -> dict[str, int]:
    return {
        "customers": scaled(10_000, scale),
        "products": max(20, scaled(200, scale)),
        "transactions": scaled(50_000, scale),
    }


def _customer(seed: int, n: int) -> dict:
    rng = rng_for(seed, DOMAIN, f"customer:{n}")
    p = person(rng, n)
    return {
        "customer_id": n,
        "first_name": p["first_name"],
        "last_name": p["last_name"],
        "email": p["email"],
        "city": rng.choice(CITIES)[0],
        "country": "US",
        "age": rng.randint(18, 80),
        "registration_date": day_date(1) - timedelta(days=rng.randint(1, 1500)),
    }


def _product(seed: int, n: int) -> dict:
    rng = rng_for(seed, DOMAIN, f"product:{n}")
    return {
        "product_id": n,
        "product_name": f"Product {n}",
        "category": rng.choice(CATEGORIES),
        "supplier": rng.choice(SUPPLIERS),
        "price": round(rng.uniform(2, 500), 2),
        "stock_quantity": rng.randint(0, 1000),
        "is_active": rng.random() < 0.9,
    }


def _state(seed: int, day: int, scale: float):
    size = sizes(scale)
    customers = {n: _customer(seed, n) for n in range(1, size["customers"] + 1)}
    products = {n: _product(seed, n) for n in range(1, size["products"] + 1)}
    new_c, new_p = set(customers), set(products)
    for d in range(2, day + 1):
        rng = rng_for(seed, DOMAIN, f"changes:{d}")
        new_c = set(rng.sample(sorted(customers), k=max(1, len(customers) * 2 // 100)))
        for n in sorted(new_c):
            customers[n]["city"] = address(rng)["city"]
        for n in range(len(customers) + 1, len(customers) + 1 + max(1, size["customers"] // 100)):
            customers[n] = _customer(seed, n)
            new_c.add(n)
        new_p = set(rng.sample(sorted(products), k=max(1, len(products) * 5 // 100)))
        for n in sorted(new_p):
            products[n]["price"] = round(products[n]["price"] * rng.uniform(0.9, 1.15), 2)
            products[n]["is_active"] = rng.random() < 0.85
    return customers, products, new_c, new_p


def _null_customer(row, rng):
    row["customer_id"] = None


def _negative_quantity(row, rng):
    row["quantity"] = -row["quantity"]


def _unknown_status(row, rng):
    row["status"] = "UNKNOWN"


def generate(root: Path, day: int, seed: int, scale: float) -> dict[str, int]:
    size = sizes(scale)
    customers, products, new_c, new_p = _state(seed, day, scale)
    rng = rng_for(seed, DOMAIN, f"facts:{day}")
    the_day = day_date(day)
    counts = {}
    for entity, rows in (
        ("customers", [customers[n] for n in sorted(new_c)]),
        ("products", [products[n] for n in sorted(new_p)]),
    ):
        path = landing_file(root, DOMAIN, entity, day, "parquet")
        counts[str(path)] = write_parquet(path, rows, SCHEMAS[entity])
    per_day = max(1, size["transactions"] // 20)
    n_tx = size["transactions"] if day == 1 else per_day
    first = 1 if day == 1 else size["transactions"] + (day - 2) * per_day + 1
    cust_ids, prod_ids = sorted(customers), sorted(products)
    path = landing_file(root, DOMAIN, "transactions", day, "parquet")
    for part, start, count, part_rng in fact_parts(rng, seed, DOMAIN, day, first, n_tx):
        rows = _transactions(part_rng, the_day, day, start, count, products, cust_ids, prod_ids)
        counts[str(part_file(path, part))] = write_parquet(part_file(path, part), rows, SCHEMAS["transactions"])
    return counts


def _transactions(
    rng, the_day, day: int, first: int, count: int, products: dict, cust_ids: list, prod_ids: list
) -> list[dict]:
    rows = []
    for n in range(first, first + count):
        prod = products[rng.choice(prod_ids)]
        qty = rng.randint(1, 5)
        device = rng.choices(list(DEVICES), weights=[50, 40, 10])[0]
        tx_day = the_day - timedelta(days=rng.randint(0, 179) if day == 1 else (1 if rng.random() < 0.03 else 0))
        rows.append(
            {
                "transaction_id": n,
                "customer_id": rng.choice(cust_ids),
                "product_id": prod["product_id"],
                "transaction_date": ts(tx_day, rng),
                "quantity": qty,
                "unit_price": prod["price"],
                "total_amount": round(prod["price"] * qty, 2),
                "payment_method": rng.choice(PAYMENTS),
                "status": rng.choice(STATUSES),
                "device_type": device,
                "browser": rng.choice(DEVICES[device]),
            }
        )
    spoil(rows, rng, [_null_customer, _negative_quantity, _unknown_status], 0.01)
    return duplicate(rows, rng, 0.005)
