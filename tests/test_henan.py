"""The Henan policy (教师函〔2021〕35号) at every bound of HN-* (rules.md; 以上/以内/至少/不低于 include
the number, 低于/超过 exclude it)."""

from __future__ import annotations

import datetime as dt
import json
import re
from fractions import Fraction
from pathlib import Path

import pytest
from click.testing import CliRunner

import engine
from cli import main
from engine.io import read_records
from engine.language.kinds import parse_date

ROOT = Path(__file__).resolve().parent.parent
POLICY = ROOT / "policies" / "henan.yaml"
EXAMPLES = ROOT / "examples" / "henan"
AS_OF = dt.date(2021, 12, 31)
LATE_AS_OF = dt.date(2022, 12, 31)  # last day of the effective period, long after every deadline


@pytest.fixture(scope="module")
def henan():
    return engine.load_policy(POLICY)


def contractor(**fields) -> dict:
    """A contractor that met every duty: 3 bulletins, 10 cases for 100 trainees, training ended
    2021-06-30, deliverables on day 30."""
    record = {
        "id": "C",
        "bulletins": 3,
        "trainees": 100,
        "cases": 10,
        "training_end": "2021-06-30",
        "deliverables_date": "2021-07-30",
    }
    record.update(fields)
    return record


def judge(policy, as_of=AS_OF, mode=engine.FAST, **fields):
    return policy.evaluate(contractor(**fields), entity="contractor", as_of=as_of, mode=mode)


# HN-4: at least 3 bulletins (至少3期 includes 3)
@pytest.mark.parametrize(
    "bulletins, grade, sanctions",
    [
        (0, "fail", ["too_few_bulletins"]),
        (2, "fail", ["too_few_bulletins"]),
        (3, "pass", []),
        (4, "pass", []),
    ],
)
def test_bulletins(henan, bulletins, grade, sanctions):
    result = judge(henan, bulletins=bulletins)
    assert (result.grade, result.sanctions) == (grade, sanctions)


def test_bulletins_while_training_still_runs_are_an_obligation_not_a_sanction(henan):
    # training ends 2021-12-31 with an extension; on that day it is still running
    running = judge(henan, bulletins=2, training_end="2021-12-31", extension_approved=True, deliverables_date=None)
    assert running.grade == "pass" and running.codes("sanction") == []
    assert running.codes("obligation") == ["bulletins_outstanding", "deliverables_outstanding"]
    # the day after, the training is over: 2 bulletins are too few
    over = judge(
        henan,
        as_of=dt.date(2022, 1, 1),
        bulletins=2,
        training_end="2021-12-31",
        extension_approved=True,
        deliverables_date=None,
    )
    assert over.grade == "fail" and over.sanctions == ["too_few_bulletins", "deliverables_outstanding"]
    assert over.codes("sanction") == ["too_few_bulletins"]


