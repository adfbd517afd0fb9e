"""Every case of every policies/*.tests.yaml, and 100% rule coverage of every shipped policy."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from cli import main
from engine.tools.cases import Coverage, find_case_files, load_cases, run_case

from .conftest import POLICIES

FILES = find_case_files([POLICIES])
CASES = [(path, case) for path in FILES for case in load_cases(path)[1]]
POLICY_OF = {path: load_cases(path)[0] for path in FILES}


@pytest.mark.parametrize("path, case", CASES, ids=[f"{p.stem}:{c.name}" for p, c in CASES])
def test_case(path, case):
    outcome = run_case(POLICY_OF[path], case)
    assert outcome.ok, (
        "\n".join(f"{what}: expected {exp!r}, got {got!r}" for what, exp, got in outcome.problems)
        + "\n"
        + outcome.explanation
    )


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_full_coverage(path):
    policy = POLICY_OF[path]
    coverage = Coverage(policy)
    for _, case in [(p, c) for p, c in CASES if p == path]:
        run_case(policy, case, coverage)
    assert coverage.percent() == 100, coverage.report()


def test_every_shipped_policy_has_cases():
    shipped = {p.name for p in POLICIES.glob("*.yaml") if not p.name.endswith(".tests.yaml")}
    tested = {load_cases(p)[0].spec.path.split("/")[-1] for p in FILES}
    assert shipped <= tested


def test_kaohe_test_reports_a_failure_with_a_diff_and_trace(tmp_path):
    source = (POLICIES / "jiangxi.tests.yaml").read_text(encoding="utf-8")
    (tmp_path / "jiangxi.yaml").write_text((POLICIES / "jiangxi.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    broken = source.replace("usage_points: 18}", "usage_points: 21}", 1)
    assert broken != source
    (tmp_path / "jiangxi.tests.yaml").write_text(broken, encoding="utf-8")
    result = CliRunner().invoke(main, ["test", str(tmp_path / "jiangxi.tests.yaml")])
    assert result.exit_code == 1
    assert "FAIL" in result.output and "values.usage_points: expected 21, got 18" in result.output
    assert "[JX-A2]" in result.output  # the trace of the rules that fired


def test_min_coverage_fails_when_cases_are_missing(tmp_path):
    source = (POLICIES / "jiangxi.tests.yaml").read_text(encoding="utf-8")
    (tmp_path / "jiangxi.yaml").write_text((POLICIES / "jiangxi.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    head = source.split("- name: 学校90分优秀")[0]
    (tmp_path / "jiangxi.tests.yaml").write_text(head, encoding="utf-8")
    result = CliRunner().invoke(main, ["test", str(tmp_path / "jiangxi.tests.yaml"), "--min-coverage", "100"])
    assert result.exit_code == 1
    assert "not exercised: level school / excellent" in result.output
