"""Compile checks: each broken policy gets its own code at the right file:line:col."""

from __future__ import annotations

import pytest

import engine
from engine.base.errors import PolicyError

from ..conftest import POLICIES

SOURCE = (POLICIES / "jiangxi.yaml").read_text(encoding="utf-8")


def line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


def broken(tmp_path, old: str, new: str):
    assert old in SOURCE, old
    text = SOURCE.replace(old, new, 1)
    path = tmp_path / "broken.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        engine.load_policy(path)
    return info.value, text, str(path)


# (what is changed, into what, expected code, a fragment of the message, the line's marker)
CASES = [
    (
        "expr: capped_usage / class_hours",
        "expr: caped_usage / class_hours",
        "expr.unknown-name",
        "did you mean 'capped_usage'",
        "caped_usage",
    ),
    (
        "      usage_pass:\n",
        "      usage_pass:\n        rulez: JX-A2\n",
        "schema.unknown-key",
        "did you mean 'rule'",
        "rulez",
    ),
    (
        '- {range: "[0.70, 0.80)", value: 27',
        '- {range: "[0.70, 0.81)", value: 27',
        "tiers.overlap",
        "overlap at 0.8",
        "[0.80, inf)",
    ),
    (
        '- {range: "[0.60, 0.70)", value: 24',
        '- {range: "[0.60, 0.69)", value: 24',
        "tiers.gap",
        "gap at 0.69",
        "[0.70, 0.80)",
    ),
    (
        "expr: usage_points + lesson_score",
        "expr: usage_points + lesson_score + total_score",
        "values.cycle",
        "total_score -> total_score",
        "total_score:",
    ),
    (
        "      capped_usage:\n        rule: JX-A2",
        "      capped_usage:\n        rule: JX-A22",
        "rule.unknown",
        "JX-A22",
        "rule: JX-A22",
    ),
    (
        "when: grade == 'fail'\n        sanction:\n          code: no_awards",
        "when: grade == 'fial'\n        sanction:\n          code: no_awards",
        "type.never-equal",
        "did you mean 'fail'",
        "'fial'",
    ),
    (
        "expr: usage_ratio >= 0.40",
        "expr: usage_ratio >= 0.40 and",
        "expr.syntax",
        "does not parse",
        "usage_ratio >= 0.40 and",
    ),
    (
        "expr: capped_sum(daily_usage, 4)",
        "expr: daily_usage.count(4)",
        "expr.forbidden",
        "attributes",
        "daily_usage.count",
    ),
    (
        'unit: 周岁, range: "[0, 100]"',
        'unit: 周岁, range: "[0, 100"',
        "schema.format",
        "interval",
        '[0, 100"',
    ),
]


@pytest.mark.parametrize("old, new, code, fragment, marker", CASES, ids=[c[2] for c in CASES])
def test_broken_policy_reports_code_and_location(tmp_path, old, new, code, fragment, marker):
    error, text, path = broken(tmp_path, old, new)
    matching = [d for d in error.diagnostics if d.code == code]
    assert matching, [str(d) for d in error.diagnostics]
    diagnostic = matching[0]
    assert fragment in str(diagnostic)
    assert diagnostic.location.file == path
    assert diagnostic.location.line == line_of(text, marker)
    assert diagnostic.location.col > 0
    assert str(diagnostic).startswith(f"{path}:{diagnostic.location.line}:{diagnostic.location.col}: {code}: ")


def test_every_problem_is_reported_at_once(tmp_path):
    text = SOURCE.replace("expr: capped_usage / class_hours", "expr: caped_usage / class_hours").replace(
        "expr: len(lesson_scores)", "expr: lenn(lesson_scores)"
    )
    path = tmp_path / "two.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        engine.load_policy(path)
    assert {d.code for d in info.value.diagnostics} >= {"expr.unknown-name", "expr.unknown-function"}


def test_duplicate_key_in_a_policy(tmp_path):
    error, _text, _path = broken(
        tmp_path,
        "      capped_usage:\n",
        "      usage_ratio:\n        rule: JX-A2\n        expr: 1\n      capped_usage:\n",
    )
    diagnostic = next(d for d in error.diagnostics if d.code == "yaml.duplicate-key")
    assert "usage_ratio" in diagnostic.message


def test_a_policy_needs_a_mapping(tmp_path):
    path = tmp_path / "list.yaml"
    path.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        engine.load_policy(path)
    assert info.value.first.code == "schema.top"
