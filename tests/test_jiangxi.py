"""The Jiangxi policy at every bound of JX-* (rules.md; 以上/以下 include the number, 低于 excludes it)."""

from __future__ import annotations

from fractions import Fraction

import pytest

import engine

from .conftest import teacher, usage_for


def grade(policy, **fields):
    return policy.evaluate(teacher(**fields), entity="teacher").grade


# JX-A2: ratio -> usage points; each ratio is hit exactly (class hours 600)
@pytest.mark.parametrize(
    "num, den, points",
    [
        (0, 1, 0),
        (39, 100, 0),
        (2, 5, 18),
        (49, 100, 18),
        (1, 2, 21),
        (3, 5, 24),
        (7, 10, 27),
        (79, 100, 27),
        (4, 5, 30),
        (1, 1, 30),
        (3, 2, 30),
    ],
)
def test_usage_points_tiers(jiangxi, num, den, points):
    result = jiangxi.evaluate(teacher(daily_usage=usage_for(num, den)), entity="teacher")
    assert result.scores["usage_ratio"] == Fraction(num, den)
    assert result.scores["usage_points"] == points


def test_usage_just_below_forty_percent_fails(jiangxi):
    days = usage_for(2, 5)
    days[-1] -= 1  # 239 / 600
    result = jiangxi.evaluate(teacher(daily_usage=days), entity="teacher")
    assert result.grade == "fail" and result.scores["usage_points"] == 0


def test_daily_cap_of_four(jiangxi):
    # 60 days of 9 uses count as 60 * 4 = 240 = 40% of 600
    result = jiangxi.evaluate(teacher(daily_usage=[9] * 60), entity="teacher")
    assert result.scores["capped_usage"] == 240 and result.grade == "pass"


# JX-A3: lesson average, 低于49 fails, fewer than 6 lessons cannot pass
def test_lesson_average_of_exactly_49_passes(jiangxi):
    scores = [Fraction(s) for s in ("45.5", "52.1", "49.3", "48.2", "50.0", "48.9")]
    result = jiangxi.evaluate(
        teacher(lesson_scores=[str(s) for s in ("45.5", "52.1", "49.3", "48.2", "50.0", "48.9")]), entity="teacher"
    )
    assert result.scores["lesson_score"] == 49 == sum(scores) / 6
    assert result.grade == "pass"
    # the same scores given as JSON floats are read as the decimals typed
    floats = jiangxi.evaluate(teacher(lesson_scores=[45.5, 52.1, 49.3, 48.2, 50.0, 48.9]), entity="teacher")
    assert floats.grade == "pass" and floats.scores["lesson_score"] == 49


@pytest.mark.parametrize(
    "scores, expected",
    [
        ([49] * 6, "pass"),
        (["48.9"] * 6, "fail"),
        ([49] * 5, "fail"),
        ([70] * 5, "fail"),
        ([], "fail"),
        ([49] * 7, "pass"),
        ([48, 50, 49, 49, 49, 49], "pass"),
    ],
)
def test_lesson_part(jiangxi, scores, expected):
    assert grade(jiangxi, lesson_scores=scores) == expected


# JX-A4: excellent needs both parts passed and a total of 90 (达90分 includes 90)
@pytest.mark.parametrize(
    "ratio, lesson, expected",
    [
        ((4, 5), 60, "excellent"),  # 30 + 60 = 90
        ((4, 5), "59.9", "pass"),  # 89.9
        ((7, 10), 63, "excellent"),  # 27 + 63
        ((2, 5), 70, "pass"),  # 18 + 70 = 88
        ((2, 5), 49, "pass"),  # 67, the 合格 floor of 五.1
        ((39, 100), 70, "fail"),  # usage part fails: 0 + 70 = 70 but not pass
    ],
)
def test_teacher_grade(jiangxi, ratio, lesson, expected):
    assert grade(jiangxi, daily_usage=usage_for(*ratio), lesson_scores=[lesson] * 6) == expected


# JX-A1: men 55 and over, women 50 and over are exempt unless they opt in
@pytest.mark.parametrize(
    "gender, age, opted, expected",
    [
        ("M", 55, False, "exempt"),
        ("M", 54, False, "excellent"),
        ("男", 60, False, "exempt"),
        ("F", 50, False, "exempt"),
        ("F", 49, False, "excellent"),
        ("女", 50, "否", "exempt"),
        ("F", 50, True, "excellent"),
        ("M", 58, "是", "excellent"),
    ],
)
def test_exemption_by_age(jiangxi, gender, age, opted, expected):
    record = teacher(gender=gender, age=age, opted_in=opted, daily_usage=usage_for(4, 5), lesson_scores=[60] * 6)
    assert jiangxi.evaluate(record, entity="teacher").grade == expected


def test_exempt_teacher_needs_no_usage_data_and_gets_nothing(jiangxi):
    result = jiangxi.evaluate({"id": "E", "gender": "M", "age": 56}, entity="teacher")
    assert result.grade == "exempt"
    assert result.credits == [] and result.sanctions == []


