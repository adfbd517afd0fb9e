"""Hypothesis fuzzing of the three doors hostile input comes through: policy YAML,
expressions, and record files. Bounded example counts: the whole file runs in well under
a minute. Each property: a clear answer (a value or kaohe's own error), never a crash."""

from __future__ import annotations

import datetime as dt
import io
from fractions import Fraction

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine.base.errors import Location, PolicyError, RecordError
from engine.io import read_records
from engine.language.compiler import compile_document
from engine.language.expressions import EvalFailure, Expression, ExpressionProblem, parse_expression
from engine.language.loader import parse_yaml
from engine.runtime.result import Failure, Result

from .conftest import POLICIES

JX_TEXT = (POLICIES / "jiangxi.yaml").read_text(encoding="utf-8")
JX_LINES = JX_TEXT.splitlines(keepends=True)
JIANGXI = engine.load_policy(POLICIES / "jiangxi.yaml")
TEACHER = JIANGXI.runtime("teacher").entity


def bounded(n):
    return settings(
        max_examples=n,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
    )


# --- policy YAML ------------------------------------------------------------------------------


def _compile(text: str):
    try:
        doc = parse_yaml(text, "fuzz.yaml")
        return compile_document(doc)
    except PolicyError as exc:
        assert exc.diagnostics and all(d.location.file == "fuzz.yaml" for d in exc.diagnostics)
        return exc


NASTY = [
    "：",
    "\t",
    "\u3000",
    "４０",
    "％",
    "&a",
    "*a",
    "<<: *a",
    "!!python/object:os.system",
    "{",
    "[",
    "'",
    '"',
    "- ",
    ": ",
    "#",
    "~",
    "no",
    "1e999999999",
    "9" * 5000,
    "\x00",
    "\ufeff",
    "..",
    "---",
    "? ",
    "|",
    ">",
]


@st.composite
def mutated_policy(draw):
    lines = list(JX_LINES)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(lines) - 1))
        action = draw(
            st.sampled_from(["delete", "duplicate", "replace-line", "char-delete", "char-insert", "char-replace"])
        )
        line = lines[i]
        if action == "delete":
            del lines[i]
        elif action == "duplicate":
            lines.insert(i, line)
        elif action == "replace-line":
            lines[i] = draw(st.sampled_from(NASTY + [draw(st.text(max_size=30))])) + "\n"
        else:
            pos = draw(st.integers(0, max(len(line) - 1, 0)))
            piece = draw(st.one_of(st.sampled_from(NASTY), st.characters()))
            if action == "char-delete":
                lines[i] = line[:pos] + line[pos + 1 :]
            elif action == "char-insert":
                lines[i] = line[:pos] + piece + line[pos:]
            else:
                lines[i] = line[:pos] + piece + line[pos + 1 :]
        if not lines:
            break
    return "".join(lines)


@bounded(60)
@given(mutated_policy())
def test_mutated_policy_is_a_spec_or_a_policy_error(text):
    outcome = _compile(text)
    assert isinstance(outcome, (engine.language.model.PolicySpec, PolicyError))


@bounded(60)
@given(st.lists(st.sampled_from(list("abk :-[]{}&*!'\"\n\t#|>?,1.0e9") + NASTY), max_size=60).map("".join))
def test_random_yaml_is_a_spec_or_a_policy_error(text):
    outcome = _compile(text)
    assert isinstance(outcome, (engine.language.model.PolicySpec, PolicyError))


# --- expressions --------------------------------------------------------------------------------

