"""Chinese messages: every catalogued reason a field can be refused for reads in Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import engine
from engine.base.errors import RecordError

from ..conftest import POLICIES, teacher

JIANGXI = engine.load_policy(POLICIES / "jiangxi.yaml")


@pytest.mark.parametrize(
    "fields, expected",
    [
        ({"gender": "X"}, "字段 gender（性别）取值无效：'X' 不是可选值之一（M, F；或 男, 女）"),
        ({"age": "abc"}, "字段 age（年龄）取值无效：'abc' 不是数字"),
        ({"age": "30.5"}, "字段 age（年龄）取值无效：应为整数"),
        ({"age": 120}, "字段 age（年龄）取值无效：120 超出允许范围 [0, 100]"),
        ({"opted_in": "也许"}, "字段 opted_in（自愿参加）取值无效：应为是/否"),
        ({"lesson_scores": [60, 71]}, "字段 lesson_scores（课堂评分）取值无效：第2项：71 超出允许范围 [0, 70]"),
        ({"class_hours": True}, "字段 class_hours（总课时）取值无效：应为数字，实为是/否"),
        ({"age": None}, "字段 age（年龄）缺失"),
    ],
)
def test_record_problems_in_chinese(fields, expected):
    with pytest.raises(RecordError) as info:
        JIANGXI.evaluate(teacher(**fields), "teacher")
    rendered = [d.render("zh") for d in info.value.diagnostics]
    assert any(expected in text for text in rendered), rendered
    assert all("提示" not in text or "hint" not in text for text in rendered)


def test_unknown_codes_and_english_fall_back_to_the_english_message():
    from engine.base.errors import Diagnostic

    plain = Diagnostic("some.new-code", "an English message")
    assert plain.render("zh").endswith("some.new-code: an English message")
    assert str(plain) == plain.render("en")


def _schema_words(node, out: set) -> set:
    """Every key and enum value of the policy schema: the words a policy itself is written in."""
    if isinstance(node, dict):
        out.update(node.get("properties", {}))
        out.update(v for v in node.get("enum", []) if isinstance(v, str))
        for value in node.values():
            _schema_words(value, out)
    elif isinstance(node, list):
        for value in node:
            _schema_words(value, out)
    return out


#: ASCII words a Chinese text may show: names of formats, tools and options an officer types
_NAMES = {"CSV", "Excel", "GBK", "JSON", "Lines", "MiB", "Python", "Tab", "UTF-", "Unicode", "Windows", "YAML"}
_NAMES |= {"kaohe", "pip", "install", "openpyxl", "xls", "xlsx", "jsonl", "csv", "json", "inf", "lambda", "and"}
_NAMES |= {"evaluate", "output", "as-of", "allow-outside-period", "JX-A", "true", "false", "list", "enum", "changes"}
_NAMES |= {"policies", "as_of", "allow_outside", "True"}  # a command and the API's parameters
_NAMES |= {"Parquet", "parquet", "Spark", "DuckDB", "SQL", "sqlglot", "duckdb", "spark", "trino"}  # columnar
_NAMES |= {"postgres"}  # a dialect kaohe sql names
_NAMES |= {"pyspark", "Java", "java", "JDK", "Debian", "Ubuntu", "apt-get", "openjdk-", "jre-headless"}  # Spark
_NAMES |= {"JAVA_HOME", "Hive", "row"}  # what --engine spark needs installed, the table kind, --engine row
_NAMES |= {"SPARK_DRIVER_MEMORY", "executor", "memory"}  # Spark's own memory settings (spark.executor.memory)
_NAMES |= {"engine", "detail", "NAME", "FILE", "input", "trace", "format", "pass-through"}  # its options
_NAMES |= {"else", "None"}  # words of the expression language (x if c else y, x is None)
_NAMES |= {"strict", "ulimit"}  # an option of kaohe evaluate, the shell's file size limit
_NAMES |= {"prove", "SMT"}  # the optional extra an officer installs (kaohe[prove]), the solver kind
_NAMES |= {"fmt", "diff", "table", "KAOHE_DEBUG"}  # commands, a format, an environment variable
_NAMES |= {"to_dict", "lang", "datetime", "loader", "texts", "get"}  # the API's names in a code example
_NAMES |= {"policy", "cases", "name", "expect", "record", "members"}  # keys of a case file
_NAMES |= {"check", "test", "validate", "explain", "serve", "python"}  # commands an officer types
_NAMES |= {"rosters", "auto", "inline", "split", "none", "keep"}  # an option of kaohe report and its values
_NAMES |= {"PDF", "html", "Chromium", "Chrome", "chromium", "Debian", "Ubuntu", "apt-get", "KAOHE_BROWSER"}  # PDF
_NAMES |= {"render_report", "write_report", "load_policy", "evaluate_frame", "evaluate_many", "rows", "str", "dict"}
_NAMES |= {"pandas", "DataFrame"}  # the API's names and the optional library it reads
_NAMES |= {"GET", "docs", "HTTP", "multipart", "application", "x-ndjson", "text", "YYYY-MM-DD"}  # the REST API's
_NAMES |= {"Authorization", "Bearer", "token", "localhost", "KAOHE_TOKEN"}  # a request's header, kaohe serve's
_NAMES |= {"HTML", "pdf", "file", "vnd", "apache"}  # kaohe serve: format=pdf, a multipart field, a type


def test_chinese_texts_hold_no_english_words():
    """Every Chinese template speaks Chinese: an ASCII word in it is a key or value the officer
    writes in the policy, a function of the expression language, or the name of a format or tool."""
    from engine.base.catalogue import CATALOGUE
    from engine.language.expressions import FUNCTIONS
    from engine.language.schema import load_schema

    allowed = _NAMES | set(FUNCTIONS) | _schema_words(load_schema(), set())
    leaks = {}
    for key, entry in CATALOGUE.items():
        for template in (entry.zh, entry.hint_zh or ""):
            text = re.sub(r"\{[a-z_]+\}", "", template)
            text = re.sub(r"--[a-z][a-z-]*|\S*\.tests\.yaml", "", text)  # option names, case file names
            text = re.sub(r"「[^」]*」", "", text)  # a value given as it is written: 「zhejiang-xx-2023」
            words = [w for w in re.findall(r"[A-Za-z][A-Za-z_-]{2,}", text) if w not in allowed]
            if words:
                leaks[key] = words
    assert not leaks, leaks


def test_every_key_has_both_languages_with_the_same_parameters():
    from string import Formatter

    from engine.base.catalogue import CATALOGUE

    def names(template):
        return {name for _, name, _, _ in Formatter().parse(template or "") if name}

    for key, entry in CATALOGUE.items():
        assert entry.en and entry.zh, key
        assert names(entry.en) == names(entry.zh), key
        assert names(entry.hint_en) == names(entry.hint_zh), key
        assert (entry.hint_en is None) == (entry.hint_zh is None), key


def test_messages_module_translates_nothing():
    """The Chinese text comes from the catalogue, never from a pattern over English text."""
    import engine.base.messages as messages

    source = Path(messages.__file__).read_text(encoding="utf-8")
    assert "import re" not in source and "re.compile" not in source
