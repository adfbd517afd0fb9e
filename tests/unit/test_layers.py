"""Policies that extend other policies: merging, layers in results, refused overrides."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

import engine
from engine.base.errors import PolicyError

from ..conftest import POLICIES

DAY = dt.date(2021, 6, 1)
HEAD = """kaohe: 1
id: county-x
version: "1"
title: 某县细则
region: 某县
source: {title: 某县细则, date: 2021-01-01}
effective: {from: 2021-01-01}
extends: national.yaml
"""


def child(tmp_path, body: str):
    shutil.copy(POLICIES / "national.yaml", tmp_path / "national.yaml")
    path = tmp_path / "county.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def test_guangxi_extends_the_national_base_and_results_name_the_layer():
    guangxi = engine.load_policy(POLICIES / "guangxi.yaml")
    assert guangxi.spec.layers == ("national-2019", "guangxi-ziyuan-2020")
    result = guangxi.evaluate(
        {"id": "T", "online_hours": 25, "offline_hours": 24, "outcomes_uploaded": 2}, "teacher", as_of=DAY, trace=True
    )
    data = result.to_dict(trace=True)
    by_name = {s.get("name"): s for s in data["trace"] if s["step"] in ("value", "tier")}
    assert by_name["total_hours"]["layer"] == "national-2019"  # inherited
    assert by_name["hours_ok"]["layer"] == "guangxi-ziyuan-2020"  # overridden with GX-1
    assert by_name["offline_ok"]["layer"] == "guangxi-ziyuan-2020"  # added
    layers = {s["code"]: s["layer"] for s in data["sanctions"]}
    assert layers == {"hours_short": "guangxi-ziyuan-2020", "offline_hours_short": "guangxi-ziyuan-2020"}
    assert "NAT-1" in guangxi.spec.rules and "GX-1" in guangxi.spec.rules


def test_override_of_an_element_that_does_not_exist_is_refused(tmp_path):
    path = child(
        tmp_path,
        "rules:\n  X-1: {ref: 一, clause: 条文}\nchanges:\n"
        "  - override: entities/teacher/values/hours_okk\n    with: {rule: X-1}\n",
    )
    with pytest.raises(PolicyError) as info:
        engine.load_policy(path)
    diagnostic = info.value.first
    assert diagnostic.code == "extends.not-found"
    assert "did you mean 'hours_ok'" in diagnostic.hint
    assert diagnostic.location.file == str(path) and diagnostic.location.line == 12


def test_an_override_that_changes_nothing_is_a_warning(tmp_path):
    path = child(tmp_path, "changes:\n  - override: entities/teacher/values/hours_ok\n    with: {rule: NAT-1}\n")
    spec = engine.load_policy(path).spec
    assert [w.code for w in spec.warnings] == ["extends.no-change"]


def test_remove_and_add(tmp_path):
    path = child(
        tmp_path,
        "rules:\n  X-1: {ref: 一, clause: 每人至少60学时}\nchanges:\n"
        "  - remove: entities/teacher/consequences/points-mismatch\n"
        "  - override: entities/teacher/values/hours_ok\n"
        "    with: {rule: X-1, expr: total_hours >= 60 and practice_share >= 0.5}\n",
    )
    policy = engine.load_policy(path)
    ids = [c.id for c in policy.spec.entities["teacher"].consequences]
    assert ids == ["hours-short"]
    assert policy.evaluate({"id": "t", "online_hours": 25, "offline_hours": 30}, "teacher", as_of=DAY).grade == "fail"
    assert policy.evaluate({"id": "t", "online_hours": 30, "offline_hours": 30}, "teacher", as_of=DAY).grade == "pass"


def test_an_error_in_an_override_points_at_the_child_file(tmp_path):
    path = child(
        tmp_path, "changes:\n  - override: entities/teacher/values/hours_ok\n    with: {expr: total_hour >= 60}\n"
    )
    with pytest.raises(PolicyError) as info:
        engine.load_policy(path)
    diagnostic = info.value.first
    assert diagnostic.code == "expr.unknown-name" and diagnostic.location.file == str(path)
    assert diagnostic.location.line == 11


def test_a_collision_with_the_base_is_refused(tmp_path):
    path = child(tmp_path, "rules:\n  NAT-1: {ref: 一, clause: 另一条}\n")
    with pytest.raises(PolicyError) as info:
        engine.load_policy(path)
    assert info.value.first.code == "extends.collision"


def test_extends_cycles_are_refused(tmp_path):
    (tmp_path / "a.yaml").write_text(HEAD.replace("national.yaml", "b.yaml").replace("county-x", "a"), encoding="utf-8")
    (tmp_path / "b.yaml").write_text(HEAD.replace("national.yaml", "a.yaml").replace("county-x", "b"), encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        engine.load_policy(tmp_path / "a.yaml")
    assert info.value.first.code == "extends.cycle"