NAMES = {"a": "input", "b": "input", "xs": "input", "d": "input", "s": "input", "as_of": "builtin"}
TOKENS = [
    "a",
    "b",
    "xs",
    "d",
    "s",
    "as_of",
    "0",
    "1",
    "2",
    "0.40",
    "9",
    "400",
    "1e400",
    "10",
    "'x'",
    "'pass'",
    "True",
    "None",
    "+",
    "-",
    "*",
    "/",
    "//",
    "%",
    "**",
    "==",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "and",
    "or",
    "not",
    "if",
    "else",
    "in",
    "(",
    ")",
    "[",
    "]",
    ",",
    "len(",
    "sum(",
    "mean(",
    "min(",
    "max(",
    "abs(",
    "cap(",
    "capped_sum(",
    "count(",
    "distinct(",
    "all(",
    "any(",
    "round(",
    "floor(",
    "ceil(",
    "date(",
    "add_days(",
    "days_between(",
    "given(",
    # dangerous ones
    "__import__",
    "__class__",
    ".",
    "_e",
    "lambda",
    ":",
    ":=",
    "for",
    "x",
    "f'",
    "{",
    "}",
    "open(",
    "eval(",
    "exec(",
    "getattr(",
    "os",
    "system(",
    "'a'*",
    "9**9**9",
    "<<",
    "|",
    "&",
    "^",
    "~",
    "@",
    "yield",
    "await",
    "*xs",
    "key=",
    "1j",
    "b'x'",
    "...",
    "\\",
    "#",
    "；",
    "（",
    "）",
    "％",
]


@st.composite
def expression_text(draw):
    return " ".join(draw(st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14)))


values = st.one_of(
    st.integers(-(10**6), 10**6),
    st.fractions(max_denominator=1000),
    st.booleans(),
    st.none(),
    st.sampled_from(["x", "pass", ""]),
    st.lists(st.integers(0, 9), max_size=6),
    st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1)),
)
envs = st.fixed_dictionaries(
    {"a": values, "b": values, "xs": values, "d": values, "s": values, "as_of": st.just(dt.date(2021, 6, 30))}
)
KNOWN = (EvalFailure, TypeError, ValueError, ZeroDivisionError, OverflowError, ArithmeticError)


def _parse(text):
    try:
        return parse_expression(text, Location("fuzz.yaml", 1, 1), NAMES)
    except ExpressionProblem as problem:
        assert problem.code.startswith("expr.")
        return None


@bounded(400)
@given(expression_text(), envs)
def test_random_expression_is_checked_or_refused_and_evaluates_safely(text, env):
    expression = _parse(text)
    if expression is None:
        return
    assert isinstance(expression, Expression)
    assert not any(name.startswith("_") for name in expression.names)
    for evaluate in (expression.fast, expression.reference):
        try:
            value = evaluate(dict(env))
        except KNOWN:
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            assert value.bit_length() <= 2 * 512 + 8  # bounded growth (a division may double it once)
        assert isinstance(value, (int, Fraction, bool, str, list, tuple, dt.date, type(None), type(...)))


@bounded(200)
@given(st.text(max_size=60))
def test_arbitrary_text_never_escapes_the_checker(text):
    expression = _parse(text)
    assert expression is None or isinstance(expression, Expression)


# --- record files ---------------------------------------------------------------------------------

HEADER = "工号,性别,年龄,自愿参加,每日使用次数,总课时,课堂评分\n"
CELLS = [
    "JX1",
    "女",
    "男",
    "X",
    "34",
    "55",
    "-1",
    "101",
    "４０",
    "40%",
    "1,234",
    "NaN",
    "1e999999999",
    "是",
    "否",
    "TRUE",
    "1",
    "",
    "4;4;4",
    "[4, 4]",
    "600",
    "60;60;60;60;60;60",
    '"',
    '""',
    "a,b",
    "\u3000",
    "\ufeff",
]


@st.composite
def csv_bytes(draw):
    rows = [HEADER]
    for _ in range(draw(st.integers(0, 8))):
        cells = draw(st.lists(st.sampled_from(CELLS), min_size=0, max_size=9))
        rows.append(",".join(cells) + draw(st.sampled_from(["\n", "\r\n", "\n\n"])))
    data = "".join(rows).encode(draw(st.sampled_from(["utf-8", "gbk", "utf-8-sig"])), "replace")
    if draw(st.booleans()):  # damage some bytes
        raw = bytearray(data)
        for _ in range(draw(st.integers(1, 5))):
            if raw:
                raw[draw(st.integers(0, len(raw) - 1))] = draw(st.integers(0, 255))
        data = bytes(raw)
    return data


