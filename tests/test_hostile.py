"""Hostile policies, bad records, partial failures: nothing lost, nothing executed, always a
clear answer. Every test here fails when one of the README's guarantees breaks."""

from __future__ import annotations

import copy
import json
import signal
import subprocess
import sys
import time
from fractions import Fraction

import pytest

import engine
from engine.base.errors import PolicyError
from engine.language.compiler import compile_document
from engine.language.loader import LIMITS, load_yaml, parse_yaml

from .conftest import POLICIES, ROOT, teacher

JX = str(POLICIES / "jiangxi.yaml")
JX_TEXT = (POLICIES / "jiangxi.yaml").read_text(encoding="utf-8")
EXPR_LINE = "        expr: len(lesson_scores)"
EXPR_LINENO = JX_TEXT.splitlines().index(EXPR_LINE) + 1
CLI = [sys.executable, "-c", "import sys; from cli import main; sys.exit(main())"]
EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_POLICY, EXIT_INPUT = 0, 1, 2, 3, 4


def kaohe(*args, timeout=120, **kwargs):
    """The real command line in a subprocess (so a hang or a crash cannot take pytest down)."""
    return subprocess.run([*CLI, *map(str, args)], capture_output=True, text=True, timeout=timeout, cwd=ROOT, **kwargs)


def cli(*args, input=None):
    """The command line in-process (click's runner): fast, for cases that cannot hang."""
    from click.testing import CliRunner

    from cli import main

    return CliRunner().invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)


def with_expr(tmp_path, expr: str, name="p.yaml"):
    """A copy of jiangxi.yaml with the lesson_count expression replaced."""
    assert EXPR_LINE in JX_TEXT
    quoted = "'" + expr.replace("'", "''") + "'"
    path = tmp_path / name
    path.write_text(JX_TEXT.replace(EXPR_LINE, f"        expr: {quoted}"), encoding="utf-8")
    return path


def outputs(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines()]


# --- 1. a policy computes, never acts ---------------------------------------------------------

REFUSED = [
    "().__class__.__mro__[1].__subclasses__()",
    "9**9**9",
    "4000000**4000000",
    "'a'.ljust(10**9)",
    "__import__('os').system('x')",
    "open('/etc/passwd')",
    "rand()",
    "(lambda: 1)()",
    "[x for x in lesson_scores]",
    "sum(x for x in lesson_scores)",
    "(y := 1)",
    "f'{age}'",
    "lesson_scores[0]",
    "age.real",
    "getattr(age, 'real')",
    "eval('1')",
    "exec('import os')",
    "__builtins__",
    "_e",
    "{1: 2}",
    "{1, 2}",
    "age << 400",
    "len(*lesson_scores)",
    "max(lesson_scores, key=abs)",
    "b'x'",
    "1j",
    "2**512",
    "10**200",
    "'a' * 10**9",
    "[0] * 10**9",
    "1 if age else __import__('os')",
    "x" * 2001,
    "abs(" * 60 + "1" + ")" * 60,
    "+".join(["age"] * 300),
]


@pytest.mark.parametrize("expr", REFUSED, ids=lambda e: e[:40])
def test_dangerous_expression_is_refused_with_its_line(tmp_path, expr):
    path = with_expr(tmp_path, expr)
    result = cli("validate", path)
    assert result.exit_code == EXIT_POLICY, result.output
    assert f"{path}:{EXPR_LINENO}:" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_refused_expression_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    for expr in (
        f"__import__('os').system('touch {marker}')",
        f"open('{marker}', 'w')",
        f"exec(\"open('{marker}','w')\")",
    ):
        path = with_expr(tmp_path, expr)
        assert cli("validate", path).exit_code == EXIT_POLICY
        with pytest.raises(PolicyError):
            engine.load_policy(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    "expr",
    [
        "1e400",  # a float literal is exact: 10**400, above the 2**512 bound
        "1e5000",  # ... and this one crashes the output writer later
        "floor(1e300)",
        "9**9**9 if age > 200 else 1",
    ],
)
def test_constant_beyond_the_bound_is_refused_at_load(tmp_path, expr):
    path = with_expr(tmp_path, expr)
    result = kaohe("validate", path, timeout=60)
    assert result.returncode == EXIT_POLICY and f"{path}:{EXPR_LINENO}:" in result.stderr


