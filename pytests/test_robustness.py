"""The bad-input and fault suite (`python -m lakehouse robustness`), run on the
session's engine: every case meets its written-down expectation, and every
file balances (rows in the file = rows landed + rows quarantined)."""

from __future__ import annotations

import pytest

from lakehouse import robustness


@pytest.fixture(scope="module")
def results(lake):
    found = robustness.run_suite(lake)
    print("\n" + robustness.table(found))
    return {r.case: r for r in found}


@pytest.mark.parametrize("case", [name for name, _, _ in robustness.CASES])
def test_case_meets_its_expectation(results, case):
    result = results[case]
    assert result.ok, f"{case}: expected {result.expected}; {result.detail}"


def test_the_suite_covers_loads_rejections_and_faults(results):
    """Each case already checked every file's balance (rows in the file =
    landed + quarantined for a loaded file, nothing landed for a refused one)."""
    assert sum(1 for r in results.values() if r.landed) >= 10
    assert sum(1 for r in results.values() if r.outcome.startswith("rejected")) >= 5
    assert {"ingest_sigkill", "concurrent_ingest", "dbt_build_sigkill"} <= set(results)
