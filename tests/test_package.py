"""kaohe outside its repository: policies found by name (shipped or from other packages'
entry points), a missing policy told apart from an invalid one, and a built wheel that works
from another folder under the import name ``kaohe`` (nothing named ``engine`` or ``cli``)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

import engine
from cli import EXIT_INPUT, EXIT_POLICY, main

from .conftest import POLICIES

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("reference", ["jiangxi", "jiangxi.yaml", "jiangxi-jiaoxuetong-2019"])
def test_a_shipped_policy_is_found_by_short_name_file_name_or_id(tmp_path, monkeypatch, reference):
    monkeypatch.chdir(tmp_path)
    assert engine.load_policy(reference).spec.id == "jiangxi-jiaoxuetong-2019"


def test_a_path_wins_over_an_installed_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    text = (POLICIES / "national.yaml").read_text(encoding="utf-8").replace("id: national-2019", "id: local-copy")
    (tmp_path / "jiangxi.yaml").write_text(text, encoding="utf-8")
    assert engine.load_policy("jiangxi.yaml").spec.id == "local-copy"
    assert engine.load_policy("jiangxi").spec.id == "jiangxi-jiaoxuetong-2019"


def test_extends_names_an_installed_policy(tmp_path):
    child = tmp_path / "county.yaml"
    text = (POLICIES / "guangxi.yaml").read_text(encoding="utf-8")
    assert "\nextends: national.yaml\n" in text
    child.write_text(text.replace("\nextends: national.yaml\n", "\nextends: national\n"), encoding="utf-8")
    spec = engine.load_policy(child).spec
    assert spec.layers[0] == "national-2019" and spec.layers[-1] == engine.load_policy("guangxi").spec.id
    child.write_text(text.replace("\nextends: national.yaml\n", "\nextends: nowhere\n"), encoding="utf-8")
    with pytest.raises(engine.PolicyError) as caught:
        engine.load_policy(child)
    assert caught.value.diagnostics[0].code == "extends.missing"


def test_a_missing_policy_is_not_an_invalid_policy(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(engine.PolicyNotFound) as caught:
        engine.load_policy("hunan")
    assert caught.value.diagnostics[0].code == "policy.not-found"
    assert "jiangxi" in caught.value.diagnostics[0].hint
    (tmp_path / "in.jsonl").write_text("{}\n", encoding="utf-8")
    run = CliRunner().invoke(main, ["evaluate", "hunan.yaml", "-e", "teacher", "-i", "in.jsonl", "--lang", "en"])
    assert run.exit_code == EXIT_INPUT != EXIT_POLICY
    assert "policy.not-found" in run.output and "invalid" not in run.output


def test_policies_lists_what_is_installed_with_titles_and_versions():
    run = CliRunner().invoke(main, ["policies", "--format", "json"])
    assert run.exit_code == 0, run.output
    rows = {row["name"]: row for row in json.loads(run.output)}
    assert set(rows) >= {"national", "jiangxi", "henan", "jiangsu", "guangxi"}
    assert rows["jiangxi"]["id"] == "jiangxi-jiaoxuetong-2019" and rows["jiangxi"]["version"] == "1.0.0"
    assert rows["national"]["title"].startswith("中小学教师信息技术应用能力提升工程2.0")
    text = CliRunner().invoke(main, ["policies"]).output
    assert "national-2019" in text and "1.0.0" in text


def test_another_package_adds_policies_through_the_entry_point_group(tmp_path, monkeypatch):
    package = tmp_path / "kaohe_county"
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    text = (POLICIES / "national.yaml").read_text(encoding="utf-8").replace("id: national-2019", "id: county-2024")
    (package / "county.yaml").write_text(text, encoding="utf-8")
    info = tmp_path / "kaohe_county-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: kaohe-county\nVersion: 1.0\n", encoding="utf-8")
    (info / "entry_points.txt").write_text("[kaohe.policies]\ncounty = kaohe_county\n", encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    listed = {p.name: p for p in engine.installed_policies()}
    assert listed["county"].source == "kaohe-county" and listed["county"].id == "county-2024"
    assert engine.load_policy("county-2024").spec.id == "county-2024"


def _site_packages() -> str:
    return sysconfig.get_paths()["purelib"]


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git for a clean copy")
def test_the_wheel_works_outside_the_repository(tmp_path):
    """Build the wheel, install it into a new virtual environment (dependencies from this
    one's site-packages), and run kaohe from a folder that is not the repository."""
    wheels = tmp_path / "wheels"
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(wheels), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if built.returncode != 0 and "bdist_wheel" in built.stderr + built.stdout:
        pytest.skip("this environment's setuptools cannot build wheels without build isolation")
    assert built.returncode == 0, built.stderr
    wheel = next(wheels.glob("kaohe-*.whl"))
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], capture_output=True, text=True
    ).stdout.strip()
    # the dependencies come from this environment, after the wheel's own files
    Path(purelib, "zz_deps.pth").write_text(_site_packages() + "\n", encoding="utf-8")
    subprocess.run(
        # --ignore-installed: the kaohe of this environment is visible through zz_deps.pth and
        # must not count as already installed in the new one
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-index",
            "--no-deps",
            "--ignore-installed",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert not Path(purelib, "engine").exists() and not Path(purelib, "cli.py").exists()
    work = tmp_path / "elsewhere"
    work.mkdir()
    kaohe = str(env_dir / "bin" / "kaohe")
    clean = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "KAOHE_LANG")}

    def run(*args):
        return subprocess.run(args, cwd=work, capture_output=True, text=True, env=clean, timeout=120)

    listed = run(kaohe, "policies")
    assert listed.returncode == 0 and "jiangxi-jiaoxuetong-2019" in listed.stdout, listed.stderr
    sheet = tmp_path / "sheet.xlsx"
    book = openpyxl.load_workbook(ROOT / "examples" / "jiangxi" / "teachers.xlsx")
    book.active.insert_cols(2)
    book.active.cell(1, 2, "姓名")
    book.active.cell(2, 2, "张三")
    book.save(sheet)
    evaluated = run(
        kaohe, "evaluate", "jiangxi", "-e", "teacher", "-i", str(sheet), "-o", "out.xlsx", "--as-of", "2020-01-10"
    )
    assert evaluated.returncode == 0, evaluated.stderr
    rows = list(openpyxl.load_workbook(work / "out.xlsx").active.iter_rows(values_only=True))
    assert rows[0][:3] == ("编号", "姓名", "等级") and rows[1][:2] == ("JX001", "张三")
    made = run(kaohe, "new", "--id", "x-1", "--region", "某地", "--title", "细则", "--source-title", "通知",
               "--date", "2023-01-01", "--base", "national", "--dir", "county")  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert run(kaohe, "test", "county/x-1.tests.yaml").returncode == 0
    assert sorted(p.name for p in work.iterdir()) == ["county", "out.xlsx"]
    snippet = (
        "import sys, kaohe; p = kaohe.load_policy('jiangxi'); "
        "assert 'engine' not in sys.modules and 'cli' not in sys.modules; "
        "assert kaohe.__file__.startswith(sys.prefix); print(p.spec.id)"
    )
    loaded = run(str(python), "-c", snippet)
    assert loaded.returncode == 0 and loaded.stdout.strip() == "jiangxi-jiaoxuetong-2019", loaded.stderr
    # a user's own modules named engine and cli do not clash with kaohe's
    (work / "engine.py").write_text("MINE = 1\n", encoding="utf-8")
    (work / "cli.py").write_text("MINE = 2\n", encoding="utf-8")
    mine = run(
        str(python),
        "-c",
        "import engine, cli, kaohe; print(engine.MINE + cli.MINE, kaohe.load_policy('national').spec.id)",
    )
    assert mine.stdout.split() == ["3", "national-2019"], mine.stderr