JSON_PIECES = [
    '{"id": "T", "gender": "F", "age": 35, "daily_usage": [4, 4], "class_hours": 600, '
    '"lesson_scores": [60, 60, 60, 60, 60, 60]}',
    '{"id": 1}',
    "[]",
    "{",
    "null",
    '"x"',
    "NaN",
    '{"id": "N", "age": NaN}',
    '{"id": "I", "class_hours": Infinity}',
    '{"id": "E", "class_hours": 1e999999999}',
    '{"id": "B", "daily_usage": [1e-99999]}',
    '{"id": "Z", "gender": {"a": 1}}',
    "",
    "   ",
    "\ufeff{}",
]


@st.composite
def jsonl_bytes(draw):
    lines = draw(st.lists(st.one_of(st.sampled_from(JSON_PIECES), st.text(max_size=20)), max_size=10))
    data = "\n".join(lines).encode("utf-8", "surrogatepass")
    if draw(st.booleans()):
        data += draw(st.binary(max_size=30))
    return data


def _count_and_check(path, expected_min):
    outcomes = list(JIANGXI.evaluate_many(read_records(str(path), TEACHER), "teacher", as_of=dt.date(2020, 6, 30)))
    for outcome in outcomes:
        assert isinstance(outcome, (Result, Failure))
        data = outcome.to_dict()
        assert ("error" in data) != outcome.ok
    return outcomes


@bounded(80)
@given(data=csv_bytes())
def test_random_csv_gives_a_result_or_failure_per_record(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("csv") / "in.csv"
    path.write_bytes(data)
    try:
        outcomes = _count_and_check(path, 0)
    except engine.InputError:
        return  # the file as a whole (its header) is unreadable: exit 4, a clear answer
    # never more outcomes than physical lines after the header; rows are not invented
    assert len(outcomes) <= max(data.count(b"\n") + data.count(b"\r"), 1)


@bounded(80)
@given(data=jsonl_bytes())
def test_random_jsonl_gives_one_outcome_per_non_blank_line(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("jsonl") / "in.jsonl"
    path.write_bytes(data)
    try:
        outcomes = _count_and_check(path, 0)
    except engine.InputError:
        assert data.startswith((b"\xff\xfe", b"\xfe\xff"))
        return
    lines = [line for line in io.BytesIO(data).readlines() if line.strip()]
    assert len(outcomes) == len(lines)


@bounded(150)
@given(
    st.dictionaries(
        st.sampled_from(["id", "gender", "age", "opted_in", "daily_usage", "class_hours", "lesson_scores", "other"]),
        st.one_of(
            st.none(),
            st.booleans(),
            st.integers(),
            st.floats(),
            st.text(max_size=12),
            st.lists(st.one_of(st.integers(), st.floats(), st.text(max_size=4)), max_size=5),
            st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
        ),
    )
)
def test_random_record_dicts_give_a_result_or_failure(record):
    import copy

    before = copy.deepcopy(record)
    outcomes = list(JIANGXI.evaluate_many([record, record], "teacher", as_of=dt.date(2020, 6, 30)))
    assert len(outcomes) == 2 and all(isinstance(o, (Result, Failure)) for o in outcomes)
    first, second = outcomes[0].to_dict(), outcomes[1].to_dict()
    if "error" in first:  # the failures differ only by the record number
        assert first["error"].pop("record") == 1 and second["error"].pop("record") == 2
    assert first == second
    if not outcomes[0].ok:
        assert isinstance(outcomes[0].error, RecordError)
    # NaN != NaN: compare by repr
    assert repr(record) == repr(before)
