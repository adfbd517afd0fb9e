"""kaohe new: the skeleton validates, its cases pass and its example evaluates at once."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from cli import main

from .conftest import POLICIES


@pytest.mark.parametrize("base", ["", "national.yaml"])
def test_new_policy_validates_and_its_cases_pass(tmp_path, monkeypatch, base):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "policies").mkdir()
    shutil.copy(POLICIES / "national.yaml", tmp_path / "policies" / "national.yaml")
    runner = CliRunner()
    args = [
        "new",
        "--id",
        "zhejiang-xx-2023",
        "--region",
        "浙江省某县",
        "--title",
        "考核细则",
        "--source-title",
        "关于印发实施方案的通知",
        "--date",
        "2023-02-01",
    ]
    if base:
        args += ["--base", base]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    policy = "policies/zhejiang-xx-2023.yaml"
    assert runner.invoke(main, ["validate", policy, "policies/zhejiang-xx-2023.tests.yaml"]).exit_code == 0
    tested = runner.invoke(main, ["test", "policies/zhejiang-xx-2023.tests.yaml"])
    assert tested.exit_code == 0 and "0 failed" in tested.output
    evaluated = runner.invoke(
        main,
        [
            "evaluate",
            policy,
            "-e",
            "teacher",
            "-i",
            "policies/examples/zhejiang-xx-2023/teachers.csv",
            "--as-of",
            "2023-06-01",
        ],
    )
    assert evaluated.exit_code == 0
    grades = [json.loads(line)["grade"]["code"] for line in evaluated.stdout.splitlines()]
    # T003 has 24.9 online hours: enough for the standalone skeleton's 50-hour rule, not for
    # the extending skeleton's added rule of at least 25 online hours
    assert grades == (["pass", "fail", "fail"] if base else ["pass", "fail", "pass"])
    if base:
        assert "built on national-2019" in runner.invoke(main, ["validate", policy]).output


def test_new_refuses_to_overwrite_and_bad_ids(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    args = [
        "new",
        "--id",
        "x-1",
        "--region",
        "某地",
        "--title",
        "细则",
        "--source-title",
        "通知",
        "--date",
        "2023-01-01",
    ]
    assert runner.invoke(main, args).exit_code == 0
    again = runner.invoke(main, args)
    assert again.exit_code == 2 and "already exists" in again.output
    bad = runner.invoke(main, ["new", "--id", "Bad Id", *args[3:]])
    assert bad.exit_code == 2 and "not a valid policy id" in bad.output


def test_new_asks_when_options_are_missing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["new"], input="anhui-x\n安徽某县\n细则\n通知\n2022-01-01\n")
    assert result.exit_code == 0 and (tmp_path / "policies" / "anhui-x.yaml").exists()


def test_new_base_by_name_from_an_empty_folder_writes_only_inside_dir(tmp_path, monkeypatch):
    """`--base national` finds the installed policy; every file lands inside --dir; the
    editor schema the skeleton names exists."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    args = [
        "new",
        "--id",
        "x-1",
        "--region",
        "某地",
        "--title",
        "细则",
        "--source-title",
        "通知",
        "--date",
        "2023-01-01",
    ]
    made = runner.invoke(main, [*args, "--base", "national", "--dir", "county"])
    assert made.exit_code == 0, made.output
    written = sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file())
    assert all(name.startswith("county/") for name in written), written
    policy = (tmp_path / "county" / "x-1.yaml").read_text(encoding="utf-8")
    assert "\nextends: national\n" in policy
    schema = policy.splitlines()[0].split("$schema=")[1]
    assert (tmp_path / "county" / schema).is_file()
    assert runner.invoke(main, ["validate", "county/x-1.yaml"]).exit_code == 0
    tested = runner.invoke(main, ["test", "county/x-1.tests.yaml"])
    assert tested.exit_code == 0 and "0 failed" in tested.output
    missing = runner.invoke(main, [*args[:2], "x-2", *args[3:], "--base", "nowhere", "--dir", "county"])
    assert missing.exit_code == 2 and "nowhere" in missing.output and "national" in missing.output


def test_schema_prints_or_writes_beside_a_policy(tmp_path):
    runner = CliRunner()
    printed = runner.invoke(main, ["schema"])
    assert printed.exit_code == 0 and json.loads(printed.output)["$schema"].startswith("https://json-schema.org/")
    (tmp_path / "p.yaml").write_text("kaohe: 1\n", encoding="utf-8")
    wrote = runner.invoke(main, ["schema", str(tmp_path / "p.yaml")])
    assert wrote.exit_code == 0
    assert json.loads((tmp_path / "policy.schema.json").read_text(encoding="utf-8")) == json.loads(printed.output)