def test_huge_exponent_in_an_expression_does_not_hang_validate(tmp_path):
    path = with_expr(tmp_path, "age * 1e999999999")
    try:
        result = kaohe("validate", path, timeout=8)
    except subprocess.TimeoutExpired:
        pytest.fail("kaohe validate did not finish in 8 s")
    assert result.returncode == EXIT_POLICY


def test_huge_exponent_in_a_range_does_not_hang_validate(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(
        JX_TEXT.replace('unit: 周岁, range: "[0, 100]"', 'unit: 周岁, range: "[0, 1e999999999]"'), encoding="utf-8"
    )
    try:
        result = kaohe("validate", path, timeout=8)
    except subprocess.TimeoutExpired:
        pytest.fail("kaohe validate did not finish in 8 s")
    assert result.returncode == EXIT_POLICY


def _batch(tmp_path, n=5):
    src = tmp_path / "in.jsonl"
    src.write_text(
        "".join(json.dumps(teacher(id=f"T{i}", class_hours=600 + i)) + "\n" for i in range(n)), encoding="utf-8"
    )
    return src


GROWTH = [
    "age ** 400 * age ** 400",
    " * ".join(["age ** 20"] * 10),  # repeated multiplication: stops at the step that passes 2**512
    "(1 / age) ** 300 / age ** 300",
    "age ** age ** age",
]


@pytest.mark.parametrize("expr", GROWTH)
def test_growth_stops_the_record_only(tmp_path, expr):
    path = with_expr(tmp_path, expr)
    src = tmp_path / "in.jsonl"
    records = [
        teacher(id="SMALL", age=1, class_hours=1),
        teacher(id="BIG", gender="M", age=54),
        teacher(id="EXEMPT", gender="M", age=60),
        teacher(id="AFTER", age=1),
    ]
    src.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    start = time.monotonic()
    result = kaohe("evaluate", path, "-e", "teacher", "-i", src, "--as-of", "2020-06-30", timeout=60)
    assert time.monotonic() - start < 60  # it returned (a hang would raise TimeoutExpired)
    lines = outputs(result.stdout)
    assert [line["id"] for line in lines] == ["SMALL", "BIG", "EXEMPT", "AFTER"]
    assert lines[0]["scores"]["lesson_count"] == 1 and lines[3]["scores"]["lesson_count"] == 1
    assert lines[1]["error"]["code"] == "record.compute" and "allowed size" in lines[1]["error"]["message"]
    # the exempt teacher's grade needs no lesson data, but lesson_count is a reported value and
    # cannot be computed within the bounds for age 60: the record is rejected, not reported as null
    assert lines[2]["error"]["code"] == "record.compute"
    assert result.returncode == EXIT_REJECTED and "2 evaluated, 2 rejected" in result.stderr


def test_growth_in_a_reported_value_is_not_silently_null(jiangxi, tmp_path):
    policy = engine.load_policy(with_expr(tmp_path, "age ** 400 * age ** 400"))
    # usage fails, so the grade is decided without lesson_count; lesson_count is still reported
    outcome = next(policy.evaluate_many([teacher(gender="M", age=54, daily_usage=[])], entity="teacher"))
    data = outcome.to_dict()
    assert "error" in data or data["scores"]["lesson_count"] is not None


@pytest.mark.parametrize(
    "record",
    [
        teacher(),
        teacher(gender="男", age="55", daily_usage="4;4;4", lesson_scores="60;60;60;60;60;60"),
        teacher(daily_usage=[9] * 60, lesson_scores=["45.5", 52.1, "49.3", 48.2, 50, "48.9"]),
        teacher(gender="X"),
        teacher(class_hours=0),
        {"id": "T", "gender": "F", "age": 35, "opted_in": "是"},
    ],
)
def test_evaluation_never_changes_the_record(jiangxi, record):
    before = copy.deepcopy(record)
    for mode in (engine.FAST, engine.REFERENCE):
        try:
            jiangxi.evaluate(record, entity="teacher", mode=mode, trace=True).to_dict(trace=True)
        except engine.RecordError:
            pass
        list(jiangxi.evaluate_many([record], entity="teacher", mode=mode))
    assert record == before


# --- 2. YAML as officers type it --------------------------------------------------------------


def _replace(old, new, count=1):
    assert old in JX_TEXT, old
    return JX_TEXT.replace(old, new, count)


def _line_of(text, needle):
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


BAD_YAML = {
    "duplicate key": (_replace("kaohe: 1\n", "kaohe: 1\nkaohe: 1\n"), "yaml.duplicate-key", 6),
    "duplicate rule": (
        _replace("  JX-T2:\n", "  JX-T1:\n    ref: x\n    clause: y\n  JX-T2:\n"),
        "yaml.duplicate-key",
        None,
    ),
    "tab indentation": (_replace("  JX-T1:\n    ref:", "  JX-T1:\n\tref:"), "yaml.tab", None),
    "full-width colon": (_replace("kaohe: 1", "kaohe： 1"), "yaml.syntax", 5),
    "full-width colon in a rule": (
        _replace("    ref: 四(一)3", "    ref： 四(一)3"),
        "yaml.syntax",
        _line_of(JX_TEXT, "    ref: 四(一)3"),
    ),
    "ideographic space indentation": (
        _replace("  JX-T1:\n    ref:", "  JX-T1:\n\u3000\u3000ref:"),
        "yaml.fullwidth-space",
        None,
    ),
    "full-width digits as the version": (_replace("kaohe: 1", "kaohe: １"), "schema", 5),
    "full-width digits as a number": (_replace("amount: 0.5", "amount: ０.５"), "", None),
    "full-width percent in an expression": (
        _replace("expr: usage_ratio >= 0.40", "expr: usage_ratio >= 40％"),
        "expr.syntax",
        None,
    ),
    "percent in an expression": (
        _replace("expr: usage_ratio >= 0.40", "expr: usage_ratio >= 40%"),
        "expr.syntax",
        None,
    ),
    "empty": ("", "yaml.empty", 1),
    "only comments": ("# nothing\n\n   \n", "yaml.empty", 1),
    "a list at the top": ("- kaohe: 1\n- id: x\n", "schema", 1),
    "a scalar at the top": ("kaohe\n", "schema", 1),
    "alias bomb": (
        "a: &a [x,x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
        "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
        "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
        "g: [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\n",
        "yaml.too-large",
        None,
    ),
    "python tag": ("kaohe: !!python/object/apply:os.system ['touch /tmp/x']\n", "yaml.tag", 1),
    "custom tag": ("kaohe: !include other.yaml\n", "yaml.tag", 1),
    "merge key": ("a: &a {x: 1}\nb:\n  <<: *a\n", "yaml.merge", 3),
    "deep flow nesting": ("a: " + "[" * 100 + "]" * 100 + "\n", "yaml.too-deep", 1),
    "deep block nesting": (
        "".join("  " * i + f"k{i}:\n" for i in range(80)) + "  " * 80 + "v: 1\n",
        "yaml.too-deep",
        None,
    ),
    "very deep nesting (crashed the C composer)": ("a: " + "[" * 200_000 + "]" * 200_000 + "\n", "yaml.too-deep", 1),
    "a number too long to convert": ("kaohe: " + "9" * 5000 + "\n", "yaml.number", 1),
    "a number with a huge exponent": (_replace("amount: 0.5", "amount: 1e999999999"), "yaml.number", None),
    "a number above the bound": (_replace("amount: 0.5", "amount: 1e400"), "yaml.number", None),
    "recursive alias": ("a: &a [*a]\n", "", 1),
    "NUL byte": ("kaohe: 1\x00\n", "yaml.syntax", 1),
    "lone surrogate": ("kaohe: '\ud800'\n", "yaml.encoding", 1),
}


@pytest.mark.parametrize("case", list(BAD_YAML), ids=list(BAD_YAML))
def test_bad_yaml_is_a_located_policy_error(case):
    text, code, line = BAD_YAML[case]
    start = time.monotonic()
    with pytest.raises(PolicyError) as info:
        compile_document(parse_yaml(text, "p.yaml"))
    assert time.monotonic() - start < 10
    first = info.value.first
    assert first.code.startswith(code), info.value
    assert first.location.file == "p.yaml" and first.location.line >= 1 and first.location.col >= 1
    if line is not None:
        assert first.location.line == line, info.value


def test_full_width_hints_name_the_character():
    with pytest.raises(PolicyError) as info:
        parse_yaml(_replace("kaohe: 1", "kaohe： 1"), "p.yaml")
    assert "：" in info.value.first.hint and "':'" in info.value.first.hint
    with pytest.raises(PolicyError) as info:
        compile_document(parse_yaml(_replace("expr: usage_ratio >= 0.40", "expr: usage_ratio >= 40％"), "p.yaml"))
    assert info.value.first.location.line == _line_of(JX_TEXT, "expr: usage_ratio >= 0.40")
    assert "full-width" in (info.value.first.hint or "")


def test_full_width_digits_in_an_interval_are_read_exactly_or_refused():
    text = _replace('range: "[0.40, 0.50)"', 'range: "[0.４０, 0.50)"')
    try:
        spec = compile_document(parse_yaml(text, "p.yaml"))
    except PolicyError:
        return
    tiers = spec.entities["teacher"].values["usage_points"].tiers
    assert Fraction(2, 5) in {t.interval.lo for t in tiers}


def test_yaml_words_stay_text():
    doc = parse_yaml(
        "a: no\nb: on\nc: off\nd: 1:30\ne: yes\nf: 2021-06-30\ng: 0.40\nh: 0o17\ni: true\nj: ~\n"
        "k: [no, off, on, y, n]\n",
        "p.yaml",
    )
    assert doc.data["a"] == "no" and doc.data["b"] == "on" and doc.data["c"] == "off"
    assert doc.data["d"] == "1:30" and doc.data["e"] == "yes" and doc.data["f"] == "2021-06-30"
    assert str(doc.data["g"]) == "0.40" and doc.data["h"] == "0o17"
    assert doc.data["i"] is True and doc.data["j"] is None
    assert doc.data["k"] == ["no", "off", "on", "y", "n"]


def test_no_on_off_as_enum_codes_stay_codes(tmp_path):
    text = _replace(
        "        values: [excellent, pass, fail]\n        aliases: {优秀: excellent, 合格: pass, 不合格: fail}",
        "        values: [excellent, pass, fail, no, on, off]\n        aliases: {优秀: excellent, 合格: pass, 不合格: fail}",
    )
    spec = compile_document(parse_yaml(text, "p.yaml"))
    assert spec.entities["trainee"].inputs["level"].values == ("excellent", "pass", "fail", "no", "on", "off")
    policy = engine.Policy(spec)
    assert policy.evaluate({"id": "P", "level": "no"}, entity="trainee").grade == "fail"


def test_gbk_policy_file_is_refused_naming_gbk(tmp_path):
    path = tmp_path / "gbk.yaml"
    path.write_bytes(JX_TEXT.replace("\u2022", "·").encode("gbk"))
    with pytest.raises(PolicyError) as info:
        load_yaml(path)
    assert info.value.first.code == "yaml.encoding" and info.value.first.location.line >= 1
    assert "GBK" in info.value.first.hint
    result = kaohe("validate", path)
    assert result.returncode == EXIT_POLICY and f"{path}:" in result.stderr and "GBK" in result.stderr


def test_utf8_bom_policy_is_read(tmp_path):
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + JX_TEXT.encode("utf-8"))
    assert engine.load_policy(path).id == "jiangxi-jiaoxuetong-2019"


