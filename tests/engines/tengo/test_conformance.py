"""Upstream Tengo conformance corpus (see /work/shared/conformance/tengo/README.md).

One test per supported case; known failures are listed with a reason in
``expected_failures.txt`` and run as strict xfail so that a fixed case shows
up (XPASS fails the run) and the list stays honest.  A per-kind summary table
is printed at the end of the session (``-s`` or ``-rA`` to see it).
"""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from .conformance_runner import DATA_DIR, check_case, load_cases

_CASES = [c for c in load_cases() if "unsupported" not in c]
_XFAIL: dict[str, str] = {}
_xf_path = Path(__file__).with_name("expected_failures.txt")
for _line in _xf_path.read_text(encoding="utf-8").splitlines():
    _line = _line.strip()
    if _line and not _line.startswith("#"):
        _id, _, _reason = _line.partition(" ")
        _XFAIL[_id] = _reason.strip()

RESULTS: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)


def _category(case: dict) -> str:
    kind = case["kind"]
    if kind in ("run", "error") and not case.get("flags"):
        return f"{kind} (flag-free)"
    return kind


@pytest.mark.skipif(not DATA_DIR.exists(), reason="conformance corpus not present")
@pytest.mark.parametrize("case", _CASES, ids=[c["id"] for c in _CASES])
def test_case(case: dict) -> None:
    cat = _category(case)
    RESULTS[cat]["total"] += 1
    reason = _XFAIL.get(case["id"])
    try:
        ok, detail = check_case(case)
    except Exception as e:  # an engine crash counts as a failure
        ok, detail = False, f"crash: {e!r}"
    RESULTS[cat]["pass" if ok else "fail"] += 1
    if reason is not None:
        if ok:
            pytest.fail(f"XPASS: listed in expected_failures.txt ({reason}) but passes now")
        pytest.xfail(reason)
    assert ok, detail


def test_expected_failures_exist() -> None:
    ids = {c["id"] for c in _CASES}
    unknown = [i for i in _XFAIL if i not in ids]
    assert not unknown, f"expected_failures.txt lists unknown ids: {unknown}"


def pytest_terminal_summary_table() -> str:
    lines = [f"{'category':<22}{'pass':>7}{'total':>7}{'%':>8}"]
    tp = tt = 0
    for cat in sorted(RESULTS):
        p, t = RESULTS[cat]["pass"], RESULTS[cat]["total"]
        tp += p
        tt += t
        lines.append(f"{cat:<22}{p:>7}{t:>7}{100.0 * p / max(t, 1):>8.2f}")
    lines.append(f"{'ALL':<22}{tp:>7}{tt:>7}{100.0 * tp / max(tt, 1):>8.2f}")
    return "\n".join(lines)
