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


def test_every_case_accounts_for_every_row(results):
    loaded = [r for r in results.values() if r.landed or r.quarantined]
    assert len(loaded) >= 10
    for r in loaded:
        assert r.rows_in == r.landed + r.quarantined, r