def test_size_limit(tmp_path):
    path = tmp_path / "big.yaml"
    path.write_text("a: '" + "x" * (LIMITS["max_bytes"] + 10) + "'\n", encoding="utf-8")
    with pytest.raises(PolicyError) as info:
        load_yaml(path)
    assert info.value.first.code == "yaml.too-large"


def test_missing_policy_file_is_not_an_invalid_policy(tmp_path):
    """A policy that is not there is one clear error (exit 4), not "the policy has 1 problem"."""
    result = kaohe("validate", tmp_path / "nope.yaml")
    assert result.returncode == EXIT_INPUT and "policy.not-found" in result.stderr
    assert "政策文件有" not in result.stderr and "invalid" not in result.stderr


# --- 3. records as schools export them --------------------------------------------------------

HEADER = "工号,性别,年龄,自愿参加,每日使用次数,总课时,课堂评分"
USAGE = ";".join(["4"] * 75)  # 300 uses: half of 600 class hours
SCORES = ";".join(["60"] * 6)


def csv_row(id_, gender="女", age="34", opted="", usage=USAGE, hours="600", scores=SCORES):
    return ",".join([id_, gender, age, opted, usage, hours, scores])


def run_csv(tmp_path, rows, encoding="utf-8", bom=False, policy=JX, entity="teacher", header=HEADER, extra=()):
    path = tmp_path / "in.csv"
    data = ("\r\n".join([header, *rows]) + "\r\n").encode(encoding)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return kaohe("evaluate", policy, "-e", entity, "-i", path, "--as-of", "2020-06-30", *extra)


