"""In Chinese, every tool command speaks Chinese, on a shipped example and on a broken input.

Each run below is a command an officer types (validate, lint, check, test, fmt --check, new,
report, diff, explain, prove, policies, schema), once on something that works and once on
something broken; what it prints (stdout and stderr) may hold no English word except codes,
ids, file names, option names and the names in ``tests/test_language.py``'s allow-list.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

import engine
from cli import main

from .conftest import POLICIES, ROOT
from .test_language import _english_words

JX = str(POLICIES / "jiangxi.yaml")
TEACHERS = str(ROOT / "examples" / "jiangxi" / "teachers.csv")
DAY = "2020-06-30"
RECORD = {"id": "T1", "gender": "F", "age": 35, "daily_usage": [4] * 150, "class_hours": 600, "lesson_scores": [60] * 6}


def _copy(tmp_path: Path, replace: tuple[str, str] | None = None, name: str = "jiangxi.yaml") -> str:
    """The shipped Jiangxi policy (and its base) in ``tmp_path``, with one text replaced."""
    for base in POLICIES.glob("*.yaml"):
        if not base.name.endswith(".tests.yaml"):
            shutil.copy(base, tmp_path / base.name)
    target = tmp_path / name
    text = (POLICIES / "jiangxi.yaml").read_text(encoding="utf-8")
    if replace is not None:
        assert text.count(replace[0]) == 1, replace[0]
        text = text.replace(*replace)
    target.write_text(text, encoding="utf-8")
    return str(target)


def _reversed(tmp_path: Path, entity: str = "teacher") -> str:
    """Jiangxi with a promise that does not hold: more lesson points (a higher school score)
    never make a grade better."""
    name = "lesson_scores" if entity == "teacher" else "score"
    return _copy(
        tmp_path,
        (f"input: {name}, direction: increasing", f"input: {name}, direction: decreasing"),
        "reversed.yaml",
    )


def _broken(tmp_path: Path) -> str:
    """Jiangxi with a key the schema does not know."""
    return _copy(tmp_path, ("\nproperties:\n", "\ncolour: blue\nproperties:\n"), "broken.yaml")


def _wrong_cases(tmp_path: Path) -> str:
    """Jiangxi's case file with one expectation made wrong."""
    _copy(tmp_path)
    text = (POLICIES / "jiangxi.tests.yaml").read_text(encoding="utf-8")
    path = tmp_path / "wrong.tests.yaml"
    path.write_text(text.replace("grade: excellent", "grade: fail", 1), encoding="utf-8")
    return str(path)


def _unformatted(tmp_path: Path) -> str:
    path = tmp_path / "messy.yaml"
    text = (POLICIES / "national.yaml").read_text(encoding="utf-8")
    path.write_text(
        text.replace('id: national-2019\nversion: "1.0.0"', 'version: "1.0.0"\nid: national-2019'), encoding="utf-8"
    )
    return str(path)


def _not_utf8(tmp_path: Path) -> str:
    path = tmp_path / "gbk.yaml"
    path.write_bytes("kaohe: 1\ntitle: 考核\n".encode("gbk"))
    return str(path)


def _taken(tmp_path: Path) -> str:
    """A folder where the report's rosters would go that kaohe did not write."""
    (tmp_path / "r-rosters").mkdir()
    return str(tmp_path / "r.html")


def _diff_input(tmp_path: Path) -> list[str]:
    changed = _copy(tmp_path, ('"[0.80, inf)", value: 30', '"[0.80, inf)", value: 29'), "changed.yaml")
    return ["diff", JX, changed, "-e", "teacher", "-i", TEACHERS, "--as-of", DAY]


