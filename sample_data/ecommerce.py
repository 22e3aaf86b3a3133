"""E-commerce daily CSV drops plus a JSON trigger per batch (ecommerce_events.md).

Day 1 delivers full customer and product lists; later days deliver the rows
that changed (tier, address, price, discontinuation) and new ones. Orders and
shipping: day 1 carries a backlog, later days ~5 % of it, with late orders
dated the day before, duplicates and ~2 % bad rows; later days also re-deliver
some of the previous day's orders whose status moved on (processing to
shipped, shipped to delivered) with their shipping rows, stamped with the time
of the change.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from sample_data.common import (
    PART_ROWS,
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
)

DOMAIN = "ecommerce"
TIERS = ["Bronze", "Silver", "Gold", "Platinum"]
CATEGORIES = {
    "Electronics": ["Phones", "Laptops", "Audio"],
    "Home": ["Kitchen", "Furniture", "Decor"],
    "Fashion": ["Shoes", "Apparel", "Accessories"],
    "Sports": ["Fitness", "Outdoor", "Cycling"],
    "Books": ["Fiction", "Non-fiction", "Children"],
}
BRANDS = ["Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli"]
PAYMENTS = ["credit_card", "debit_card", "paypal", "bank_transfer", "gift_card"]
STATUSES = ["delivered"] * 6 + ["shipped"] * 2 + ["processing", "cancelled", "returned"]
SHIP_METHODS = {"standard": (4.99, 5), "express": (12.99, 2), "overnight": (24.99, 1)}
WAREHOUSES = ["WH-EAST", "WH-WEST", "WH-CENTRAL"]
NEXT_STATUS = {"processing": "shipped", "shipped": "delivered"}
STATUS_CHANGE_SHARE = 0.1  # of the previous day's open orders, re-delivered with their next status

COLUMNS = {
    "customers": [
        "customer_id",
        "first_name",
        "last_name",
        "email",
        "phone",
        "date_of_birth",
        "registration_date",
        "address",
        "city",
        "state",
        "zip_code",
        "country",
        "customer_tier",
        "last_login",
        "created_timestamp",
    ],
    "products": [
        "product_id",
        "product_name",
        "category",
        "subcategory",
        "brand",
        "price",
        "currency",
        "stock_quantity",
        "weight_kg",
        "dimensions_cm",
        "color",
        "material",
        "description",
        "launch_date",
        "discontinued",
        "created_timestamp",
    ],
    "orders": [
        "order_id",
        "customer_id",
        "product_id",
        "order_date",
        "order_amount",
        "currency",
        "payment_method",
        "shipping_address",
        "order_status",
        "created_timestamp",
    ],
    "inventory": [
        "product_id",
        "stock_quantity",
        "stock_status",
        "warehouse_location",
        "last_updated",
        "created_timestamp",
    ],
    "shipping": [
        "order_id",
        "shipping_method",
        "shipping_cost",
        "currency",
        "tracking_number",
        "package_weight",
        "dimensions_cm",
        "estimated_delivery",
        "actual_delivery",
        "created_timestamp",
    ],
}


def sizes(scale: float) -> dict[str, int]:
    return {
        "customers": scaled(10_000, scale),
        "products": max(20, scaled(200, scale)),
        "orders": scaled(50_000, scale),
    }


def _customer(seed: int, n: int) -> dict:
    rng = rng_for(seed, DOMAIN, f"customer:{n}")
    reg = day_date(1) - timedelta(days=rng.randint(30, 1500))
    dob = day_date(1) - timedelta(days=rng.randint(18 * 365, 80 * 365))
    return {
        "customer_id": f"C{n:06d}",
        **person(rng, n),
        "date_of_birth": dob.isoformat(),
        "registration_date": reg.isoformat(),
        **address(rng),
        "customer_tier": rng.choices(TIERS, weights=[50, 30, 15, 5])[0],
        "last_login": fmt_ts(ts(day_date(1) - timedelta(days=rng.randint(0, 60)), rng)),
    }


def _product(seed: int, n: int) -> dict:
    rng = rng_for(seed, DOMAIN, f"product:{n}")
    category = rng.choice(list(CATEGORIES))
    return {
        "product_id": f"P{n:05d}",
        "product_name": f"{rng.choice(BRANDS)} {category} item {n}",
        "category": category,
        "subcategory": rng.choice(CATEGORIES[category]),
        "brand": rng.choice(BRANDS),
        "price": round(rng.uniform(5, 900), 2),
        "currency": "USD",
        "stock_quantity": rng.randint(0, 500),
        "weight_kg": round(rng.uniform(0.1, 25), 2),
        "dimensions_cm": f"{rng.randint(5, 100)}x{rng.randint(5, 100)}x{rng.randint(2, 60)}",
        "color": rng.choice(["black", "white", "red", "blue", "green", "silver"]),
        "material": rng.choice(["plastic", "metal", "cotton", "wood", "paper", "leather"]),
        "description": f"A {category.lower()} product",
        "launch_date": (day_date(1) - timedelta(days=rng.randint(10, 2000))).isoformat(),
        "discontinued": "false",
    }


def _evolve(seed: int, day: int, customers: dict, products: dict, n_cust: int, n_prod: int) -> tuple[set, set]:
    """Apply the changes of `day` to the dimension state; return changed keys."""
    rng = rng_for(seed, DOMAIN, f"changes:{day}")
    changed_c, changed_p = set(), set()
    for cid in rng.sample(sorted(customers), k=max(1, len(customers) * 3 // 100)):
        row = customers[cid]
        if rng.random() < 0.5:
            row["customer_tier"] = TIERS[min(3, TIERS.index(row["customer_tier"]) + 1)]
        else:
            row.update(address(rng))
        changed_c.add(cid)
    for n in range(n_cust + 1, n_cust + 1 + max(1, n_cust // 100)):
        customers[f"C{n:06d}"] = _customer(seed, n)
        changed_c.add(f"C{n:06d}")
    for pid in rng.sample(sorted(products), k=max(1, len(products) * 5 // 100)):
        row = products[pid]
        if rng.random() < 0.8:
            row["price"] = round(row["price"] * rng.uniform(0.85, 1.2), 2)
        else:
            row["discontinued"] = "true"
        changed_p.add(pid)
    return changed_c, changed_p


def _state(seed: int, day: int, scale: float):
    """Dimension state as of `day` and the keys delivered that day."""
    size = sizes(scale)
    customers = {f"C{n:06d}": _customer(seed, n) for n in range(1, size["customers"] + 1)}
    products = {f"P{n:05d}": _product(seed, n) for n in range(1, size["products"] + 1)}
    delivered_c, delivered_p = set(customers), set(products)
    for d in range(2, day + 1):
        delivered_c, delivered_p = _evolve(seed, d, customers, products, len(customers), size["products"])
    return customers, products, delivered_c, delivered_p


def _bad_email(row, rng):
    row["email"] = row["email"].replace("@", "#at#")


def _bad_phone(row, rng):
    row["phone"] = str(rng.randint(10, 999))


def _missing_key(row, rng):
    key = "customer_id" if "customer_id" in row and "order_id" not in row else "order_id"
    row[key] = ""


def _bad_amount(row, rng):
    row["order_amount"] = rng.choice(["abc", "12,50", "-5.00"])


def _orphan(row, rng):
    row["customer_id"] = f"C9{rng.randint(10000, 99999)}"


def _bad_address(row, rng):
    row["shipping_address"] = rng.choice(["", "   ", row["shipping_address"].rsplit(",", 1)[0]])


def _foreign_currency(row, rng):
    row["currency"] = rng.choice(["EUR", "GBP"])


def _unknown_status(row, rng):
    row["order_status"] = rng.choice(["on_hold", "backordered"])


def _orders(
    rng,
    the_day,
    day: int,
    first: int,
    count: int,
    customers: dict,
    products: dict,
    customer_ids: list,
    product_ids: list,
) -> tuple[list[dict], list[dict]]:
    """One part of a day's orders (spoiled and with duplicates) and their shipping rows."""
    orders, shipping = [], []
    for n in range(first, first + count):
        late = day > 1 and rng.random() < 0.03
        order_day = the_day - timedelta(days=1 if late else (0 if day > 1 else rng.randint(0, 89)))
        cust = customers[rng.choice(customer_ids)]
        prod = products[rng.choice(product_ids)]
        qty = rng.choices([1, 2, 3, 4], weights=[70, 20, 7, 3])[0]
        order = {
            "order_id": f"O{n:08d}",
            "customer_id": cust["customer_id"],
            "product_id": prod["product_id"],
            "order_date": order_day.isoformat(),
            "order_amount": f"{prod['price'] * qty:.2f}",
            "currency": "USD",
            "payment_method": rng.choice(PAYMENTS),
            "shipping_address": f"{cust['address']}, {cust['city']}, {cust['state']} {cust['zip_code']}",
            "order_status": rng.choice(STATUSES),
            "created_timestamp": fmt_ts(ts(order_day, rng)),
        }
        orders.append(order)
        method = rng.choices(list(SHIP_METHODS), weights=[70, 25, 5])[0]
        cost, days = SHIP_METHODS[method]
        eta = order_day + timedelta(days=days)
        delivered = order["order_status"] in ("delivered", "returned")
        shipping.append(
            {
                "order_id": order["order_id"],
                "shipping_method": method,
                "shipping_cost": f"{cost:.2f}",
                "currency": "USD",
                "tracking_number": f"TRK{n:010d}",
                "package_weight": round(prod["weight_kg"] * qty, 2),
                "dimensions_cm": prod["dimensions_cm"],
                "estimated_delivery": eta.isoformat(),
                "actual_delivery": (eta + timedelta(days=rng.choice([-1, 0, 0, 0, 1, 2]))).isoformat()
                if delivered
                else "",
                "created_timestamp": order["created_timestamp"],
            }
        )
    spoil(orders, rng, [_bad_amount, _missing_key, _orphan, _bad_address, _foreign_currency, _unknown_status], 0.02)
    return duplicate(orders, rng, 0.01), shipping