def check_batch(result, expected):
    """expected: list of (id, None for a result or the field the error must name / error code)."""
    lines = outputs(result.stdout)
    assert len(lines) == len(expected), result.stdout + result.stderr
    rejected = 0
    for line, (id_, problem) in zip(lines, expected):
        assert line["id"] == id_, (line, id_)
        if problem is None:
            assert "error" not in line, line
        else:
            rejected += 1
            assert "error" in line, line
            assert problem in (line["error"]["field"], line["error"]["code"]), line
    assert f"{len(expected) - rejected} evaluated, {rejected} rejected" in result.stderr
    assert result.returncode == (EXIT_REJECTED if rejected else EXIT_OK)
    assert "Traceback" not in result.stderr
    return lines


def test_csv_fields_as_schools_write_them(tmp_path):
    rows = [
        csv_row("OK"),
        csv_row("MISSING_AGE", age=""),
        csv_row("NEG_HOURS", hours="-600"),
        csv_row("AGE_ABOVE", age="101"),
        csv_row("PCT", hours="40%"),
        csv_row("FW", age="４０", hours="６００"),
        csv_row("YES", opted="是"),
        csv_row("NO", opted="否"),
        csv_row("TRUE", opted="TRUE"),
        csv_row("ONE", opted="1"),
        csv_row("BADBOOL", opted="maybe"),
        csv_row("THOUSANDS", hours="1,234".join('""')),
        csv_row("BADNUM", hours="abc"),
        csv_row("NAN", hours="NaN"),
        csv_row("INF", hours="Infinity"),
        csv_row("HUGE", hours="1e999999999"),
        csv_row("FRACTION", hours="1/3"),
        csv_row("BRACKETS", usage='"[4, 4, 4]"'),
        csv_row("BADITEM", usage="4;4;x"),
        csv_row("BIGITEM", usage="[1e999999999]"),
        csv_row("GENDER", gender="X"),
    ]
    lines = check_batch(
        run_csv(tmp_path, rows),
        [
            ("OK", None),
            ("MISSING_AGE", "age"),
            ("NEG_HOURS", "class_hours"),
            ("AGE_ABOVE", "age"),
            ("PCT", "class_hours"),  # a percent sign only on a ratio input (unit: "%")
            ("FW", None),
            ("YES", None),
            ("NO", None),
            ("TRUE", None),
            ("ONE", None),
            ("BADBOOL", "opted_in"),
            ("THOUSANDS", None),
            ("BADNUM", "class_hours"),
            ("NAN", "class_hours"),
            ("INF", "class_hours"),
            ("HUGE", "class_hours"),
            ("FRACTION", "class_hours"),
            ("BRACKETS", None),
            ("BADITEM", "daily_usage"),
            ("BIGITEM", "daily_usage"),
            ("GENDER", "gender"),
        ],
    )
    by_id = {line["id"]: line for line in lines}
    assert by_id["PCT"]["error"]["code"] == "record.invalid" and "%" in by_id["PCT"]["error"]["message"]
    assert by_id["FW"]["scores"]["usage_ratio"] == 0.5
    assert by_id["THOUSANDS"]["scores"]["usage_ratio"] == round(300 / 1234, 6)
    assert by_id["ONE"]["grade"]["code"] == by_id["OK"]["grade"]["code"]


