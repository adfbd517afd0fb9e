"""In Chinese, kaohe's command line speaks Chinese: every --help, click's own usage errors and
kaohe's own lines. English words are allowed only where they are codes, paths, numbers,
option names, metavars, or words of the policy schema."""

from __future__ import annotations

import gettext
import re
import shutil
import subprocess

import click
import pytest
from click.testing import CliRunner

import engine
from cli import main
from engine.base.messages import LOCALE

from .conftest import POLICIES, ROOT
from .unit.test_messages import _NAMES, _schema_words

PO = LOCALE / "zh" / "LC_MESSAGES" / "kaohe.po"
MO = LOCALE / "zh" / "LC_MESSAGES" / "kaohe.mo"
JX = str(POLICIES / "jiangxi.yaml")


def _commands():
    def walk(command, path):
        yield path, command
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, [*path, name])

    return list(walk(main, []))


def _allowed() -> set:
    from engine.language.expressions import FUNCTIONS
    from engine.language.schema import load_schema

    names = {name for path, _ in _commands() for name in path}  # command names
    names |= {"kaohe", "engine", "python", "SMT", "Chromium", "id", "sqlglot", "DuckDB", "Parquet", "Spark"}
    names |= {"REST", "OpenAPI", "Authorization", "Bearer", "KAOHE_TOKEN"}  # the API's own words
    for _, command in _commands():  # the values an option takes
        for param in command.params:
            if isinstance(param.type, click.Choice):
                names |= {str(c) for c in param.type.choices}
    for path in POLICIES.glob("*.yaml"):  # policy names, their entities and inputs
        names.add(path.name.split(".")[0])
        if not path.name.endswith(".tests.yaml"):
            spec = engine.load_policy(path).spec
            for name, entity in spec.entities.items():
                names |= {name, *getattr(entity, "inputs", {})}
    return _NAMES | names | set(FUNCTIONS) | _schema_words(load_schema(), set())


def _english_words(text: str) -> list[str]:
    """ASCII words of ``text`` that are not codes, paths, numbers, options, metavars or keys."""
    allowed = _allowed()
    leaks = []
    for line in text.splitlines():
        line = re.sub(r"'[^']*'|「[^」]*」|\[默认：[^\]]*\]", "", line)  # values given back, defaults
        line = re.sub(r"--?[A-Za-z][\w-]*", "", line)  # option names
        line = re.sub(r"\S*[/\\]\S*|\S*\.(yaml|json|jsonl|csv|xlsx|html|pdf|parquet)\b", "", line)  # paths, files
        line = re.sub(r"\b[a-z]+(\.[a-z-]+)+\b", "", line)  # codes: file.unreadable
        line = re.sub(r"\[[a-z|]+\]", "", line)  # a choice's metavar: [zh|en]
        for word in re.findall(r"[A-Za-z][A-Za-z_]{2,}", line):
            if word not in allowed and not word.isupper():  # upper case: a metavar (POLICY, TEXT)
                leaks.append(word)
    return leaks


@pytest.mark.parametrize("path", [p for p, _ in _commands()], ids=lambda p: " ".join(p) or "kaohe")
def test_every_help_is_chinese(path):
    result = CliRunner().invoke(main, [*path, "--help"], env={"KAOHE_LANG": "zh"}, prog_name="kaohe")
    assert result.exit_code == 0, result.output
    assert "用法" in result.output and "选项" in result.output
    assert _english_words(result.output) == [], result.output


def test_help_follows_lang_and_kaohe_lang():
    english = CliRunner().invoke(
        main, ["evaluate", "--help"], env={"KAOHE_LANG": "zh"} | {"KAOHE_LANG": "en"}, prog_name="kaohe"
    )
    assert "Usage:" in english.output and "Show this message and exit." in english.output
    chinese = CliRunner().invoke(
        main, ["evaluate", "--help", "--lang", "zh"], env={"KAOHE_LANG": "en"}, prog_name="kaohe"
    )
    assert "用法" in chinese.output and "显示此帮助并退出。" in chinese.output
    assert "Usage:" not in chinese.output
    default = CliRunner().invoke(main, ["--help"], env={"KAOHE_LANG": None}, prog_name="kaohe")
    assert "用法" in default.output  # Chinese by default


@pytest.mark.parametrize(
    "args",
    [
        ["evaluate", JX, "-e", "teacher", "-i", "x.csv", "--as-of", "someday"],  # Invalid value for '--as-of'
        ["evaluate", JX, "-i", "x.csv"],  # Missing option
        ["nosuch"],  # No such command
        ["evaluate"],  # Missing argument
        ["evaluate", JX, "-e", "teacher", "--bogus"],  # No such option
        ["evaluate", JX, "-e", "teacher", "--jobs", "99", "-i", "x.csv"],  # out of range
        ["evaluate", JX, "-e", "teacher", "--format", "xml", "-i", "x.csv"],  # not a choice
        ["evaluate", JX, "-e", "teacher"],  # kaohe's own usage error
        ["test", "/nonexistent-folder-for-kaohe"],
    ],
)
def test_usage_errors_are_chinese(args):
    result = CliRunner().invoke(
        main, [*args, "--lang", "zh"] if args[0] != "nosuch" else args, env={"KAOHE_LANG": "zh"}, prog_name="kaohe"
    )
    assert result.exit_code == 2, result.output
    assert "错误" in result.output
    assert _english_words(result.output) == [], result.output


