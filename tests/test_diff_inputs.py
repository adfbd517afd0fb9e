"""kaohe diff reads each record with each policy's own inputs (issue 12, item 4)."""

import datetime as dt
from pathlib import Path

import engine
from engine.tools.diff import diff_policies, format_diff

POLICIES = Path(__file__).resolve().parent.parent / "policies"
DAY = dt.date(2021, 12, 31)


def population(tmp_path):
    path = tmp_path / "teachers.csv"
    # 已上传能力点成果数 is a column only guangxi.yaml (the derived policy) knows, by its label
    path.write_text(
        "id,online_hours,offline_hours,已上传能力点成果数\nA,25,25,2\nB,25,25,1\nC,25,25,\n",
        encoding="utf-8",
    )
    return str(path)


def test_derived_policy_reads_its_own_columns(tmp_path):
    base, derived = engine.load_policy(POLICIES / "national.yaml"), engine.load_policy(POLICIES / "guangxi.yaml")
    report = diff_policies(base, derived, "teacher", population(tmp_path), as_of=DAY, examples=10)
    assert report["records"] == 3
    # A: 2 outcomes read by guangxi -> still pass; B: 1 outcome -> fail; C: none -> rejected (required)
    assert report["changed"]["grade"] == 1
    assert report["examples"]["grade"] == [{"id": "B", "old": "pass", "new": "fail"}]
    assert report["changed"]["graded -> rejected"] == 1
    assert report["examples"]["graded -> rejected"][0]["id"] == "C"
    assert report["grade_transitions"] == {"pass -> fail": 1, "pass -> rejected": 1}
    assert "graded -> rejected changed for 1 record(s)" in format_diff(report)


def test_rejected_by_old_and_graded_by_new_is_reported(tmp_path):
    base, derived = engine.load_policy(POLICIES / "national.yaml"), engine.load_policy(POLICIES / "guangxi.yaml")
    report = diff_policies(derived, base, "teacher", population(tmp_path), as_of=DAY, examples=10)
    assert report["changed"]["rejected -> graded"] == 1
    item = report["examples"]["rejected -> graded"][0]
    assert item["id"] == "C" and "error" in item["old"] and item["new"]["grade"] == "pass"
