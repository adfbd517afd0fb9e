"""``kaohe fmt``: canonical order and indentation that never changes what a policy says."""

from __future__ import annotations

import dataclasses
import io
import json
import shutil
import textwrap

import pytest
from click.testing import CliRunner

import engine
from cli import main
from engine.language.expressions import Expression
from engine.language.loader import parse_yaml
from engine.tools.cases import load_cases
from engine.tools.fmt import FormatError, format_file, format_text

from .conftest import POLICIES, ROOT

SHIPPED = sorted(p for p in POLICIES.glob("*.yaml") if not p.name.endswith(".tests.yaml"))
CASE_FILES = sorted(POLICIES.glob("*.tests.yaml"))


def content(obj):
    """A compiled policy as plain data: every field but locations; expressions by their text."""
    if isinstance(obj, Expression):
        return ("expr", obj.text)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return (
            type(obj).__name__,
            tuple(
                (f.name, content(getattr(obj, f.name)))
                for f in dataclasses.fields(obj)
                if f.name not in ("location", "path", "warnings") and not callable(getattr(obj, f.name))
            ),
        )
    if isinstance(obj, dict):
        return tuple((k, content(v)) for k, v in obj.items())  # order matters too
    if isinstance(obj, (list, tuple)):
        return tuple(content(v) for v in obj)
    return obj


def warnings_of(spec):
    return sorted((w.code, w.message) for w in spec.warnings)


@pytest.fixture(scope="module")
def formatted(tmp_path_factory):
    """A copy of policies/ with every file formatted."""
    folder = tmp_path_factory.mktemp("formatted")
    for path in POLICIES.glob("*.yaml"):
        shutil.copy(path, folder / path.name)
    for path in folder.glob("*.yaml"):
        format_file(path)
    return folder


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_formatting_a_shipped_policy_compiles_to_the_same_policy(path, formatted):
    before = engine.load_policy(path).spec
    after = engine.load_policy(formatted / path.name).spec
    assert content(after) == content(before)
    assert warnings_of(after) == warnings_of(before)
    assert len(content(before)[1]) > 5 and before.rules  # the comparison is not vacuous


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_formatting_a_case_file_keeps_its_cases(path, formatted):
    _, before = load_cases(path)
    _, after = load_cases(formatted / path.name)
    strip = [dataclasses.replace(c, location=None) for c in before]
    assert [dataclasses.replace(c, location=None) for c in after] == strip
    assert len(before) > 0


def test_the_comparison_sees_a_changed_expression(formatted, tmp_path):
    """The policy comparison above can fail: a changed threshold is a different policy."""
    text = (POLICIES / "jiangxi.yaml").read_text(encoding="utf-8")
    changed = text.replace("total_score >= 90", "total_score >= 91", 1)
    assert changed != text
    (tmp_path / "jiangxi.yaml").write_text(changed, encoding="utf-8")
    assert content(engine.load_policy(tmp_path / "jiangxi.yaml").spec) != content(
        engine.load_policy(POLICIES / "jiangxi.yaml").spec
    )


def test_formatting_is_idempotent_and_keeps_every_comment(formatted):
    for path in formatted.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert format_text(text, str(path)) == text, path.name
        original = (POLICIES / path.name).read_text(encoding="utf-8")
        comments = [line.split("#", 1)[1].strip() for line in original.splitlines() if line.lstrip().startswith("#")]
        for comment in comments:
            assert comment in text, (path.name, comment)


def test_fmt_check_passes_on_the_shipped_policies():
    paths = [str(p) for p in sorted(POLICIES.glob("*.yaml"))]
    result = CliRunner().invoke(main, ["fmt", "--check", *paths])
    assert result.exit_code == 0, result.output


SCRAMBLED = textwrap.dedent(
    """\
    # 文件头注释
    id: demo-county
    kaohe: 1
    title: {zh: 某县方案（试行）, en: Demo}   # 标题：全角括号
    version: "1.0.0"
    region: {zh: 某县, en: County}
    entities:
      teacher:
        # the inputs come first in canonical order
        values:
          passed: {expr: hours >= 50, rule: R-1}
        inputs:
          hours: {unit: 学时, range: "[0, inf)", type: number, label: {zh: 学时}}
          # 学校：comment above a key that does not move
          school: {type: string, default: null}
        label: {zh: 教师, en: Teacher}
        grade:
          otherwise: {label: {zh: 不合格}, code: fail}
          rule: R-1
          levels:
            - {when: passed, label: {zh: 合格}, code: pass}
    rules:
      R-1: {clause: 学时达到50学时以上为合格。, ref: 一}
    """
)