def test_a_run_prints_no_english_word(tmp_path):
    src = ROOT / "examples" / "jiangxi" / "teachers.csv"
    runs = [
        ["evaluate", JX, "-e", "teacher", "-i", str(src), "--as-of", "2020-06-30", "-o", str(tmp_path / "o.csv")],
        ["validate", JX],
        ["test", str(POLICIES / "jiangxi.tests.yaml")],
        ["fmt", "--check", JX],
        ["evaluate", JX, "-e", "teacher", "-i", str(tmp_path / "missing.csv")],
    ]
    for args in runs:
        result = CliRunner().invoke(main, args, env={"KAOHE_LANG": "zh"}, prog_name="kaohe")
        text = result.output + (result.stderr if result.stderr_bytes is not None else "")
        assert _english_words(text.replace("passed", "").replace("failed", "")) == [], (args, text)


def test_the_checker_catches_english():
    assert _english_words("Error: Missing option '--entity'.") == ["Error", "Missing", "option"]
    assert _english_words("错误：缺少选项 '--entity'。 file.unreadable /tmp/a.csv POLICY") == []


def test_every_help_text_has_a_chinese_translation():
    texts = gettext.GNUTranslations(MO.open("rb"))
    missing = []
    for _, command in _commands():
        for holder in (command, *command.params):
            english = holder.__dict__.get("kaohe_help_en", getattr(holder, "help", None))
            if english and texts.gettext(english) == english:
                missing.append(english)
    assert missing == []


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
def test_the_compiled_catalogue_is_the_po_file(tmp_path):
    """A translator edits kaohe.po; the shipped kaohe.mo must be its compiled form."""
    out = tmp_path / "kaohe.mo"
    subprocess.run(["msgfmt", "--check-format", "-o", str(out), str(PO)], check=True)
    fresh = gettext.GNUTranslations(out.open("rb"))
    shipped = gettext.GNUTranslations(MO.open("rb"))
    assert fresh._catalog == shipped._catalog


def test_click_is_covered_by_the_catalogue():
    """Every message click looks up through gettext has a Chinese translation."""
    if shutil.which("xgettext") is None:
        pytest.skip("GNU gettext's xgettext is not installed")
    import pathlib

    folder = pathlib.Path(click.__file__).parent
    pot = subprocess.run(
        ["xgettext", "-L", "Python", "--keyword=_", "--keyword=ngettext:1,2", "--from-code=UTF-8", "-o", "-"]
        + [str(p) for p in sorted(folder.glob("*.py"))],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    shipped = gettext.GNUTranslations(MO.open("rb"))
    ids = re.findall(r'^msgid "(.+)"$', pot, flags=re.M)
    untranslated = [m for m in ids if shipped.gettext(m.encode().decode("unicode_escape")) == m]
    internal = {"Name '{name}' defined twice", "Unknown color {colour!r}", "Unknown standard stream '{name}'"}
    internal |= {"d", "Choice({choices})"}  # a format width and a repr, not sentences
    assert [
        m
        for m in untranslated
        if m not in internal and "declaration" not in m and "Bash" not in m and "Boolean option" not in m
    ] == []


@pytest.mark.parametrize(
    "body, code, chinese",
    [
        ("cases: []\n", "cases.shape", "用例文件需要"),
        ("policy: jiangxi.yaml\ncases:\n  - {name: a}\n", "cases.case", "每个用例都需要"),
        (
            "policy: jiangxi.yaml\ncases:\n  - {name: a, entity: teacher, expect: {}}\n",
            "cases.case",
            "需要 record 或 members",
        ),
        (
            "policy: jiangxi.yaml\ncases:\n  - {name: a, entity: teacher, record: {}, expect: {grade: x, colour: y}}\n",
            "cases.expect",
            "未知的预期项 colour",
        ),
        (
            "policy: jiangxi.yaml\ncases:\n  - {name: a, entity: nobody, record: {}, expect: {grade: x}}\n",
            "cases.entity",
            "没有评价对象「nobody」",
        ),
        (
            "policy: jiangxi.yaml\ncases:\n  - {name: a, entity: teacher, record: {}, as_of: soon, expect: {grade: x}}\n",
            "cases.as-of",
            "不是日期",
        ),
    ],
)
def test_case_file_problems_in_both_languages(tmp_path, body, code, chinese):
    """The case-file codes (no policy or record file produces them; tests/test_invalid.py)."""
    shutil.copy(POLICIES / "jiangxi.yaml", tmp_path / "jiangxi.yaml")
    path = tmp_path / "x.tests.yaml"
    path.write_text(body, encoding="utf-8")
    zh = CliRunner().invoke(main, ["test", str(path)], env={"KAOHE_LANG": "zh"}, prog_name="kaohe")
    assert code in zh.output and chinese in zh.output, zh.output
    en = CliRunner().invoke(main, ["test", str(path)], env={"KAOHE_LANG": "en"}, prog_name="kaohe")
    assert code in en.output and chinese not in en.output, en.output