RUNS = {
    # command: (a run on something that works, a run on something broken), each a function of tmp_path
    "validate": (lambda t: ["validate", JX], lambda t: ["validate", _broken(t)]),
    "lint": (lambda t: ["lint", JX], lambda t: ["lint", _broken(t)]),
    "check": (
        lambda t: ["check", JX, "--examples", "20", "--entity", "school"],
        lambda t: ["check", _reversed(t, "school"), "--examples", "30", "--entity", "school"],
    ),
    "test": (
        lambda t: ["test", str(POLICIES / "jiangxi.tests.yaml"), "--coverage"],
        lambda t: ["test", _wrong_cases(t), "--coverage", "--min-coverage", "100"],
    ),
    "fmt": (lambda t: ["fmt", _unformatted(t)], lambda t: ["fmt", "--check", _unformatted(t), _not_utf8(t)]),
    "new": (
        lambda t: [
            "new",
            "--id",
            "zhejiang-xx-2023",
            "--region",
            "浙江",
            "--title",
            "考核",
            "--source",
            "通知",
            "--date",
            "2023-01-01",
            "--base",
            "national",
            "--dir",
            str(t / "p"),
        ],
        lambda t: (
            ["new", "--id", "Bad Id", "--region", "浙江", "--title", "考核", "--source", "通知"]
            + ["--date", "2023-01-01", "--dir", str(t / "p")]
        ),
    ),
    "new-base": (
        lambda t: (
            ["new", "--id", "a-b", "--region", "浙江", "--title", "考核", "--source", "通知"]
            + ["--date", "2023-01-01", "--dir", str(t / "q")]
        ),
        lambda t: (
            ["new", "--id", "a-b", "--region", "浙江", "--title", "考核", "--source", "通知"]
            + ["--date", "2023-01-01", "--base", "nosuch", "--dir", str(t / "q")]
        ),
    ),
    "report": (
        lambda t: (
            ["report", JX, "-e", "teacher", "-i", TEACHERS, "-o", str(t / "r.html"), "--as-of", DAY]
            + ["--group-by", "school"]
        ),
        lambda t: (
            ["report", JX, "-e", "teacher", "-i", TEACHERS, "-o", _taken(t), "--as-of", DAY] + ["--rosters", "split"]
        ),
    ),
    "report-pdf": (
        lambda t: ["report", JX, "-e", "teacher", "-i", TEACHERS, "-o", str(t / "r.html"), "--as-of", DAY],
        lambda t: ["report", JX, "-e", "teacher", "-i", TEACHERS, "-o", str(t / "r.pdf"), "--as-of", DAY],
    ),
    "diff": (_diff_input, lambda t: ["diff", JX, JX, "-e", "teacher", "-i", str(t / "missing.csv")]),
    "explain": (
        lambda t: ["explain", JX, "-e", "teacher", "-r", json.dumps(RECORD), "--as-of", DAY],
        lambda t: ["explain", JX, "-e", "teacher", "-r", json.dumps({**RECORD, "age": "abc"}), "--as-of", DAY],
    ),
    "prove": (lambda t: ["prove", JX, "-e", "school"], lambda t: ["prove", _reversed(t), "-e", "teacher"]),
    "policies": (lambda t: ["policies"], lambda t: ["policies", "--format", "yaml"]),
    "schema": (lambda t: ["schema", str(t / "s")], lambda t: ["schema", _not_a_folder(t)]),
}


def _not_a_folder(tmp_path: Path) -> str:
    (tmp_path / "plain").write_text("a file, not a folder", encoding="utf-8")
    return str(tmp_path / "plain" / "inside")


def _policy_words() -> set[str]:
    """Names a policy itself is written in: its values, grade levels, consequences and the
    words of its expressions (an explanation shows them as the policy gives them), and the
    kinds of check ``kaohe prove`` names (``reachable``, ``avoidable``: its JSON's ``check``)."""
    words = {"not", "and", "or", "if", "else", "in", "is", "reachable", "avoidable", "property", "tiers"}
    for path in POLICIES.glob("*.yaml"):
        if path.name.endswith(".tests.yaml"):
            continue
        for entity in engine.load_policy(path).spec.entities.values():
            words |= set(entity.values) | {c.id for c in entity.consequences}
            if entity.grade is not None:
                words |= {level.code for level in entity.grade.levels}
                words |= {getattr(entity.grade.otherwise, "code", "")}
    return {part for word in words for part in re.findall(r"[A-Za-z_]+", word)} | words


def _leaks(text: str) -> list[str]:
    allowed = _policy_words()
    return [word for word in _english_words(text) if word not in allowed]


def _run(args: list[str]) -> str:
    result = CliRunner().invoke(
        main, args, env={"KAOHE_LANG": "zh", "KAOHE_BROWSER": "no-such-browser-for-kaohe"}, prog_name="kaohe"
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result.output  # stdout and stderr, as a terminal shows them


@pytest.mark.parametrize("which", [0, 1], ids=["works", "broken"])
@pytest.mark.parametrize("command", list(RUNS))
def test_each_tool_speaks_chinese(tmp_path, command, which):
    if command in ("check",) and which == 0:
        pytest.importorskip("hypothesis")
    if command == "prove":
        pytest.importorskip("z3")
    args = RUNS[command][which](tmp_path)
    text = _run(args)
    assert text.strip(), args
    assert _leaks(text) == [], (args, text)
