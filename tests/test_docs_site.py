"""The docs site as an analyst uses it: served by the project's own command,
opened in Debian's headless Chromium, a gold model opened, its lineage graph
expanded, and the graph followed back to the bronze source. A screenshot of
the graph is saved next to the test's lake (docs-lineage.png)."""

from __future__ import annotations

import json
import time

import pytest

from conftest import serve_docs, wait_for

MODEL = "model.lakehouse.rpt_retail__category_analytics"


@pytest.fixture(scope="module")
def docs_site(lake):
    """`python -m lakehouse docs` (generate, then serve) on a free port."""
    with serve_docs(generate=True) as url:
        yield url


GRAPH_NODES = """
const graph = angular.element(document.body).injector().get('graph');
return graph.graph.elements.filter(e => e.group === 'nodes' || (e.data && !e.data.source))
                           .map(e => e.data.unique_id || e.data.id);
"""


def ancestors(lake, node: str) -> set[str]:
    """The model's upstream nodes, from the manifest the site shows."""
    parents = json.loads((lake.lake_root / "dbt_target" / "manifest.json").read_text())["parent_map"]
    found, todo = set(), [node]
    while todo:
        for parent in parents.get(todo.pop(), []):
            if parent not in found:
                found.add(parent)
                todo.append(parent)
    return found


def test_a_gold_model_page_shows_its_lineage_back_to_bronze(docs_site, browser, lake):
    from selenium.webdriver.common.by import By

    upstream = ancestors(lake, MODEL)
    bronze = {n for n in upstream if n.startswith("source.lakehouse.retail.")}
    assert {"source.lakehouse.retail.transactions", "source.lakehouse.retail.products"} <= bronze

    browser.get(f"{docs_site}/#!/model/{MODEL}")
    wait_for(lambda: MODEL.split(".")[-1] in browser.find_element(By.TAG_NAME, "body").text, what="the model page")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Description" in body and "Columns" in body

    browser.find_element(By.CSS_SELECTOR, '[ng-click="onLauncherClick()"]').click()
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, '[ng-click="showExpanded()"]'), what="the graph panel")
    wait_for(
        lambda: browser.find_element(By.CSS_SELECTOR, '[ng-click="showExpanded()"]').is_displayed(),
        what="the expand button",
    )
    browser.find_element(By.CSS_SELECTOR, '[ng-click="showExpanded()"]').click()
    nodes = wait_for(
        lambda: (
            set(browser.execute_script(GRAPH_NODES)) >= {MODEL} | upstream and set(browser.execute_script(GRAPH_NODES))
        ),
        what="the full lineage graph",
    )
    # the whole way back to bronze, through silver; and nothing of other domains
    assert "model.lakehouse.stg_retail__transactions" in nodes
    assert not any(".ecommerce" in n or "ecommerce__" in n for n in nodes), "graph is not the model's lineage"
    time.sleep(1.5)  # let the layout settle before the picture
    shot = lake.lake_root / "docs-lineage.png"
    assert browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 20_000
    print(f"screenshot: {shot}")