def test_canonical_order_indentation_and_comments(tmp_path):
    out = format_text(SCRAMBLED, "demo.yaml")
    lines = out.splitlines()
    top = [line.split(":")[0] for line in lines if line and line[0].isalpha()]
    assert top == ["kaohe", "id", "version", "title", "region", "rules", "entities"]
    assert lines[0] == "# 文件头注释"
    assert "title: {zh: 某县方案（试行）, en: Demo}   # 标题：全角括号" in lines
    teacher = out.split("  teacher:\n", 1)[1]
    keys = [line.strip().split(":")[0] for line in teacher.splitlines() if line.startswith("    ") and line[4] != " "]
    keys = [k for k in keys if not k.startswith("#")]
    assert keys == ["label", "inputs", "values", "grade"]
    # a comment above a key moves with it
    assert "    # the inputs come first in canonical order\n    values:" in out
    assert "      # 学校：comment above a key that does not move\n      school: {type: string, default: null}" in out
    assert 'hours: {type: number, label: {zh: 学时}, unit: 学时, range: "[0, inf)"}' in out
    assert "        - {code: pass, label: {zh: 合格}, when: passed}" in out  # sequence: dash at 2 more
    assert "      otherwise: {code: fail, label: {zh: 不合格}}" in out
    assert "  R-1: {ref: 一, clause: 学时达到50学时以上为合格。}" in out
    assert parse_yaml(out).data == parse_yaml(SCRAMBLED).data
    path = tmp_path / "demo.yaml"
    path.write_text(SCRAMBLED, encoding="utf-8")
    result = CliRunner().invoke(main, ["fmt", "--check", str(path)])
    assert result.exit_code == 1 and f"would reformat {path}" in result.output
    assert path.read_text(encoding="utf-8") == SCRAMBLED  # --check writes nothing
    result = CliRunner().invoke(main, ["fmt", str(path)])
    assert result.exit_code == 0 and path.read_text(encoding="utf-8") == out
    assert CliRunner().invoke(main, ["fmt", "--check", str(path)]).exit_code == 0


def test_case_file_order():
    text = textwrap.dedent(
        """\
        cases:
        - expect: {grade: pass}
          record: {id: T1, hours: 50}   # exactly 50
          entity: teacher
          name: 恰好50学时合格
        policy: demo.yaml
        """
    )
    out = format_text(text, "demo.tests.yaml")
    assert out == textwrap.dedent(
        """\
        policy: demo.yaml
        cases:
          - name: 恰好50学时合格
            entity: teacher
            record: {id: T1, hours: 50} # exactly 50
            expect: {grade: pass}
        """
    )


def test_a_broken_file_is_a_located_error_and_is_not_written(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("id: x\nrules: [\n", encoding="utf-8")
    with pytest.raises(engine.KaoheError) as info:
        format_file(path)
    assert info.value.first.location.line >= 2
    assert path.read_text(encoding="utf-8") == "id: x\nrules: [\n"
    result = CliRunner().invoke(main, ["fmt", str(path), str(tmp_path / "missing.yaml")])
    assert result.exit_code == 3
    assert "bad.yaml:" in result.output and "missing.yaml" in result.output
    assert "Traceback" not in result.output


def test_format_error_is_a_kaohe_error():
    assert issubclass(FormatError, engine.KaoheError)


def test_a_formatting_that_would_change_meaning_is_refused(monkeypatch, tmp_path):
    from engine.tools import fmt

    def lossy(node, schema, root, parent=None, pkey=None):
        node.pop("region", None)

    monkeypatch.setattr(fmt, "_canonical", lossy)
    path = tmp_path / "demo.yaml"
    path.write_text(SCRAMBLED, encoding="utf-8")
    with pytest.raises(FormatError) as info:
        format_file(path)
    assert info.value.first.code == "fmt.meaning"
    assert path.read_text(encoding="utf-8") == SCRAMBLED


def _schema_words() -> set:
    words: set = set()

    def walk(node):
        if isinstance(node, dict):
            words.update(node.get("properties", {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads((ROOT / "schemas" / "policy.schema.json").read_text(encoding="utf-8")))
    return words


def scramble(text: str) -> str:
    """The policy with the keys of every mapping the schema describes in reverse order."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap

    words = _schema_words()
    yaml = YAML()
    yaml.width = 4096
    data = yaml.load(text)

    def walk(node):
        if isinstance(node, CommentedMap):
            keys = list(node)
            if len(keys) > 1 and all(k in words for k in keys):
                for key in reversed(keys):
                    node.move_to_end(key)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(data)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


@pytest.mark.parametrize("path", SHIPPED, ids=[p.stem for p in SHIPPED])
def test_a_scrambled_shipped_policy_formats_back_to_the_same_policy(path, tmp_path):
    for sibling in POLICIES.glob("*.yaml"):  # extends: national.yaml
        shutil.copy(sibling, tmp_path / sibling.name)
    text = path.read_text(encoding="utf-8")
    scrambled = scramble(text)
    assert scrambled != text
    target = tmp_path / path.name
    target.write_text(scrambled, encoding="utf-8")
    assert format_file(target) is True
    formatted = target.read_text(encoding="utf-8")
    assert content(engine.load_policy(target).spec) == content(engine.load_policy(path).spec)
    assert format_text(formatted, str(target)) == formatted
    top = [line.split(":")[0] for line in formatted.splitlines() if line[:1].isalpha()]
    assert top == [line.split(":")[0] for line in format_text(text, str(path)).splitlines() if line[:1].isalpha()]