# HN-4: cases not below 1/10 of trainees (不低于 includes the tenth; whole case studies)
@pytest.mark.parametrize(
    "trainees, cases, grade",
    [
        (100, 10, "pass"),
        (100, 9, "fail"),
        (101, 10, "fail"),
        (101, 11, "pass"),
        (109, 11, "pass"),
        (110, 11, "pass"),
        (111, 11, "fail"),
        (1, 0, "fail"),
        (1, 1, "pass"),
        (0, 0, "pass"),
        (9, 1, "pass"),
    ],
)
def test_cases_at_least_a_tenth(henan, trainees, cases, grade):
    result = judge(henan, trainees=trainees, cases=cases)
    assert result.grade == grade
    assert result.sanctions == ([] if grade == "pass" else ["cases_below_tenth"])
    assert result.scores["cases_required"] == -(-trainees // 10)


def test_cases_not_judged_before_the_collection_is_due(henan):
    # training ended 2021-12-01; deliverables due 2021-12-31, not yet submitted on 2021-12-31
    pending = judge(henan, cases=0, training_end="2021-12-01", extension_approved=True, deliverables_date=None)
    assert pending.grade == "pass" and pending.sanctions == ["deliverables_outstanding"]
    overdue = judge(
        henan,
        as_of=dt.date(2022, 1, 1),
        cases=0,
        training_end="2021-12-01",
        extension_approved=True,
        deliverables_date=None,
    )
    assert overdue.grade == "fail" and overdue.sanctions == ["cases_below_tenth", "deliverables_late"]


# HN-4: deliverables within 30 days after training ends (30天内 includes day 30)
@pytest.mark.parametrize(
    "submitted, grade",
    [
        ("2021-07-29", "pass"),
        ("2021-07-30", "pass"),
        ("2021-07-31", "fail"),
        ("2021/8/1", "fail"),
        ("2021-06-30", "pass"),
    ],
)
def test_deliverables_day_30_and_31(henan, submitted, grade):
    result = judge(henan, deliverables_date=submitted)
    assert result.grade == grade
    assert result.sanctions == ([] if grade == "pass" else ["deliverables_late"])
    assert result.scores["deliverables_deadline"] == dt.date(2021, 7, 30)


@pytest.mark.parametrize(
    "as_of, grade, sanctions",
    [
        (dt.date(2021, 7, 29), "pass", []),
        (dt.date(2021, 7, 30), "pass", []),  # due today: not late yet
        (dt.date(2021, 7, 31), "fail", ["deliverables_late"]),
        (LATE_AS_OF, "fail", ["deliverables_late"]),
    ],
)
def test_deliverables_not_submitted_are_late_only_after_day_30(henan, as_of, grade, sanctions):
    result = judge(henan, as_of=as_of, deliverables_date=None)
    assert (result.grade, result.codes("sanction")) == (grade, sanctions)
    assert result.codes("obligation") == ([] if sanctions else ["deliverables_outstanding"])
    kinds = {s["code"]: s["kind"] for s in result.to_dict()["sanctions"]}
    assert set(kinds.values()) == {"sanction" if sanctions else "obligation"}


# HN-3: training by 2021-06-30; with an approved extension by 2021-12-31 (前 includes the day)
@pytest.mark.parametrize(
    "end, extension, late",
    [
        ("2021-06-30", False, False),
        ("2021-07-01", False, True),
        ("2021-06-30", True, False),
        ("2021-07-01", True, False),
        ("2021-12-31", True, False),
        ("2022-01-01", True, True),
        ("2021-12-31", False, True),
        ("2022-01-01", False, True),
        ("2021-03-15", "否", False),
        ("2021-09-01", "是", False),
        ("2021年7月1日", "0", True),
    ],
)
def test_training_deadline(henan, end, extension, late):
    day = parse_date(end)
    # deliverables on day 30 so only HN-3 can fail; judged late enough that every duty is due
    record = dict(
        training_end=end, extension_approved=extension, deliverables_date=(day + dt.timedelta(days=30)).isoformat()
    )
    result = judge(henan, as_of=LATE_AS_OF, **record)
    assert result.sanctions == (["training_late"] if late else [])
    assert result.grade == ("fail" if late else "pass")


def test_training_deadline_default_is_no_extension(henan):
    record = contractor(training_end="2021-07-01", deliverables_date="2021-07-20")
    assert "extension_approved" not in record
    result = henan.evaluate(record, entity="contractor", as_of=AS_OF)
    assert result.sanctions == ["training_late"]
    assert result.scores["training_deadline"] == dt.date(2021, 6, 30)


def test_each_missed_duty_is_named(henan):
    result = judge(
        henan,
        bulletins=2,
        trainees=101,
        cases=10,
        training_end="2022-01-01",
        extension_approved=True,
        deliverables_date="2022-02-01",
        as_of=LATE_AS_OF,
    )
    assert result.grade == "fail"
    assert result.sanctions == ["training_late", "too_few_bulletins", "cases_below_tenth", "deliverables_late"]
    rules = {s["code"]: s["rule"] for s in result.to_dict()["sanctions"]}
    assert rules == {
        "training_late": "HN-3",
        "too_few_bulletins": "HN-4",
        "cases_below_tenth": "HN-4",
        "deliverables_late": "HN-4",
    }


@pytest.mark.parametrize(
    "fields",
    [
        {},
        {"bulletins": 2},
        {"trainees": 101},
        {"deliverables_date": "2021-07-31"},
        {"deliverables_date": None},
        {"training_end": "2021-07-01", "deliverables_date": "2021-07-02"},
    ],
)
def test_fast_and_reference_agree(henan, fields):
    fast = judge(henan, **fields)
    ref = judge(henan, mode=engine.REFERENCE, **fields)
    assert fast.to_dict() == ref.to_dict()


def test_contractor_bad_records_name_the_field(henan):
    with pytest.raises(engine.RecordError) as info:
        henan.evaluate(contractor(bulletins=-1), entity="contractor", as_of=AS_OF)
    assert info.value.field == "bulletins"
    with pytest.raises(engine.RecordError) as info:
        henan.evaluate(contractor(training_end="2021-02-30"), entity="contractor", as_of=AS_OF)
    assert info.value.field == "training_end"


# HN-5: integrity file for no-shows without a special reason, dismissals and non-completion
@pytest.mark.parametrize(
    "status, special, grade, sanctions",
    [
        ("completed", False, "pass", []),
        ("completed", True, "pass", []),
        ("no_show", False, "fail", ["integrity_record"]),
        ("no_show", True, "fail", []),
        ("dismissed", False, "fail", ["integrity_record"]),
        ("dismissed", True, "fail", ["integrity_record"]),
        ("incomplete", False, "fail", ["integrity_record"]),
        ("incomplete", True, "fail", ["integrity_record"]),
        ("结业", "否", "pass", []),
        ("未参训", "是", "fail", []),
        ("未参训", "否", "fail", ["integrity_record"]),
        ("被劝退", "是", "fail", ["integrity_record"]),
        ("未结业", "1", "fail", ["integrity_record"]),
    ],
)
def test_trainee(henan, status, special, grade, sanctions):
    result = henan.evaluate({"id": "T", "status": status, "special_reason": special}, entity="trainee", as_of=AS_OF)
    assert (result.grade, result.sanctions) == (grade, sanctions)
    if sanctions:
        data = result.to_dict()["sanctions"][0]
        assert data["rule"] == "HN-5" and "无特殊情况未参训" in data["clause"]


def test_trainee_special_reason_defaults_to_false(henan):
    assert henan.evaluate({"id": "T", "status": "no_show"}, entity="trainee", as_of=AS_OF).sanctions == [
        "integrity_record"
    ]


def test_unknown_trainee_status_is_rejected(henan):
    with pytest.raises(engine.RecordError) as info:
        henan.evaluate({"id": "T", "status": "请假"}, entity="trainee", as_of=AS_OF)
    assert info.value.field == "status"


# HN-6: rates rolled up from trainee records, exact
def trainees(*rows):
    return [
        {"id": f"T{i}", "status": s, "special_reason": r, "city": c, "contractor": k}
        for i, (s, r, c, k) in enumerate(rows, 1)
    ]


ROWS = trainees(
    ("completed", False, "郑州市", "甲"),
    ("completed", False, "郑州市", "甲"),
    ("no_show", True, "郑州市", "乙"),
    ("completed", False, "洛阳市", "乙"),
    ("no_show", False, "洛阳市", "甲"),
    ("dismissed", False, "洛阳市", "乙"),
    ("incomplete", False, "洛阳市", "乙"),
    ("结业", "否", "济源示范区", "乙"),
)


def groups(policy, entity, rows=ROWS, mode=engine.FAST):
    out = {}
    for group, members in policy.evaluate_members(rows, entity=entity, as_of=AS_OF, mode=mode):
        assert group.ok, group.to_dict()
        out[group.to_dict()["id"]] = (group, members)
    return out


@pytest.mark.parametrize("mode", [engine.FAST, engine.REFERENCE])
def test_city_rates(henan, mode):
    cities = groups(henan, "city", mode=mode)
    assert list(cities) == ["郑州市", "洛阳市", "济源示范区"]
    zz = cities["郑州市"][0].scores
    assert zz["selected"] == 3 and zz["completed"] == 2
    assert zz["completion_rate"] == Fraction(2, 3) and isinstance(zz["completion_rate"], Fraction)
    assert zz["integrity_records"] == 0  # the no-show had a special reason
    ly = cities["洛阳市"][0].scores
    assert (ly["selected"], ly["completed"], ly["completion_rate"], ly["integrity_records"]) == (
        4,
        1,
        Fraction(1, 4),
        3,
    )
    jy = cities["济源示范区"][0].scores
    assert jy["completion_rate"] == 1 and jy["selected"] == 1
    assert [m.grade for m in cities["洛阳市"][1]] == ["pass", "fail", "fail", "fail"]
    assert cities["郑州市"][0].grade is None  # HN-6 sets no pass mark: no grade


@pytest.mark.parametrize("mode", [engine.FAST, engine.REFERENCE])
def test_contractor_rates(henan, mode):
    rates = groups(henan, "contractor_rates", mode=mode)
    assert list(rates) == ["甲", "乙"]
    jia = rates["甲"][0].scores
    assert (jia["enrolled"], jia["checked_in"], jia["completed"]) == (3, 2, 2)
    assert jia["checkin_rate"] == Fraction(2, 3) and jia["completion_rate"] == Fraction(2, 3)
    yi = rates["乙"][0].scores
    # 乙: excused no-show, completed, dismissed, incomplete, completed -> 4 of 5 checked in, 2 of 5 completed
    assert (yi["enrolled"], yi["checked_in"], yi["completed"]) == (5, 4, 2)
    assert yi["checkin_rate"] == Fraction(4, 5) and yi["completion_rate"] == Fraction(2, 5)


def test_rates_of_a_group_with_nobody_completed(henan):
    rows = trainees(("no_show", False, "开封市", "丙"), ("incomplete", True, "开封市", "丙"))
    ((group, _),) = groups(henan, "city", rows).values()
    assert group.scores["completion_rate"] == 0 and group.scores["integrity_records"] == 2


def test_member_without_city_belongs_to_no_city(henan):
    rows = trainees(("completed", False, "郑州市", "甲")) + [{"id": "X", "status": "completed"}]
    results = list(henan.evaluate_members(rows, entity="city", as_of=AS_OF))
    assert [g.ok for g, _ in results] == [True, False]


# effective period: from 2021-01-25, open-ended (the notice sets deadlines, not an expiry)
def test_effective_period(henan):
    assert henan.spec.effective_from == dt.date(2021, 1, 25)
    assert henan.spec.effective_to is None
    for day in (dt.date(2021, 1, 25), dt.date(2022, 12, 31), dt.date(2030, 1, 1)):
        assert judge(henan, as_of=day).grade in ("pass", "fail")
    with pytest.raises(engine.PeriodError):
        judge(henan, as_of=dt.date(2021, 1, 24))


def test_every_hn_rule_is_in_the_policy_with_its_clause(henan):
    rules_md = ROOT.parent / "shared" / "domain" / "rules.md"
    if rules_md.exists():
        ids = set(re.findall(r"\| (HN-[A-Z0-9]+) \|", rules_md.read_text(encoding="utf-8")))
    else:
        ids = {f"HN-{n}" for n in range(1, 8)}
    assert ids == {f"HN-{n}" for n in range(1, 8)}
    assert ids <= set(henan.spec.rules)
    seed = ROOT.parent / "shared" / "seeds" / "henan-shengpei-2021.txt"
    text = seed.read_text(encoding="utf-8").replace(",", "，") if seed.exists() else None
    for rule_id in ids:
        rule = henan.spec.rules[rule_id]
        assert rule.clause and rule.ref
        if text is not None:  # every clause is quoted from the notice (the seed uses ASCII commas)
            for part in re.split(r"[…]+", rule.clause):
                assert part.replace(",", "，") in text, (rule_id, part)


# the bundled examples
def test_example_contractors(henan):
    rt = henan.runtime("contractor")
    outcomes = list(
        henan.evaluate_many(
            read_records(str(EXAMPLES / "contractors.csv"), rt.entity), entity="contractor", as_of=AS_OF
        )
    )
    assert all(o.ok for o in outcomes)
    got = {o.to_dict()["id"]: (o.grade, o.sanctions) for o in outcomes}
    assert got == {
        "北京教培师训网络科技股份有限公司": ("pass", []),
        "河南中原未来教师教育研究院": ("pass", []),
        "承训单位C": ("fail", ["too_few_bulletins"]),
        "承训单位D": ("fail", ["cases_below_tenth"]),
        "承训单位E": ("fail", ["deliverables_late"]),
        "承训单位F": ("fail", ["training_late"]),
        "承训单位G": ("pass", ["deliverables_outstanding"]),  # an obligation: not yet due
        "承训单位H": ("fail", ["training_late"]),
        "承训单位I": ("fail", ["cases_below_tenth", "deliverables_late"]),
    }


def test_example_trainees_through_the_cli():
    result = CliRunner().invoke(
        main,
        [
            "evaluate",
            str(POLICY),
            "--entity",
            "city",
            "--members",
            str(EXAMPLES / "trainees.csv"),
            "--as-of",
            "2021-12-31",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["id"] for line in lines] == ["郑州市", "洛阳市", "济源示范区"]
    assert [line["scores"]["selected"] for line in lines] == [3, 4, 1]
    result = CliRunner().invoke(
        main,
        [
            "evaluate",
            str(POLICY),
            "--entity",
            "trainee",
            "--input",
            str(EXAMPLES / "trainees.csv"),
            "--as-of",
            "2021-12-31",
        ],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    sanctioned = [json.loads(line)["id"] for line in result.stdout.splitlines() if json.loads(line)["sanctions"]]
    assert sanctioned == ["HN0005", "HN0006", "HN0007"]


def test_validate_cli():
    result = CliRunner().invoke(main, ["validate", str(POLICY)], catch_exceptions=False)
    assert result.exit_code == 0 and "ok" in result.output