def test_csv_in_gbk_and_with_bom_and_ragged_rows(tmp_path):
    rows = [csv_row("A"), csv_row("SHORT").rsplit(",", 4)[0], csv_row("LONG") + ",extra", "", csv_row("B")]
    expected = [("A", None), ("SHORT", "daily_usage"), ("LONG", "input.ragged"), ("B", None)]
    for encoding, bom in (("gbk", False), ("utf-8", True), ("utf-8", False)):
        check_batch(run_csv(tmp_path, rows, encoding=encoding, bom=bom), expected)


def test_csv_unclosed_quote_loses_no_record(tmp_path):
    rows = [csv_row("A"), csv_row("Q", gender='"女'), csv_row("B"), csv_row("C")]
    lines = check_batch(run_csv(tmp_path, rows), [("A", None), ("Q", "input.csv"), ("B", None), ("C", None)])
    assert "quote" in lines[1]["error"]["message"]


def test_csv_very_long_cell_is_rejected_for_that_record(tmp_path):
    rows = [csv_row("A"), csv_row("LONG", usage=";".join(["4"] * 100_000)), csv_row("B")]
    check_batch(run_csv(tmp_path, rows), [("A", None), (None, "input.csv"), ("B", None)])


def test_csv_corrupt_bytes_in_a_gbk_file(tmp_path):
    path = tmp_path / "in.csv"
    data = (
        (HEADER + "\n" + csv_row("A") + "\n").encode("gbk")
        + b"\xff\xfe\xfa,\x80\n"
        + (csv_row("B") + "\n").encode("gbk")
    )
    path.write_bytes(data)
    check_batch(
        kaohe("evaluate", JX, "-e", "teacher", "-i", path, "--as-of", "2020-06-30"),
        [("A", None), (None, "input.encoding"), ("B", None)],
    )


