"""Groups judged from members account for every member record (issue 12, item 3)."""

import datetime as dt
from pathlib import Path

import pytest

import engine

POLICIES = Path(__file__).resolve().parent.parent / "policies"
DAY = dt.date(2022, 10, 31)
GROUP_MEMBERS = "    members: {entity: teacher, by: [school, group]}\n"


def jiangsu_with(tmp_path, members_line, old=GROUP_MEMBERS):
    text = (POLICIES / "jiangsu.yaml").read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "jiangsu.yaml"
    path.write_text(text.replace(old, members_line), encoding="utf-8")
    return engine.load_policy(path)


def teacher(i, **extra):
    return {"id": f"T{i}", "group": "语文组", "online_hours": 25, "offline_hours": 25, **extra}


# 10 members: 3 excellent videos (30%, pass) and one record rejected (online_hours negative)
MEMBERS = [teacher(1, excellent_video=True, group_video_minutes=10, group_video_faces=True)]
MEMBERS += [teacher(i, excellent_video=True) for i in (2, 3)]
MEMBERS += [teacher(i) for i in range(4, 10)]
MEMBERS += [teacher(10, online_hours="-1")]


def only_group(policy, members):
    groups = list(policy.evaluate_members(members, "group", as_of=DAY, trace=True))
    assert len(groups) == 1
    return groups[0]


def test_default_refuses_the_group_naming_the_member():
    policy = engine.load_policy(POLICIES / "jiangsu.yaml")
    group, members = only_group(policy, MEMBERS)
    assert not group.ok
    assert group.error.first.code == "record.members-rejected"
    assert "T10" in group.error.first.message
    assert group.members == {"used": 9, "rejected": 1, "rejected_ids": ["T10"], "rejected_rule": "refuse"}
    assert len(members) == 10  # every member still yields its own result or failure
    assert group.to_dict()["members"]["rejected_ids"] == ["T10"]


def test_fail_counts_the_rejected_member_as_a_member_meeting_no_condition(tmp_path):
    policy = jiangsu_with(tmp_path, "    members: {entity: teacher, by: [school, group], rejected: fail}\n")
    group, _ = only_group(policy, MEMBERS)
    assert group.ok
    assert group.value("members") == 10 and group.value("excellent_videos") == 3
    assert group.grade == "pass"  # 3 of 10 is 30%
    assert group.members == {"used": 9, "rejected": 1, "rejected_ids": ["T10"], "rejected_rule": "fail"}
    assert group.to_dict()["members"]["rejected_rule"] == "fail"


def test_fail_can_turn_a_pass_into_a_fail(tmp_path):
    policy = jiangsu_with(tmp_path, "    members: {entity: teacher, by: [school, group], rejected: fail}\n")
    rejected = [teacher(i, offline_hours="x") for i in (11, 12)]
    group, _ = only_group(policy, MEMBERS[:-1] + rejected)  # 9 good + 2 rejected = 11 members, 3 < 3.3
    assert group.value("members") == 11
    assert group.grade == "fail"


def test_exclude_leaves_the_rejected_member_out_and_says_so(tmp_path):
    policy = jiangsu_with(tmp_path, "    members: {entity: teacher, by: [school, group], rejected: exclude}\n")
    group, _ = only_group(policy, MEMBERS)
    assert group.ok
    assert group.value("members") == 9
    assert group.members["rejected_rule"] == "exclude" and group.members["rejected"] == 1


def test_no_rejected_member_still_reports_the_accounting():
    policy = engine.load_policy(POLICIES / "jiangsu.yaml")
    group, _ = only_group(policy, MEMBERS[:-1])
    assert group.ok and group.members == {"used": 9, "rejected": 0, "rejected_ids": [], "rejected_rule": "refuse"}


def test_fail_with_an_aggregate_that_cannot_fail_is_a_located_error(tmp_path):
    with pytest.raises(engine.PolicyError) as caught:
        jiangsu_with(
            tmp_path,
            "    members: {entity: teacher, by: school, rejected: fail}\n",
            old="    members: {entity: teacher, by: school}\n",
        )
    codes = [(d.code, d.location.line) for d in caught.value.diagnostics]
    assert codes and all(code == "members.rejected" for code, _ in codes)
    assert all(line for _, line in codes)


def test_groups_of_the_same_name_in_two_schools_are_two_groups():
    policy = engine.load_policy(POLICIES / "jiangsu.yaml")
    members = [teacher(1, school="甲校"), teacher(2, school="乙校"), teacher(3, school="甲校")]
    groups = {g.id: g for g, _ in policy.evaluate_members(members, "group", as_of=DAY, trace=True)}
    assert set(groups) == {"甲校 / 语文组", "乙校 / 语文组"}
    assert groups["甲校 / 语文组"].value("members") == 2
    assert groups["乙校 / 语文组"].value("members") == 1


def test_unknown_field_in_a_by_list_is_located(tmp_path):
    with pytest.raises(engine.PolicyError) as caught:
        jiangsu_with(tmp_path, "    members: {entity: teacher, by: [school, gruop]}\n")
    first = caught.value.diagnostics[0]
    assert first.code == "members.by" and "gruop" in first.message and "group" in (first.hint or "")
