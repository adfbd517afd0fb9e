"""``kaohe new``: the skeleton of a new region's policy, its test cases and an example input.

Everything written validates and its cases pass at once; the officer then adapts the rules
to the document, clause by clause.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import re
from pathlib import Path

from ..base.errors import Diagnostic, KaoheError, Location
from ..io.text import output_error
from ..language.registry import PolicyNotFound, find_policy
from ..language.schema import schema_path

__all__ = ["new_policy", "policy_schema_text", "write_schema"]

SCHEMA_NAME = "policy.schema.json"


def policy_schema_text() -> str:
    """The JSON schema of a policy file, as installed with kaohe."""
    return schema_path(SCHEMA_NAME).read_text(encoding="utf-8")


def write_schema(beside: str | Path) -> Path:
    """Write ``policy.schema.json`` into a folder, or beside a policy file; return its path."""
    place = Path(beside)
    folder = place if place.is_dir() or not place.suffix else place.parent
    target = folder / SCHEMA_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target.write_text(policy_schema_text(), encoding="utf-8")
    except OSError as exc:  # a file where the folder should be, a read-only disk: the user's to fix
        raise output_error(exc, target) from None
    return target


def _schema_for(folder: Path) -> str:
    """The $schema an editor should read for a policy in ``folder``: the repository's
    ``../schemas/`` when there is one, else a copy written into the folder itself."""
    if (folder / ".." / "schemas" / SCHEMA_NAME).is_file():
        return f"../schemas/{SCHEMA_NAME}"
    if not (folder / SCHEMA_NAME).is_file():
        write_schema(folder)
    return SCHEMA_NAME


_ID = re.compile(r"^[a-z][a-z0-9_-]*$")


def _q(text: str) -> str:
    """A YAML double-quoted string."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _policy_text(pid, prefix, region, title, source_title, number, day, base_rel, schema_rel) -> str:
    head = f"""# yaml-language-server: $schema={schema_rel}
#
# {region} · {title}
# Skeleton written by `kaohe new`. Replace each clause with the document's own words, one rule
# per clause, and keep the rule IDs ({prefix}-1, {prefix}-2, ...) in step with the document.
kaohe: 1
id: {pid}
version: "0.1.0"
language: zh
title:
  zh: {_q(title)}
region:
  zh: {_q(region)}
source:
  title: {_q(source_title)}
  number: {_q(number) if number else "null"}
  date: {day.isoformat()}
effective:
  from: {day.isoformat()}
"""
    if base_rel:
        return (
            head
            + f"""
# This policy builds on {base_rel}: it keeps the base's rules and changes only what the
# document changes. Paths name elements: entities/teacher/values/NAME,
# entities/teacher/consequences/ID, entities/teacher/grade/levels/CODE, rules/ID.
extends: {base_rel}
changes:
  - add: entities/teacher/values/online_ok
    with:
      rule: {prefix}-1
      label: {{zh: 线上学时达标}}
      expr: online_hours >= 25
  - override: entities/teacher/grade/levels/pass
    with:
      rule: {prefix}-1
      when: hours_ok and online_ok

rules:
  {prefix}-1:
    ref: 待填（条款位置，如 四(二)1）
    clause: 待填：在此粘贴文件原文，例如「线上学习不少于25学时」。
    note: 「不少于」含本数。
"""
        )
    return (
        head
        + f"""
rules:
  {prefix}-1:
    ref: 待填（条款位置，如 四(二)1）
    clause: 待填：在此粘贴文件原文，例如「每位教师培训不少于50学时，其中实践应用学时不少于50%」。
    note: 「不少于」含本数。

entities:
  teacher:
    label: {{zh: 教师, en: Teacher}}
    inputs:
      id: {{type: string, label: {{zh: 工号}}, required: true}}
      online_hours: {{type: number, range: "[0, inf)", unit: 学时, label: {{zh: 线上学时}}, required: true}}
      offline_hours: {{type: number, range: "[0, inf)", unit: 学时, label: {{zh: 线下实践学时}}, required: true}}
    values:
      total_hours:
        rule: {prefix}-1
        label: {{zh: 总学时}}
        expr: online_hours + offline_hours
        report: true
      hours_ok:
        rule: {prefix}-1
        label: {{zh: 学时达标}}
        expr: total_hours >= 50 and offline_hours * 2 >= total_hours
    grade:
      rule: {prefix}-1
      levels:
        - code: pass
          label: {{zh: 合格, en: Pass}}
          rank: 1
          when: hours_ok
      otherwise:
        code: fail
        label: {{zh: 不合格, en: Fail}}
        rank: 0
    consequences:
      - id: hours-short
        rule: {prefix}-1
        when: not hours_ok
        obligation:
          code: hours_short
          label: {{zh: 学时不足，须补足}}
"""
    )