def test_csv_duplicate_column_is_refused(tmp_path):
    result = run_csv(
        tmp_path, ["A,B,女,34,,4,600,60"], header="工号,id,性别,年龄,自愿参加,每日使用次数,总课时,课堂评分"
    )
    assert result.returncode == EXIT_INPUT and "input.csv" in result.stderr and result.stdout == ""


def test_utf16_csv_is_refused_as_a_file(tmp_path):
    path = tmp_path / "in.csv"
    path.write_bytes((HEADER + "\n" + csv_row("A") + "\n").encode("utf-16"))
    result = kaohe("evaluate", JX, "-e", "teacher", "-i", path)
    assert result.returncode == EXIT_INPUT and "UTF-16" in result.stderr


def test_jsonl_values_as_schools_write_them(tmp_path):
    good = teacher()
    no_hours = {k: v for k, v in good.items() if k != "class_hours"}  # a key given twice refuses the record
    lines_in = [
        json.dumps({**good, "id": "OK"}),
        json.dumps({**good, "id": "NULL_AGE", "age": None}),
        json.dumps({k: v for k, v in {**good, "id": "NO_GENDER"}.items() if k != "gender"}),
        json.dumps({**no_hours, "id": "NAN"})[:-1] + ', "class_hours": NaN}',
        json.dumps({**no_hours, "id": "INF"})[:-1] + ', "class_hours": Infinity}',
        json.dumps({**no_hours, "id": "HUGE"})[:-1] + ', "class_hours": 1e999999999}',
        json.dumps({**no_hours, "id": "TINY"})[:-1] + ', "class_hours": 1e-99999}',
        json.dumps({**good, "id": "BIGINT", "age": 10**200}),
        json.dumps(
            {**good, "id": "FLOAT", "class_hours": 600.0, "lesson_scores": [45.5, 52.1, 49.3, 48.2, 50.0, 48.9]}
        ),
        json.dumps({**good, "id": "STR", "age": "34", "opted_in": "否", "class_hours": "1,234"}),
        json.dumps({**good, "id": "NEG", "daily_usage": [4, -1]}),
        '{"id": "CORRUPT", "gender": ',
        "[1, 2, 3]",
        json.dumps({**good, "id": "LAST"}),
    ]
    src = tmp_path / "in.jsonl"
    src.write_text("\n".join(lines_in) + "\n", encoding="utf-8")
    result = kaohe("evaluate", JX, "-e", "teacher", "-i", src, "--as-of", "2020-06-30", timeout=60)
    lines = check_batch(
        result,
        [
            ("OK", None),
            ("NULL_AGE", "age"),
            ("NO_GENDER", "gender"),
            ("NAN", "class_hours"),
            ("INF", "class_hours"),
            ("HUGE", "class_hours"),
            ("TINY", "class_hours"),
            ("BIGINT", "age"),
            ("FLOAT", None),
            ("STR", None),
            ("NEG", "daily_usage"),
            (None, "input.json"),
            (None, "input.json"),
            ("LAST", None),
        ],
    )
    assert lines[8]["scores"]["lesson_score"] == 49
    assert lines[11]["error"]["record"] == 12


