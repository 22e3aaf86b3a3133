"""Column lineage on a small project whose answers are known by construction:
a manifest and catalog written here, in the shape dbt writes them, with
SQL the way the project writes it (import CTEs, joins, aggregates, a window,
a union, `select *`, literals). The real project's lineage is checked in
tests/test_pipeline.py."""

from __future__ import annotations

import json

import pytest

from lakehouse import lineage

pytestmark = pytest.mark.fast

ORDERS_SQL = """
with orders as (select * from bronze.orders),
final as (
    select
        order_id as id,
        cast(amount as decimal(12, 2)) as amount,
        customer_id
    from orders
    where status <> 'test'
)
select * from final
"""

SUMMARY_SQL = """
with orders as (select * from silver.stg_orders),
customers as (select * from reference.segments),
ranked as (
    select orders.*, row_number() over (partition by customer_id order by amount desc) as rank_in_customer
    from orders
),
joined as (
    select segments.segment, ranked.amount, ranked.rank_in_customer
    from ranked
    inner join customers as segments on ranked.customer_id = segments.customer_id
)
select segment, sum(amount) as revenue, max(rank_in_customer) as most_orders, count(*) as order_count,
    'v1' as version
from joined
group by segment
union all
select 'all' as segment, sum(amount), 0, count(*), 'v1' from silver.stg_orders
"""


def relation(uid: str, rtype: str, schema: str, name: str, sql: str | None = None, **extra) -> dict:
    node = {"name": name, "resource_type": rtype, "relation_name": f"{schema}.{name}", "columns": {}, **extra}
    node["checksum"] = {"name": "sha256", "checksum": str(hash(sql))}
    if sql:
        node["compiled_code"] = sql
    return node


def catalog_entry(columns: dict[str, str]) -> dict:
    return {"columns": {c: {"name": c, "type": t, "index": i} for i, (c, t) in enumerate(columns.items())}}


