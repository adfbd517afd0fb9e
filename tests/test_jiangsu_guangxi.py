"""Jiangsu (JS-*) and Guangxi (GX-*) policies at their bounds; members roll-up; schedules."""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction

import pytest

import engine
from engine.language.schedules import check_schedules, cumulative_shares

from .conftest import POLICIES, ROOT

JS = engine.load_policy(POLICIES / "jiangsu.yaml")
GX = engine.load_policy(POLICIES / "guangxi.yaml")
JS_DAY = dt.date(2022, 10, 31)
GX_DAY = dt.date(2021, 12, 31)


def js_teacher(**fields):
    record = {
        "id": "T",
        "online_hours": 25,
        "offline_hours": 25,
        "outcome_submitted": True,
        "peer_review_done": True,
        "materials_ok": True,
    }
    record.update(fields)
    return JS.evaluate(record, "teacher", as_of=JS_DAY)


@pytest.mark.parametrize(
    "fields, grade",
    [
        ({}, "pass"),
        ({"online_hours": "24.9"}, "fail"),
        ({"offline_hours": "24.9", "online_hours": 30}, "fail"),
        ({"peer_review_done": False}, "fail"),  # JS-5: offline hours not credited
        ({"outcome_submitted": "否"}, "fail"),
        ({"materials_ok": False}, "fail"),  # JS-9
        ({"excellent_video": True}, "excellent"),  # JS-10
        ({"full_time": False}, "not_covered"),  # JS-1
    ],
)
def test_jiangsu_teacher(fields, grade):
    assert js_teacher(**fields).grade == grade


def test_jiangsu_offline_hours_count_only_after_outcome_and_review():
    result = js_teacher(peer_review_done=False, offline_hours=40)
    assert result.scores["credited_offline_hours"] == 0
    assert "offline_hours_withheld" in result.sanctions


def test_jiangsu_award_and_windows():
    prize = js_teacher(excellent_video=True, recommended_to_province=True)
    assert prize.awards == ["district_first_prize"]
    assert prize.to_dict()["awards"][0]["rule"] == "JS-10"
    on_time = js_teacher(
        online_done_on="2022-05-14", offline_done_on="2022/9/30", points_selected=3, points_selected_on="2022年4月13日"
    )
    assert on_time.sanctions == []
    late = js_teacher(online_done_on="2022-05-15", offline_done_on="2022-10-01", points_selected_on="2022-04-14")
    assert late.sanctions == ["points_chosen_by_admin", "online_late", "offline_late"]


@pytest.mark.parametrize(
    "members, videos, grade",
    [
        (7, 2, "fail"),
        (7, 3, "pass"),  # 30% of 7 is 2.1: 2 are too few
        (10, 3, "pass"),
        (10, 2, "fail"),
        (11, 3, "fail"),
        (11, 4, "pass"),
        (1, 1, "pass"),
    ],
)
def test_jiangsu_group_thirty_percent(members, videos, grade):
    result = JS.evaluate(
        {"id": "G", "members": members, "excellent_videos": videos, "video_minutes": 10, "faces_visible": True},
        "group",
        as_of=JS_DAY,
    )
    assert result.grade == grade
    assert result.sanctions == ([] if grade == "pass" else ["resubmit"])


@pytest.mark.parametrize("minutes, faces, grade", [(10, True, "pass"), ("9.9", True, "fail"), (30, False, "fail")])
def test_jiangsu_group_video(minutes, faces, grade):
    result = JS.evaluate(
        {"id": "G", "members": 3, "excellent_videos": 1, "video_minutes": minutes, "faces_visible": faces},
        "group",
        as_of=JS_DAY,
    )
    assert result.grade == grade


def test_jiangsu_school_subject_coverage():
    base = {"id": "S", "teachers": 49, "excellent_videos": 15, "subjects": 5}
    assert JS.evaluate({**base, "subjects_with_excellent": 5}, "school", as_of=JS_DAY).grade == "pass"
    assert JS.evaluate({**base, "subjects_with_excellent": 4}, "school", as_of=JS_DAY).sanctions == [
        "subjects_uncovered"
    ]
    assert JS.evaluate(
        {**base, "excellent_videos": 14, "subjects_with_excellent": 5}, "school", as_of=JS_DAY
    ).sanctions == ["videos_short"]


def test_members_roll_up_equals_the_counts_contract():
    from engine.io import read_records

    teachers = list(read_records(str(ROOT / "examples" / "jiangsu" / "teachers.csv"), JS.spec.entities["teacher"]))
    # members.by: [school, group]: a group is named by its school and its own name
    rolled = {g.id.removeprefix("白塔小学 / "): g for g, _ in JS.evaluate_members(teachers, "group", as_of=JS_DAY)}
    assert set(rolled) == {"语文组", "数学组", "英语组", "综合组"}
    for group in rolled.values():
        assert group.ok
    counts = {"语文组": (7, 1), "数学组": (3, 1), "英语组": (2, 0), "综合组": (1, 1)}
    for name, (members, videos) in counts.items():
        direct = JS.evaluate(
            {
                "id": name,
                "members": members,
                "excellent_videos": videos,
                "video_minutes": {"语文组": 12, "数学组": 10, "英语组": "9.5", "综合组": 15}[name],
                "faces_visible": name != "综合组",
            },
            "group",
            as_of=JS_DAY,
        )
        assert rolled[name].grade == direct.grade, name
    school = next(JS.evaluate_members(teachers, "school", as_of=JS_DAY))[0]
    assert school.id == "白塔小学" and school.grade == "fail"