def _order_range(day: int, scale: float) -> tuple[int, int]:
    """First order number and number of orders of `day`."""
    size = sizes(scale)["orders"]
    per_day = max(1, size // 20)
    return (1, size) if day == 1 else (size + (day - 2) * per_day + 1, per_day)


def _status_changes(seed: int, day: int, scale: float) -> tuple[list[dict], list[dict]]:
    """Orders of the previous day (its first part) whose status moves on today, and their shipping rows.

    The previous day's first part is regenerated from its own seeded generator,
    so a re-delivered order carries the same customer, product and amount."""
    customers, products, _, _ = _state(seed, day - 1, scale)
    first, count = _order_range(day - 1, scale)
    orders, shipping = _orders(
        rng_for(seed, DOMAIN, f"orders:{day - 1}"),
        day_date(day - 1),
        day - 1,
        first,
        min(count, PART_ROWS),
        customers,
        products,
        sorted(customers),
        sorted(products),
    )
    shipments = {s["order_id"]: s for s in shipping}
    rng = rng_for(seed, DOMAIN, f"status:{day}")
    changed, changed_shipping, seen = [], [], set()
    for order in orders:
        oid = order["order_id"]
        if not oid or oid in seen or order["order_status"] not in NEXT_STATUS or not _is_amount(order):
            continue
        seen.add(oid)
        if rng.random() >= STATUS_CHANGE_SHARE:
            continue
        status = NEXT_STATUS[order["order_status"]]
        stamp = fmt_ts(ts(day_date(day), rng))
        changed.append({**order, "order_status": status, "created_timestamp": stamp})
        eta = date.fromisoformat(shipments[oid]["estimated_delivery"])
        delivered = (eta + timedelta(days=rng.choice([-1, 0, 0, 1]))).isoformat() if status == "delivered" else ""
        changed_shipping.append({**shipments[oid], "actual_delivery": delivered, "created_timestamp": stamp})
    return changed, changed_shipping


def _is_amount(order: dict) -> bool:
    try:
        float(order["order_amount"])
    except ValueError:
        return False
    return True


def generate(root: Path, day: int, seed: int, scale: float) -> dict[str, int]:
    customers, products, delivered_c, delivered_p = _state(seed, day, scale)
    the_day = day_date(day)
    created = fmt_ts(ts(the_day, rng_for(seed, DOMAIN, f"created:{day}")))
    rng = rng_for(seed, DOMAIN, f"facts:{day}")
    counts: dict[str, int] = {}
    files: dict[str, Path | list[Path]] = {}

    cust_rows = [{**customers[c], "created_timestamp": created} for c in sorted(delivered_c)]
    spoil(cust_rows, rng, [_bad_email, _bad_phone, _missing_key], 0.015)
    files["customers"] = landing_file(root, DOMAIN, "customers", day, "csv")
    counts[str(files["customers"])] = write_csv(files["customers"], COLUMNS["customers"], cust_rows)

    prod_rows = [{**products[p], "created_timestamp": created} for p in sorted(delivered_p)]
    files["products"] = landing_file(root, DOMAIN, "products", day, "csv")
    counts[str(files["products"])] = write_csv(files["products"], COLUMNS["products"], prod_rows)

    first_order, n_orders = _order_range(day, scale)
    customer_ids, product_ids = sorted(customers), sorted(products)
    for entity in ("orders", "shipping"):
        files[entity] = []
    orders_rng = rng_for(seed, DOMAIN, f"orders:{day}")  # its own, so that the next day can replay part 0
    for part, start, count, part_rng in fact_parts(orders_rng, seed, DOMAIN, day, first_order, n_orders):
        orders, shipping = _orders(part_rng, the_day, day, start, count, customers, products, customer_ids, product_ids)
        if part == 0 and day > 1:
            changed, changed_shipping = _status_changes(seed, day, scale)
            orders, shipping = orders + changed, shipping + changed_shipping
        broken = [
            f"BROKEN-LINE-{day}-{f'p{part}-' if part else ''}{i};;no delimiter here"
            for i in range(max(1, count // 2000))
        ]
        for entity, rows, bad in (("orders", orders, broken), ("shipping", shipping, [])):
            path = part_file(landing_file(root, DOMAIN, entity, day, "csv"), part)
            counts[str(path)] = write_csv(path, COLUMNS[entity], rows, bad, part_rng)
            files[entity].append(path)

    inv_rows = []
    for pid in product_ids:
        stock = rng.randint(0, 500)
        inv_rows.append(
            {
                "product_id": pid,
                "stock_quantity": stock,
                "stock_status": "out_of_stock" if stock == 0 else ("low_stock" if stock < 20 else "in_stock"),
                "warehouse_location": rng.choice(WAREHOUSES),
                "last_updated": created,
                "created_timestamp": created,
            }
        )
    files["inventory"] = landing_file(root, DOMAIN, "inventory", day, "csv")
    counts[str(files["inventory"])] = write_csv(files["inventory"], COLUMNS["inventory"], inv_rows)

    trigger = root / DOMAIN / "_triggers" / f"trigger_{the_day.strftime('%Y_%m_%d')}.json"
    trigger.parent.mkdir(parents=True, exist_ok=True)
    trigger.write_text(
        json.dumps(
            {
                "batch_id": f"ecommerce_{the_day.strftime('%Y_%m_%d')}",
                "batch_date": the_day.isoformat(),
                "files": {entity: _relative(paths, root / DOMAIN) for entity, paths in files.items()},
                "created_at": created,
            },
            indent=2,
        )
        + "\n"
    )
    return counts


def _relative(paths: Path | list[Path], base: Path) -> str | list[str]:
    """A trigger entry: one file, or the list of a fact's part files."""
    if isinstance(paths, Path):
        return str(paths.relative_to(base))
    return str(paths[0].relative_to(base)) if len(paths) == 1 else [str(p.relative_to(base)) for p in paths]