@pytest.fixture()
def graph(tmp_path):
    nodes = {
        "model.p.stg_orders": relation("model.p.stg_orders", "model", "silver", "stg_orders", ORDERS_SQL),
        "model.p.rpt_summary": relation("model.p.rpt_summary", "model", "gold", "rpt_summary", SUMMARY_SQL),
        "seed.p.segments": relation("seed.p.segments", "seed", "reference", "segments"),
    }
    sources = {
        "source.p.shop.orders": relation(
            "source.p.shop.orders", "source", "bronze", "orders", source_name="shop", identifier="orders"
        )
    }
    sources["source.p.shop.orders"]["name"] = "orders"
    columns = {
        "source.p.shop.orders": {"order_id": "string", "amount": "string", "customer_id": "string", "status": "string"},
        "seed.p.segments": {"customer_id": "string", "segment": "string"},
        "model.p.stg_orders": {"id": "string", "amount": "decimal(12,2)", "customer_id": "string"},
        "model.p.rpt_summary": {
            "segment": "string",
            "revenue": "decimal(22,2)",
            "most_orders": "int",
            "order_count": "bigint",
            "version": "string",
        },
    }
    exposures = {
        "exposure.p.board": {"name": "board", "depends_on": {"nodes": ["model.p.rpt_summary"]}, "description": ""}
    }
    manifest = {"nodes": nodes, "sources": sources, "exposures": exposures}
    catalog = {
        "nodes": {uid: catalog_entry(c) for uid, c in columns.items() if not uid.startswith("source.")},
        "sources": {"source.p.shop.orders": catalog_entry(columns["source.p.shop.orders"])},
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    (tmp_path / "catalog.json").write_text(json.dumps(catalog))
    built = lineage.build(tmp_path)
    lineage.write(built, tmp_path)
    return built


def upstream(graph: dict, uid: str, column: str) -> set[tuple]:
    return {tuple(edge) for edge in graph["nodes"][uid]["columns"][column]["upstream"]}


def test_renames_casts_and_star_expansion(graph):
    assert graph["errors"] == {}
    assert upstream(graph, "model.p.stg_orders", "id") == {("source.p.shop.orders", "order_id", "passthrough")}
    assert upstream(graph, "model.p.stg_orders", "amount") == {("source.p.shop.orders", "amount", "transformed")}
    # a WHERE column decides the rows, and is no column's value
    assert [tuple(f) for f in graph["nodes"]["model.p.stg_orders"]["filters"]] == [("source.p.shop.orders", "status")]


def test_aggregates_windows_joins_and_unions(graph):
    summary = "model.p.rpt_summary"
    # both branches of the union: the join's segment column and a literal
    assert upstream(graph, summary, "segment") == {("seed.p.segments", "segment", "passthrough")}
    assert upstream(graph, summary, "revenue") == {("model.p.stg_orders", "amount", "transformed")}
    # a window function depends on its partition and order columns
    assert upstream(graph, summary, "most_orders") == {
        ("model.p.stg_orders", "customer_id", "transformed"),
        ("model.p.stg_orders", "amount", "transformed"),
    }
    columns = graph["nodes"][summary]["columns"]
    assert columns["order_count"]["origin"] == "row count" and columns["version"]["origin"] == "constant"
    filters = {tuple(f) for f in graph["nodes"][summary]["filters"]}
    # the join keys and the GROUP BY column decide the rows
    assert filters == {
        ("model.p.stg_orders", "customer_id"),
        ("seed.p.segments", "customer_id"),
        ("seed.p.segments", "segment"),
    }


def test_walks_both_ways_and_answers_by_name(graph):
    g = lineage.Graph(graph)
    ups = {(uid, col, kind) for _, uid, col, kind in g.walk(g.resolve("rpt_summary.revenue"), upstream=True)}
    assert ups == {
        ("model.p.stg_orders", "amount", "transformed"),
        ("source.p.shop.orders", "amount", "transformed"),
    }
    downs = {(uid, col) for _, uid, col, _ in g.walk(g.resolve("shop.orders.customer_id"), upstream=False)}
    assert ("model.p.rpt_summary", "most_orders") in downs and ("exposure.p.board", "") in downs
    # the join key reaches every column of the summary only through its filter edges
    assert ("model.p.rpt_summary", "revenue") not in downs
    with_filters = {(uid, col) for _, uid, col, _ in g.walk(g.resolve("shop.orders.customer_id"), False, filters=True)}
    assert ("model.p.rpt_summary", "revenue") in with_filters
    with pytest.raises(lineage.LineageError):
        g.resolve("rpt_summary.no_such_column")


def test_the_page_embeds_the_graph(graph, tmp_path):
    page = (tmp_path / "lineage.html").read_text()
    assert "/*LINEAGE_DATA*/" not in page and '"model.p.rpt_summary"' in page
    assert json.loads((tmp_path / "lineage.json").read_text())["nodes"].keys() == graph["nodes"].keys()


def test_a_model_the_parser_cannot_read_is_reported_and_the_rest_traced(tmp_path, graph):
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    manifest["nodes"]["model.p.stg_orders"]["compiled_code"] = "select from where ((("
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    rebuilt = lineage.build(tmp_path)
    assert list(rebuilt["errors"]) == ["model.p.stg_orders"]
    assert upstream(rebuilt, "model.p.rpt_summary", "revenue") == {("model.p.stg_orders", "amount", "transformed")}


def test_missing_artifacts_say_what_to_run(tmp_path):
    with pytest.raises(lineage.LineageError, match="make run"):
        lineage.build(tmp_path)


def test_slim_ci_reports_the_columns_a_change_touches_and_what_they_reach(graph, tmp_path):
    """A CI build (its own schema, prod's tables deferred to) that changes how
    one column of stg_orders is computed: that column, and nothing else, is
    reported, with the prod columns and exposure downstream of it."""
    ci = tmp_path / "ci"
    ci.mkdir()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    changed = manifest["nodes"]["model.p.stg_orders"]
    changed["compiled_code"] = ORDERS_SQL.replace("decimal(12, 2)", "decimal(14, 2)")
    changed["checksum"] = {"name": "sha256", "checksum": "changed"}
    changed["relation_name"] = "ci_silver.stg_orders"
    (ci / "manifest.json").write_text(json.dumps(manifest))
    assert lineage.changed_columns(tmp_path, ci) == [("model.p.stg_orders", "amount", "changed")]
    report = lineage.impact_report(tmp_path, ci)
    assert "stg_orders.amount (changed): 3 downstream" in report
    assert "rpt_summary.revenue" in report and "rpt_summary.most_orders" in report and "board" in report
    assert "stg_orders.id" not in report

    changed["compiled_code"] = ORDERS_SQL.replace("where status <> 'test'", "")
    (ci / "manifest.json").write_text(json.dumps(manifest))
    # a changed filter changes the rows of every column
    assert {col for _, col, _ in lineage.changed_columns(tmp_path, ci)} == {"id", "amount", "customer_id"}