def test_jsonl_very_long_line(tmp_path, monkeypatch):
    import engine.io.text as io_module

    monkeypatch.setattr(io_module, "MAX_LINE", 1000)
    long_line = json.dumps(teacher(id="LONG", daily_usage=[4] * 2000))
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps(teacher(id="A")) + "\n" + long_line + "\n" + json.dumps(teacher(id="B")) + "\n")
    policy = engine.load_policy(JX)
    from engine.io import read_records

    records = read_records(str(src), policy.runtime("teacher").entity)
    out = [o.to_dict() for o in policy.evaluate_many(records, "teacher")]
    assert [o["id"] for o in out] == ["A", None, "B"]
    assert out[1]["error"]["code"] == "input.line-too-long"
    # and a long line under the limit is read (through the real command line, 1 MB)
    src.write_text(json.dumps(teacher(id="A")) + "\n" + json.dumps(teacher(id="L", daily_usage=[4] * 100_000)) + "\n")
    check_batch(kaohe("evaluate", JX, "-e", "teacher", "-i", src), [("A", None), ("L", None)])


@pytest.mark.parametrize("day", ["2021-06-30", "2021/6/30", "2021年6月30日", "２０２１-０６-３０", "2021.6.30"])
def test_date_forms(tmp_path, day):
    header = "承训单位,工作简报期数,参训教师人数,教师成长研究案例数,培训结束日期,成果提交日期,延期获批"
    rows = [
        f"GOOD,4,100,10,{day},{day},否",
        "BAD,4,100,10,2021-02-30,,否",
        "WORD,4,100,10,六月底,,否",
        f"LATE,4,100,10,{day},2021-09-01,否",
    ]
    result = run_csv(
        tmp_path,
        rows,
        policy=str(POLICIES / "henan.yaml"),
        entity="contractor",
        header=header,
        extra=("--as-of", "2021-12-01"),
    )
    lines = check_batch(result, [("GOOD", None), ("BAD", "training_end"), ("WORD", "training_end"), ("LATE", None)])
    assert lines[0]["grade"]["code"] == "pass"
    assert lines[3]["grade"]["code"] == "fail"
    assert lines[0]["scores"]["deliverables_deadline"] == "2021-07-30"


def test_guangxi_school_dates(tmp_path):
    rows = ["资源中学,2020-12-20", "民族中学,2022/1/5", "梅溪初中,2021年6月30日", "瓜里中心校,明年"]
    result = run_csv(
        tmp_path,
        rows,
        policy=str(POLICIES / "guangxi.yaml"),
        entity="school",
        header="id,completed_date",
        extra=("--as-of", "2021-12-31"),
    )
    check_batch(result, [("资源中学", None), ("民族中学", None), ("梅溪初中", None), ("瓜里中心校", "completed_date")])


# --- 4. nothing lost; distinct exit statuses ----------------------------------------------------