def _cases_text(pid, prefix, day, based) -> str:
    on = (day + dt.timedelta(days=30)).isoformat()
    base_cases = ""
    if based:
        base_cases = f"""- name: 线上24.9学时不足25，不合格
  rule: {prefix}-1
  entity: teacher
  as_of: '{on}'
  record: {{id: T3, online_hours: '24.9', offline_hours: 30}}
  expect: {{grade: fail}}
"""
    return f"""# Test cases for {pid}.yaml: run with `kaohe test policies/{pid}.tests.yaml --coverage`.
# Add a case at every bound of every rule (以上/以下 include the number, 低于/超过 exclude it).
policy: {pid}.yaml
cases:
- name: 25+25学时，恰好达标
  rule: {prefix}-1
  entity: teacher
  as_of: '{on}'
  record: {{id: T1, online_hours: 25, offline_hours: 25}}
  expect: {{grade: pass, sanctions: []}}
- name: 总学时49.9，不合格须补足
  rule: {prefix}-1
  entity: teacher
  as_of: '{on}'
  record: {{id: T2, online_hours: 25, offline_hours: '24.9'}}
  expect: {{grade: fail, sanctions: [hours_short]}}
{base_cases}"""


def new_policy(
    directory: str | Path,
    pid: str,
    region: str,
    title: str,
    source_title: str,
    date: dt.date,
    number: str | None = None,
    base: str | None = None,
    examples_dir: str | Path | None = None,
    force: bool = False,
) -> list[Path]:
    """Write ``<pid>.yaml``, ``<pid>.tests.yaml`` and an example CSV; return the paths written."""
    if not _ID.match(pid):
        raise KaoheError(Diagnostic.of("new.id", pid=pid))
    folder = Path(directory)
    policy_path = folder / f"{pid}.yaml"
    cases_path = folder / f"{pid}.tests.yaml"
    example_dir = Path(examples_dir) if examples_dir else folder / "examples" / pid
    example_path = example_dir / "teachers.csv"
    existing = [p for p in (policy_path, cases_path, example_path) if p.exists()]
    if existing and not force:
        raise KaoheError(Diagnostic.of("new.exists", Location(str(existing[0])), path=existing[0]))
    base_rel = None
    if base:
        # a path, a file in the folder, or an installed policy (kept by name: `extends: national`)
        local = next((c for c in (Path(base), folder / base, folder / f"{base}.yaml") if c.is_file()), None)
        if local is not None:
            base_rel = os.path.relpath(local.resolve(), folder.resolve())
        else:
            try:
                base_rel = find_policy(base).stem
            except PolicyNotFound as missing:
                installed = missing.diagnostics[0].params.get("installed", "")
                raise KaoheError(Diagnostic.of("new.base", base=base, folder=folder, installed=installed)) from None
    prefix = re.sub(r"[^A-Z0-9]", "", pid.split("-")[0].upper())[:4] or "R"
    folder.mkdir(parents=True, exist_ok=True)
    example_dir.mkdir(parents=True, exist_ok=True)
    schema_rel = _schema_for(folder)
    policy_path.write_text(
        _policy_text(pid, prefix, region, title, source_title, number, date, base_rel, schema_rel), encoding="utf-8"
    )
    cases_path.write_text(_cases_text(pid, prefix, date, bool(base_rel)), encoding="utf-8")
    with open(example_path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["工号", "线上学时", "线下实践学时"])
        writer.writerows([["T001", 25, 25], ["T002", 30, 20], ["T003", "24.9", 30]])
    return [policy_path, cases_path, example_path]
