"""kaohe lint and kaohe diff."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from cli import main

from ..conftest import POLICIES, ROOT

SOURCE = (POLICIES / "jiangxi.yaml").read_text(encoding="utf-8")


def copy(tmp_path, old, new, name="p.yaml"):
    assert old in SOURCE
    path = tmp_path / name
    path.write_text(SOURCE.replace(old, new, 1), encoding="utf-8")
    return str(path)


def run(*args):
    return CliRunner().invoke(main, list(args))


def test_shipped_policies_lint_without_surprises():
    result = run("lint", *(str(p) for p in sorted(POLICIES.glob("*.yaml")) if not p.name.endswith(".tests.yaml")))
    assert result.exit_code == 0
    codes = {line.split(": ")[1] for line in result.output.splitlines() if ": lint." in line}
    assert codes <= {"lint.rule-not-encoded"}  # Henan's descriptive rules (HN-1, HN-2, HN-7)


def test_lint_flags_a_tier_gap(tmp_path):
    path = copy(tmp_path, '- {range: "[0.50, 0.60)", value: 21', '- {range: "[0.51, 0.60)", value: 21')
    result = run("lint", path)
    assert result.exit_code == 3
    assert "tiers.gap" in result.output and "gap at 0.5" in result.output


def test_lint_flags_an_unreachable_level(tmp_path):
    path = copy(
        tmp_path,
        """        - code: pass
          label: {zh: 合格, en: Pass}
          when: usage_pass and lesson_pass
          rank: 1""",
        """        - code: pass
          label: {zh: 合格, en: Pass}
          when: usage_pass and lesson_pass
          rank: 1
        - code: good
          label: {zh: 良好, en: Good}
          when: usage_pass and lesson_pass and total_score >= 80
          rank: 1""",
    )
    result = run("lint", "--strict", path)
    assert result.exit_code == 1
    assert "lint.unreachable-level" in result.output and "'good'" in result.output and "'pass'" in result.output
    # the proof as a record an officer can try: it meets the stricter condition and gets 'pass'
    example = json.loads(result.output.split("for example ")[1].split(" meets it")[0])
    import engine

    policy = engine.load_policy(path)
    assert policy.evaluate(example, "teacher", allow_outside=True).grade == "pass"


def test_lint_flags_a_percentage_where_a_ratio_is_meant(tmp_path):
    path = copy(tmp_path, "expr: usage_ratio >= 0.40", "expr: usage_ratio >= 40")
    result = run("lint", path)
    assert "lint.percent-as-ratio" in result.output and "did you mean 0.4" in result.output


def test_lint_flags_an_unread_input(tmp_path):
    path = copy(
        tmp_path,
        "      opted_in: {type: boolean,",
        "      unused: {type: integer}\n      opted_in: {type: boolean,",
    )
    result = run("lint", path)
    assert "lint.unread-input" in result.output and "'unused'" in result.output


def test_diff_reports_records_whose_grade_changes(tmp_path):
    new = copy(tmp_path, "expr: usage_ratio >= 0.40", "expr: usage_ratio >= 0.45", "new.yaml")
    result = run(
        "diff",
        str(POLICIES / "jiangxi.yaml"),
        new,
        "-e",
        "teacher",
        "-i",
        str(ROOT / "examples" / "jiangxi" / "teachers.csv"),
        "-f",
        "json",
    )
    assert result.exit_code == 0
    report = json.loads(result.output)
    assert report["records"] == 10
    assert report["changed"]["grade"] == 1
    assert report["grade_transitions"] == {"pass -> fail": 1}
    assert report["examples"]["grade"][0]["id"] == "JX003"  # exactly 40% usage


def test_every_lint_warning_speaks_both_languages():
    """Every lint key of the catalogue renders in English and in Chinese from its parameters."""
    from engine.base.catalogue import CATALOGUE
    from engine.base.errors import Diagnostic

    params = {
        "level": "good",
        "entity": "teacher",
        "condition": "a and b",
        "earlier": "pass",
        "earlier_condition": "a",
        "example": '{"id": "T"}',
        "consequence": "credit",
        "grade": "good",
        "text": "usage_ratio >= 40",
        "name": "usage_ratio",
        "number": "40",
        "ratio": "0.4",
        "rule_id": "JX-A9",
    }
    keys = [key for key in CATALOGUE if key.startswith("lint.")]
    assert len(keys) == 9
    for key in keys:
        diagnostic = Diagnostic.of(key, severity="warning", **params)
        english, chinese = diagnostic.render("en"), diagnostic.render("zh")
        assert not re.search(r"\{[a-z_]+\}", english + chinese), key
        assert english != chinese and any("\u4e00" <= ch <= "\u9fff" for ch in chinese), key


def test_lint_in_chinese(tmp_path):
    path = copy(tmp_path, "expr: usage_ratio >= 0.40", "expr: usage_ratio >= 40")
    result = run("lint", path, "--lang", "zh")
    assert "lint.percent-as-ratio" in result.output and "是否应为 0.4" in result.output
