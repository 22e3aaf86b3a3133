"""The docs site as an analyst uses it: served by the project's own command,
opened in Debian's headless Chromium, a gold model opened, its lineage graph
expanded, and the graph followed back to the bronze source. A screenshot of
the graph is saved next to the test's lake (docs-lineage.png)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

import pytest

from conftest import REPO, free_port
from lakehouse import engine

MODEL = "model.lakehouse.rpt_retail__category_analytics"
BROWSER_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--window-size=1600,1000",
]


@pytest.fixture(scope="module")
def docs_site(lake):
    """`python -m lakehouse docs` (generate, then serve) on a free port."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "lakehouse", "docs", "--port", str(port)],
        cwd=REPO,
        env=os.environ.copy(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 240
        while not engine.port_open(port):
            assert server.poll() is None, server.stdout.read()[-3000:]
            assert time.monotonic() < deadline, "the docs site did not come up"
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(server.pid, 15)  # the CLI and the dbt server it runs
        server.wait(timeout=30)
    wait_for(lambda: not engine.port_open(port), timeout=30, what="the docs server to stop")


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    chromium, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    assert chromium and driver_path, (
        "chromium / chromedriver missing: `make test` installs them (scripts/bootstrap.sh --browser)"
    )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in BROWSER_FLAGS:
        options.add_argument(flag)
    os.environ["SE_OFFLINE"] = "true"  # never let Selenium look for a driver online
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(predicate, timeout: float = 60, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


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