# JX-A5: credits per semester
def test_credits(jiangxi):
    passed = jiangxi.evaluate(teacher(), entity="teacher").to_dict()
    assert passed["grade"]["code"] == "pass"
    assert [(c["amount"], c["kind"], c["period"]) for c in passed["credits"]] == [
        (0.5, "self_directed", "上学期"),
        (0.5, "self_directed", "下学期"),
    ]
    assert passed["credit_total"] == 1
    best = jiangxi.evaluate(teacher(daily_usage=usage_for(4, 5)), entity="teacher").to_dict()
    assert best["grade"]["code"] == "excellent" and best["credit_total"] == 2
    assert {c["kind"] for c in best["credits"]} == {"application"}


# JX-A6 and JX-A7: sanctions
def test_fail_sanctions_and_the_thirty_percent_rule(jiangxi):
    at_30 = jiangxi.evaluate(teacher(daily_usage=usage_for(3, 10)), entity="teacher")
    assert at_30.grade == "fail"
    assert at_30.sanctions == ["no_awards", "registration_deferred"]
    below = usage_for(3, 10)
    below[-1] -= 1
    under_30 = jiangxi.evaluate(teacher(daily_usage=below), entity="teacher")
    assert under_30.sanctions == ["no_awards", "registration_deferred", "no_annual_excellent"]
    sanction = under_30.to_dict()["sanctions"][2]
    assert sanction["rule"] == "JX-A7" and "30%以上" in sanction["clause"]


def test_a7_applies_whatever_the_grade(jiangxi):
    # a teacher who passes on paper but whose usage is below 30% cannot exist (40% is needed);
    # the sanction follows the usage, so it fires for every non-exempt teacher below 30%
    result = jiangxi.evaluate(teacher(daily_usage=[1]), entity="teacher")
    assert "no_annual_excellent" in result.sanctions


# JX-S1 and JX-S2: school levels (70 and 90 belong to the higher level)
@pytest.mark.parametrize(
    "score, expected, sanctions",
    [
        (100, "excellent", []),
        (90, "excellent", []),
        ("89.99", "pass", []),
        (70, "pass", []),
        ("69.99", "fail", ["leaders_no_awards"]),
        (0, "fail", ["leaders_no_awards"]),
    ],
)
def test_school_levels(jiangxi, score, expected, sanctions):
    result = jiangxi.evaluate({"id": "S", "score": score}, entity="school")
    assert result.grade == expected and result.sanctions == sanctions


def test_school_deadlines(jiangxi):
    on_time = jiangxi.evaluate(
        {
            "id": "S",
            "score": 80,
            "backbone_team_size": 5,
            "backbone_list_date": "2019-11-24",
            "participant_list_date": "2019-12-01",
            "training_done_date": "2019-12-31",
            "trainees": 40,
            "trainees_passed": 40,
        },
        entity="school",
    )
    assert on_time.sanctions == []
    late = jiangxi.evaluate(
        {
            "id": "S",
            "score": 80,
            "backbone_team_size": 4,
            "backbone_list_date": "2019年11月26日",  # 「11月25日之前」includes the 25th
            "participant_list_date": "2019/12/2",
            "training_done_date": "2020-01-01",
            "trainees": 40,
            "trainees_passed": 39,
        },
        entity="school",
    )
    assert late.sanctions == [
        "backbone_team_incomplete",
        "backbone_list_late",
        "participant_list_late",
        "training_late",
        "not_everyone_passed",
    ]


# JX-T1: trainee credits
@pytest.mark.parametrize(
    "level, credits, obligations",
    [
        ("excellent", 3, []),
        ("优秀", 3, []),
        ("pass", 2, []),
        ("合格", 2, []),
        ("fail", 0, ["retake"]),
    ],
)
def test_trainee(jiangxi, level, credits, obligations):
    result = jiangxi.evaluate({"id": "P", "level": level}, entity="trainee")
    assert result.credit_total == credits and result.sanctions == obligations


def test_lunch_allowance(jiangxi):
    assert jiangxi.evaluate({"id": "莲塘二中", "head_count": 87}, entity="host").scores["lunch_allowance"] == 2610


def test_every_jx_rule_is_in_the_policy_with_its_clause(jiangxi):
    import re
    from pathlib import Path

    rules_md = Path(__file__).resolve().parents[2] / "shared" / "domain" / "rules.md"
    if rules_md.exists():
        ids = set(re.findall(r"\| (JX-[A-Z0-9]+) \|", rules_md.read_text(encoding="utf-8")))
    else:
        ids = {
            "JX-T1",
            "JX-T2",
            "JX-T3",
            "JX-A1",
            "JX-A2",
            "JX-A3",
            "JX-A4",
            "JX-A5",
            "JX-A6",
            "JX-A7",
            "JX-S1",
            "JX-S2",
            "JX-C1",
        }
    assert ids and ids <= set(jiangxi.spec.rules)
    for rule_id in ids:
        assert jiangxi.spec.rules[rule_id].clause


def test_bad_records_name_the_field(jiangxi):
    with pytest.raises(engine.RecordError) as info:
        jiangxi.evaluate(teacher(lesson_scores=[60, 71]), entity="teacher")
    assert info.value.field == "lesson_scores" and "item 2" in str(info.value)
    with pytest.raises(engine.RecordError) as info:
        jiangxi.evaluate(teacher(class_hours=0), entity="teacher")
    assert info.value.field == "class_hours"
    with pytest.raises(engine.RecordError) as info:
        jiangxi.evaluate({"id": "X", "gender": "M", "age": 30}, entity="teacher")
    assert info.value.field in ("daily_usage", "class_hours")