def test_effective_period_is_enforced():
    with pytest.raises(engine.PeriodError):
        JS.evaluate({"id": "T", "online_hours": 25, "offline_hours": 25}, "teacher", as_of=dt.date(2022, 3, 31))
    allowed = JS.evaluate(
        {"id": "T", "online_hours": 25, "offline_hours": 25}, "teacher", as_of=dt.date(2022, 3, 31), allow_outside=True
    )
    assert allowed.grade == "fail"


@pytest.mark.parametrize(
    "online, offline, outcomes, grade",
    [
        (25, 25, 2, "pass"),
        ("24.9", "25.1", 2, "fail"),
        (25, "24.9", 2, "fail"),
        (25, 25, 1, "fail"),
        (30, 25, 2, "fail"),
        (20, 30, 2, "fail"),
        (40, 40, 3, "pass"),
    ],
)
def test_guangxi_teacher(online, offline, outcomes, grade):
    result = GX.evaluate(
        {"id": "T", "online_hours": online, "offline_hours": offline, "outcomes_uploaded": outcomes},
        "teacher",
        as_of=GX_DAY,
    )
    assert result.grade == grade


def test_guangxi_practice_must_be_half_of_the_hours():
    result = GX.evaluate(
        {"id": "T", "online_hours": 30, "offline_hours": 26, "outcomes_uploaded": 2}, "teacher", as_of=GX_DAY
    )
    assert result.grade == "fail" and "hours_short" in result.sanctions
    assert result.scores["practice_share"] == Fraction(26, 56)


def test_guangxi_schedule_meets_its_targets():
    schedule = GX.spec.schedules["rollout"]
    shares = cumulative_shares(schedule)
    assert shares[2020] == Fraction(10, 20) and shares[2022] == 1
    assert check_schedules(GX.spec) == []
    assert schedule.year_of("民办幼儿园") == 2022 and schedule.year_of("瓜里中心校") == 2021


@pytest.mark.parametrize(
    "unit, completed, as_of, grade, demo",
    [
        ("资源中学", "2020-12-31", GX_DAY, "done", True),
        ("资源中学", "2021-01-01", GX_DAY, "done_late", True),
        ("民族中学", None, dt.date(2020, 12, 31), "on_track", False),
        ("民族中学", None, dt.date(2021, 1, 1), "overdue", False),
        ("资源实验中学", None, dt.date(2020, 10, 1), "on_track", True),
        ("梅溪中心校", None, GX_DAY, "on_track", False),
        ("民办幼儿园", None, dt.date(2022, 12, 31), "on_track", False),
        ("不存在的学校", None, GX_DAY, "unscheduled", False),
    ],
)
def test_guangxi_school_status(unit, completed, as_of, grade, demo):
    result = GX.evaluate({"id": unit, "completed_date": completed}, "school", as_of=as_of)
    assert result.grade == grade
    assert result.scores["is_demonstration"] is demo


def test_validate_reports_a_schedule_that_misses_its_target(tmp_path):
    from click.testing import CliRunner

    from cli import main

    text = (
        (POLICIES / "guangxi.yaml")
        .read_text(encoding="utf-8")
        .replace(
            '"2020": [资源中学, 民族中学, 资源实验中学, 资源镇初中, 车田初中, 第一小学, 第二小学, 机关幼儿园, 机关第二幼儿园, 各乡镇中心幼儿园]',
            '"2020": [资源中学, 民族中学, 资源实验中学]\n      "2023": [资源镇初中, 车田初中, 第一小学, 第二小学, 机关幼儿园, 机关第二幼儿园, 各乡镇中心幼儿园]',
        )
    )
    path = tmp_path / "late.yaml"
    path.write_text(text, encoding="utf-8")
    (tmp_path / "national.yaml").write_text((POLICIES / "national.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 3
    assert "schedule.target" in result.output and "15%" in result.output


@pytest.mark.parametrize(
    "teachers, cases, grade", [(100, 10, "pass"), (101, 10, "fail"), (101, 11, "pass"), (9, 1, "pass")]
)
def test_guangxi_ten_percent_cases(teachers, cases, grade):
    result = GX.evaluate(
        {"id": "资源县", "trained_teachers": teachers, "recommended_cases": cases}, "county", as_of=GX_DAY
    )
    assert result.grade == grade


def test_every_rule_of_rules_md_is_in_a_policy():
    rules_md = ROOT.parent / "shared" / "domain" / "rules.md"
    if not rules_md.exists():
        pytest.skip("shared/domain/rules.md is not beside the project")
    ids = set(re.findall(r"\| ((?:JS|GX)-[0-9]+) \|", rules_md.read_text(encoding="utf-8")))
    catalogued = set(JS.spec.rules) | set(GX.spec.rules)
    assert ids and ids <= catalogued


def test_no_region_appears_in_the_engine():
    words = ["jiangxi", "jiangsu", "guangxi", "henan", "江西", "江苏", "广西", "河南", "JX-", "JS-", "GX-", "HN-"]
    for path in (ROOT / "engine").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        for word in words:
            assert word not in text, f"{word} in {path.name}"


def test_share_counts_among_the_members_where_keeps():
    from engine.base.errors import Location
    from engine.language.expressions import parse_expression
    from engine.language.model import Text, Value

    here = Location("t", 1, 1)
    value = Value(
        name="rate",
        rule="R-1",
        label=Text("rate"),
        kind="aggregate",
        location=here,
        aggregate="share",
        over=parse_expression("done", here, {"done": ""}),
        where=parse_expression("came", here, {"came": ""}),
    )
    members = [{"done": True, "came": True}, {"done": False, "came": True}, {"done": False, "came": False}]
    rt = JS.runtime("group")
    assert rt.aggregate(members, value) == Fraction(1, 2)