def _big_input(path, n=200_000):
    line = (
        '{"id":"T%d","gender":"F","age":35,"daily_usage":['
        + ",".join(["4"] * 75)
        + '],"class_hours":600,"lesson_scores":[60,60,60,60,60,60]}\n'
    )
    with open(path, "w", encoding="utf-8") as out:
        out.writelines(line % i for i in range(n))


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT, signal.SIGTERM], ids=["KILL", "INT", "TERM"])
def test_killed_run_leaves_the_previous_output(tmp_path, sig):
    src = tmp_path / "big.jsonl"
    _big_input(src)
    out = tmp_path / "out.jsonl"
    previous = '{"previous": "complete"}\n'
    out.write_text(previous, encoding="utf-8")
    proc = subprocess.Popen(
        [*CLI, "evaluate", JX, "-e", "teacher", "-i", str(src), "--as-of", "2020-06-30", "-o", str(out)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        # wait until the temporary file holds output: the run is writing
        while time.monotonic() < deadline:
            temps = list(tmp_path.glob(".out.jsonl.*.tmp"))
            if temps and temps[0].stat().st_size > 0:
                break
            assert proc.poll() is None, "finished before it could be interrupted; use a larger input"
            time.sleep(0.02)
        else:
            pytest.fail("the run never started writing")
        proc.send_signal(sig)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode != 0
    assert out.read_text(encoding="utf-8") == previous
    names = {p.name for p in tmp_path.iterdir()}
    assert names <= {"big.jsonl", "out.jsonl"} | {
        n for n in names if n.startswith(".out.jsonl.") and n.endswith(".tmp")
    }
    if sig == signal.SIGINT:  # an interrupt cleans up after itself
        assert not list(tmp_path.glob(".out.jsonl.*"))


def test_killed_run_without_previous_output_leaves_none(tmp_path):
    src = tmp_path / "big.jsonl"
    _big_input(src, 100_000)
    out = tmp_path / "out.jsonl"
    proc = subprocess.Popen(
        [*CLI, "evaluate", JX, "-e", "teacher", "-i", str(src), "-o", str(out)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(tmp_path.glob(".out.jsonl.*.tmp")):
        time.sleep(0.01)
    time.sleep(0.3)
    proc.kill()
    proc.wait()
    assert not out.exists()


def test_interrupt_has_its_own_exit_status(tmp_path):
    src = tmp_path / "big.jsonl"
    _big_input(src, 100_000)
    proc = subprocess.Popen(
        [*CLI, "evaluate", JX, "-e", "teacher", "-i", str(src), "-o", str(tmp_path / "o.jsonl")],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(tmp_path.glob(".o.jsonl.*.tmp")):
        time.sleep(0.01)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=60)
    assert proc.returncode not in (EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_POLICY, EXIT_INPUT)


EXAMPLE = str(ROOT / "examples" / "jiangxi" / "teachers.csv")


@pytest.mark.parametrize(
    "args, status",
    [
        (["evaluate", JX, "-e", "teacher", "-i", EXAMPLE], EXIT_OK),
        (["evaluate", JX, "-e", "teachr", "-i", EXAMPLE], EXIT_USAGE),
        (["evaluate", JX, "-e", "teacher", "-i", EXAMPLE, "--bogus"], EXIT_USAGE),
        (["evaluate", JX, "-e", "teacher", "-i", EXAMPLE, "--format", "xml"], EXIT_USAGE),
        (["evaluate", JX, "-e", "teacher", "-i", EXAMPLE, "--as-of", "2019-01-01"], EXIT_USAGE),
        (["evaluate", JX, "-e", "teacher", "-i", EXAMPLE, "--as-of", "2020-13-01"], EXIT_USAGE),
        (["evaluate", JX, "-e", "teacher"], EXIT_USAGE),
        # a missing output folder is the user's environment: its own status, 6 (issue 13)
        (["evaluate", JX, "-e", "teacher", "-i", EXAMPLE, "-o", "/nonexistent-dir/x/out.jsonl"], 6),
        (["evaluate", JX, "-e", "teacher", "-i", "/nonexistent/teachers.csv"], EXIT_INPUT),
        (["evaluate", JX, "-e", "teacher", "-i", "examples/jiangxi/teachers.txt"], EXIT_INPUT),
        (["evaluate", JX, "-e", "teacher", "-i", "examples/jiangxi"], EXIT_INPUT),
        (
            ["evaluate", "/nonexistent/policy.yaml", "-e", "teacher", "-i", EXAMPLE],
            EXIT_INPUT,
        ),  # a missing policy is not an invalid one
    ],
)
def test_exit_statuses(args, status):
    result = kaohe(*args)
    assert result.returncode == status, result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_more_exit_statuses(tmp_path):
    (tmp_path / "x.xlsx").write_bytes(b"PK\x03\x04 not really a workbook")
    result = kaohe("evaluate", JX, "-e", "teacher", "-i", tmp_path / "x.xlsx")
    assert result.returncode == EXIT_INPUT and "internal error" not in result.stderr
    (tmp_path / "x.json").write_text("{", encoding="utf-8")
    assert kaohe("evaluate", JX, "-e", "teacher", "-i", tmp_path / "x.json").returncode == EXIT_INPUT
    bad = with_expr(tmp_path, "age.real")
    assert kaohe("evaluate", bad, "-e", "teacher", "-i", EXAMPLE).returncode == EXIT_POLICY
    src = tmp_path / "one.jsonl"
    src.write_text('{"id": "B", "gender": "X", "age": 30}\n', encoding="utf-8")
    assert kaohe("evaluate", JX, "-e", "teacher", "-i", src).returncode == EXIT_REJECTED


def test_stdin_and_empty_inputs(tmp_path):
    good = json.dumps(teacher(id="S")) + "\n"
    result = kaohe("evaluate", JX, "-e", "teacher", "-i", "-", input=good + "garbage\n")
    check_batch(result, [("S", None), (None, "input.json")])
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    result = kaohe("evaluate", JX, "-e", "teacher", "-i", empty)
    assert result.returncode == EXIT_OK and result.stdout == "" and "0 record(s)" in result.stderr
