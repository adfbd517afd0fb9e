"""The pytest plugin (entry point ``kaohe`` in ``pytest11``) on a county repository of its own."""

from __future__ import annotations

import textwrap

import pytest

from .conftest import POLICIES

pytest_plugins = ["pytester"]

CASES = textwrap.dedent(
    """\
    policy: county.yaml
    cases:
      - name: 使用率40%得18分
        rule: JX-A2
        entity: teacher
        as_of: '2020-06-30'
        record: {id: T1, gender: F, age: 35, daily_usage: [4, 4], class_hours: 20, lesson_scores: [60, 60, 60, 60, 60, 60]}
        expect: {values: {usage_points: 18}}
      - name: 故意写错的期望
        rule: JX-A2
        entity: teacher
        as_of: '2020-06-30'
        record: {id: T2, gender: F, age: 35, daily_usage: [4, 4], class_hours: 20, lesson_scores: [60, 60, 60, 60, 60, 60]}
        expect: {values: {usage_points: 21}}
    """
)


@pytest.fixture
def county(pytester):
    """A county repository: a policy and its case file, no tests of kaohe's copied in."""
    (pytester.path / "policies").mkdir()
    (pytester.path / "policies" / "county.yaml").write_text(
        (POLICIES / "jiangxi.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    (pytester.path / "policies" / "county.tests.yaml").write_text(CASES, encoding="utf-8")
    return pytester


def test_the_plugin_runs_a_case_file_one_item_per_case(county):
    result = county.runpytest("--kaohe-cases", "-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["*county.tests.yaml::使用率40%得18分 PASSED*", "*county.tests.yaml::故意写错的期望 FAILED*"]
    )
    text = result.stdout.str()
    assert "values.usage_points: expected 21, got 18" in text  # the diff
    assert "trace:" in text and "[JX-A2]" in text  # the trace of the rules that fired
    assert "county.tests.yaml:" in text


def test_the_ini_setting_turns_it_on(county):
    county.makeini("[pytest]\nkaohe_cases = true\n")
    result = county.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)


def test_inactive_unless_asked_so_kaohe_does_not_run_its_cases_twice(county):
    result = county.runpytest("-p", "no:cacheprovider")
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED
    result.assert_outcomes()


def test_a_broken_case_file_is_a_located_collection_error(county):
    (county.path / "policies" / "county.tests.yaml").write_text(
        "policy: county.yaml\ncases:\n  - name: 无期望\n    entity: teacher\n    record: {id: T}\n", encoding="utf-8"
    )
    result = county.runpytest("--kaohe-cases", "-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*county.tests.yaml:3:*cases.case*"])
