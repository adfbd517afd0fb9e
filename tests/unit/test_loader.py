"""The YAML loader: locations, duplicate keys, officers' typing mistakes, limits."""

from __future__ import annotations

from decimal import Decimal

import pytest

from engine.base.errors import PolicyError
from engine.language.loader import LIMITS, load_yaml, parse_yaml


def codes(exc: PolicyError) -> list[str]:
    return [d.code for d in exc.diagnostics]


def test_positions_of_values_and_keys():
    doc = parse_yaml("a:\n  b: 1\n  c: [x, y]\n", "f.yaml")
    assert doc.loc(("a", "b")).line == 2 and doc.loc(("a", "b")).col == 6
    assert doc.loc(("a", "c", 1)).line == 3
    assert doc.key_loc(("a", "c")).col == 3
    assert str(doc.loc(("a", "c", 1))) == "f.yaml:3:10"


def test_duplicate_key_is_refused_with_both_lines():
    with pytest.raises(PolicyError) as info:
        parse_yaml("id: a\nversion: 1\nid: b\n", "p.yaml")
    diagnostic = info.value.first
    assert diagnostic.code == "yaml.duplicate-key"
    assert str(diagnostic.location) == "p.yaml:3:1"
    assert "first defined at line 1" in diagnostic.message


def test_yaml_1_1_words_stay_text_and_decimals_stay_exact():
    doc = parse_yaml("a: no\nb: on\nc: 1:30\nd: 0.40\ne: true\nf: 2021-06-30\ng: ~\n")
    assert doc.data == {
        "a": "no",
        "b": "on",
        "c": "1:30",
        "d": Decimal("0.40"),
        "e": True,
        "f": "2021-06-30",
        "g": None,
    }


def test_tab_indentation_is_refused_at_its_line():
    with pytest.raises(PolicyError) as info:
        parse_yaml("a:\n\tb: 1\n", "t.yaml")
    assert codes(info.value) == ["yaml.tab"]
    assert info.value.first.location.line == 2


def test_fullwidth_colon_gets_a_hint():
    with pytest.raises(PolicyError) as info:
        parse_yaml("a: 1\nb：\n  c: 2\n", "f.yaml")
    assert info.value.first.code == "yaml.syntax"
    assert "full-width" in info.value.first.hint


def test_ideographic_space_indentation_is_refused():
    with pytest.raises(PolicyError) as info:
        parse_yaml("a:\n\u3000b: 1\n")
    assert codes(info.value) == ["yaml.fullwidth-space"]


def test_empty_file_and_gbk_file(tmp_path):
    empty = tmp_path / "empty.yaml"
    empty.write_text("   \n")
    with pytest.raises(PolicyError) as info:
        load_yaml(empty)
    assert codes(info.value) == ["yaml.empty"]
    gbk = tmp_path / "gbk.yaml"
    gbk.write_bytes("title: 教师考核\n".encode("gbk"))
    with pytest.raises(PolicyError) as info:
        load_yaml(gbk)
    assert codes(info.value) == ["yaml.encoding"]
    assert "GBK" in info.value.first.hint


def test_alias_bomb_is_refused_quickly():
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    with pytest.raises(PolicyError) as info:
        parse_yaml("\n".join(lines))
    assert codes(info.value) == ["yaml.too-large"]


def test_unknown_tags_are_refused():
    with pytest.raises(PolicyError) as info:
        parse_yaml("a: !!python/object:os.system ls\n")
    assert codes(info.value) == ["yaml.tag"]


def test_depth_limit():
    text = "a: " + "[" * (LIMITS["max_depth"] + 5) + "]" * (LIMITS["max_depth"] + 5)
    with pytest.raises(PolicyError) as info:
        parse_yaml(text)
    assert codes(info.value) == ["yaml.too-deep"]
