"""One broken policy or record per error code: tests/invalid/<code>.yaml.

Each file holds the cases of one diagnostic code (its variants, and the reasons and hints
shown inside it). A case breaks ``tests/invalid/_base.yaml`` with ``replace:`` edits (or gives
its whole ``text:`` or ``bytes:``), may add a ``records:`` file to evaluate, and states the
catalogue key it produces, where (``at: policy.yaml:line:col``) and fragments of the English
and the Chinese text. The last test fails when a catalogue key is produced by no case and is
not in NOT_FROM_A_FILE with its reason.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
import yaml

import engine
from engine.base.catalogue import CATALOGUE
from engine.base.errors import Diagnostic, KaoheError, Problem
from engine.io import read_records
from engine.io.text import atomic_path

from .test_tool_messages import CHECKED_HERE

FOLDER = Path(__file__).resolve().parent / "invalid"
BASE = (FOLDER / "_base.yaml").read_text(encoding="utf-8")

#: catalogue keys no policy, record or input file can produce, each with the reason
NOT_FROM_A_FILE = {
    **{
        key: "a case file's problem (kaohe test), not a policy's or a record's; tests/test_language.py writes one"
        for key in ("cases.shape", "cases.case", "cases.case/record-or-members", "cases.expect", "cases.entity")
    },
    "cases.as-of": "a case file's problem (kaohe test); tests/test_language.py writes one",
    "usage.lang": "an API argument (Result.to_dict(lang=...)); tests/test_embedding.py passes a wrong one",
    "usage.as-of": "an API argument (evaluate(as_of=...)); the command line's --as-of is checked by click",
    "usage.loader": "an API argument (parse_policy(loader=...)) that is not a function",
    "record.ambiguous": "two keys of one in-memory record naming one field (e.g. 工号 and id); a file's headers "
    "are mapped by the readers first",
    "policy.mapping": "a mapping handed to parse_policy that YAML cannot write out (an object, not data)",
    "extends.loader": "a loader callback of parse_policy that raises",
    "input.cut-line": "a warning beside a graded record, not a refusal; tests/test_faults.py checks it in the "
    "record, the run summary and with --strict",
    "input.line-too-long/item": "an item of a .json array over 16 MiB; tests/test_faults.py writes one",
    "input.too-large": "a .json file over 64 MiB; tests/test_faults.py writes one",
    **{
        key: "a kaohe serve request's problem (a query parameter, a PDF the server cannot print); "
        "tests/test_service.py sends each (task: serve2)"
        for key in ("serve.engine", "serve.report-format", "serve.no-browser", "serve.pdf")
    },
    **{
        key: "the environment refusing a write (a full disk, a file size limit, a read-only disk, no permission as "
        "root); tests/test_faults.py produces each with a tmpfs, RLIMIT_FSIZE or a read-only bind mount"
        for key in (
            "output.disk-full",
            "output.disk-full/quota",
            "output.too-large",
            "output.read-only",
            "output.denied",
            "output.write-failed",
        )
    },
    "expr.limit/entity": "CPython refusing to compile one entity's generated function: the expression limits "
    "stop any file first; test_batch_path plants the compiler's refusal and checks the location",
    "file.unreadable/not-found": "a policy named by a path that holds no file is policy.not-found; this entry is for "
    "files read by path alone (a case file's policy, a base read through a loader)",
    "hint.period-cli": "the command line's wording of usage.period's hint (the library's names as_of=); test_cli checks it",
    "yaml.too-deep": "the builder's own depth guard: _check_nesting refuses the same depth first "
    "(yaml.too-deep/flow for brackets is produced by a file)",
    "yaml.encoding/unicode": "a lone surrogate can only be in text handed to parse_yaml; "
    "a file's bytes that are not UTF-8 are yaml.encoding",
    "file.unreadable": "an OS error other than not-found, folder or permission (an I/O error)",
    "file.unreadable/permission": "the suite may run as root, who can read any file",
    "input.unreadable": "an OS error other than not-found, folder or permission (an I/O error)",
    "input.unreadable/permission": "the suite may run as root, who can read any file",
    "input.xlsx/openpyxl": "needs an environment without openpyxl",
    "usage.group-by": "from the --group-by option of kaohe report, not a file (tests/test_cli.py)",
    "schema.format": "every pattern in schemas/policy.schema.json has its own variant; this is the "
    "fallback for a pattern added later",
    "schema.invalid": "every keyword the schema uses has its own text; this is the fallback for a keyword added later",
    "schema.invalid/maximum": "the schema has no maximum a value can exceed that another check does not report first",
    "expr.forbidden": "every refused node kind has its own variant; this is the fallback",
    "hint.fullwidth-operator": "superseded by hint.fullwidth-operator/char, which names the character Python "
    "stopped at; the general wording stays in the catalogue for programs that render it by key",
    "eval.other": "the fallback for a Python failure none of the eval.* keys names",
    "eval.too-large": "RecursionError or MemoryError while computing; limits stop every such record first",
    "word.kind.other": "a value of a kind records cannot hold (fallback)",
    "record.shape": "readers turn a line or item that is not a mapping into input.json; only a "
    "program calling Policy.evaluate can pass one",
    "record.name": "an internal guard: the compiler checks every name an expression reads",
    "input.xlsx/no-sheets": "neither Excel nor openpyxl saves a workbook without sheets",
    "input.xlsx/xls": "read_records refuses a .xls file by its suffix first (input.format)",
    "expr.type": "the schema admits only text, numbers and true/false as an expression, and all parse",
    "expr.limit/nesting": "Python's parser overflows only beyond the 2,000-character limit "
    "(expr.limit/chars comes first); kept for a parser that overflows sooner",
    "type.unknown-function": "parse_expression refuses a name that is not a function first (expr.unknown-function); "
    "the type checker's own guard for a function without a signature",
    "type.unknown-name": "the compiler refuses an undeclared name first (expr.unknown-name); the type checker's guard",
    "type.mismatch/untyped": "parse_expression refuses every node the type checker has no rule for (expr.forbidden)",
    "type.mismatch/constant": "parse_expression admits only constants of the language (numbers, text, yes/no, None)",
    "type.arguments/at-least": "min() and max() take at least one argument; a call without one reads no name, "
    "so it is computed at load and refused as expr.constant first",
    "eval.date-parts": "date(y, m, d) is type-checked to whole numbers at load; a record cannot change that",
    "eval.date-text": "date(x) is type-checked to text or a date at load",
    "eval.needs-date": "add_months(), add_years(), year(), month() and day() are type-checked to dates at load",
    "eval.field-name": "the type checker requires the field name as quoted text at load (type.field)",
    # the tools', the API's and the service's own problems (task: voice)
    **{
        key: "a problem of a tool, the API or kaohe serve, not of a file; tests/test_tool_messages.py makes it "
        "happen and checks both languages"
        for key in CHECKED_HERE
    },
    "fmt.yaml": "kaohe fmt reads a file with kaohe's own reader first (yaml.* problems); this is ruamel.yaml "
    "refusing what kaohe accepted",
    "fmt.meaning": "kaohe fmt's guard that its output says what the input said; no known file trips it",
    "usage.group-by/several": "two inputs of one entity sharing a label; no shipped policy has them "
    "(tests/unit/test_messages.py checks the Chinese)",
    "request.http": "an HTTP error other than 404 and 405 from the web framework: the fallback",
    "request.field": "a part of request.invalid (tests/test_tool_messages.py and test_service.py)",
    "request.field/missing": "a part of request.invalid (tests/test_tool_messages.py)",
    **{
        key: "a request to kaohe serve past its limits; tests/test_service.py checks the code"
        for key in ("limit.records", "limit.time", "limit.policy-time", "limit.upload", "auth.localhost", "internal")
    },
    **{
        f"word.consequence.{kind}": "a word of kaohe explain (tests/test_language_runs.py reads it in Chinese)"
        for kind in ("credit", "sanction", "obligation", "award")
    },
}
#: prefixes of keys that are not problems: the CLI's sentences are checked in test_cli.py; the
#: columnar engine's notices and its reasons for the row engine (never a refusal: the row engine
#: then judges the records) in tests/test_columnar_cli.py and tests/test_columnar.py
#: lint's warnings (a loaded policy's style, never a refusal) in tests/unit/test_lint.py, both languages
#: kaohe prove's verdicts (answers, not refusals) in tests/test_prove.py, both languages
NOT_PROBLEMS = ("cli.", "columnar.", "lint.", "prove.")


def _cases():
    for path in sorted(FOLDER.glob("*.yaml")):
        if path.name.startswith("_"):
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for n, case in enumerate(data["cases"], 1):
            yield pytest.param(path.stem, case, id=f"{path.stem}#{n}")


CASES = list(_cases())


_REPEAT = re.compile(r"<<(.)\*(\d+)>>")


def _expand(text: str) -> str:
    """``<<x*140000>>`` stands for 140000 x's: a long field without a long fixture."""
    return _REPEAT.sub(lambda m: m.group(1) * int(m.group(2)), text)


def _policy_text(case) -> bytes:
    if "bytes" in case:
        return case["bytes"].encode("latin-1").decode("unicode_escape").encode("latin-1")
    text = case.get("text", BASE)
    if "pad" in case:  # a comment line of this many characters first (a file too large)
        text = "# " + "x" * case["pad"] + "\n" + text
    for old, new in case.get("replace", []):
        assert text.count(old) == 1, f"{old!r} must occur once in the base policy"
        text = text.replace(old, new)
    return text.encode("utf-8")


def produce(case, tmp_path: Path) -> list[Diagnostic]:
    """The diagnostics the case's files give: loading, then reading and evaluating records."""
    policy_path = tmp_path / "policy.yaml"
    if case.get("policy_is_folder"):
        policy_path.mkdir()
    elif not case.get("no_policy_file"):
        policy_path.write_bytes(_policy_text(case))
    for name, text in (case.get("files") or {}).items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(BASE if text == "BASE" else text, encoding="utf-8")
    try:
        policy = engine.load_policy(policy_path)
    except KaoheError as exc:
        return exc.diagnostics
    found = list(policy.spec.warnings)
    if "output" in case:  # where --output would write
        try:
            with atomic_path(str(tmp_path / case["output"])):
                pass
        except KaoheError as exc:
            found += exc.diagnostics
    if "workbook" in case:
        _workbook(tmp_path / case.get("input", "records.xlsx"), case["workbook"])
    if not {"records", "records_bytes", "records_pad", "workbook", "input"} & set(case):
        return found
    entity = case.get("entity", "teacher")
    as_of = dt.date.fromisoformat(case.get("as_of", "2022-06-30"))
    name = case.get("input", "records.xlsx" if "workbook" in case else "records.jsonl")
    if "records_pad" in case:  # one record line of this many characters (a line too long)
        (tmp_path / name).write_text('{"id": "' + "x" * case["records_pad"] + '"}\n', encoding="utf-8")
    elif "records" in case:
        (tmp_path / name).write_text(_expand(case["records"]), encoding="utf-8")
    elif "records_bytes" in case:
        (tmp_path / name).write_bytes(
            case["records_bytes"].encode("latin-1").decode("unicode_escape").encode("latin-1")
        )
    try:
        if case.get("members"):
            rt = policy.runtime(entity)
            member = rt.entity.members.entity if rt.entity.members else entity
            records = list(read_records(str(tmp_path / name), policy.runtime(member).entity))
            for group, members in policy.evaluate_members(records, entity, as_of=as_of):
                found += [d for o in [group, *members] if not o.ok for d in o.error.diagnostics]
        elif "engine" in case:  # the columnar path: kaohe evaluate --engine, --detail NAME=FILE, Parquet
            from engine.io.tables import evaluate_source

            details = {k: str(tmp_path / v) for k, v in (case.get("details") or {}).items()}
            outcomes = evaluate_source(
                policy, entity, str(tmp_path / name), as_of=as_of, engine=case["engine"], details=details, notes=[]
            )
            found += [d for o in outcomes if not o.ok for d in o.error.diagnostics]
        else:
            records = list(read_records(str(tmp_path / name), policy.runtime(entity).entity, sheet=case.get("sheet")))
            for outcome in policy.evaluate_many(records, entity, as_of=as_of):
                if not outcome.ok:
                    found += outcome.error.diagnostics
    except KaoheError as exc:
        found += exc.diagnostics
    return found


def _workbook(path: Path, sheets: dict) -> None:
    """A workbook of {sheet name: rows}; a cell "#DIV/0!" is written as that Excel error."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)


def keys_of(diagnostic: Diagnostic) -> set[str]:
    """Every catalogue key a diagnostic's text is made from."""
    keys = {diagnostic.key} if diagnostic.key else set()
    todo: list = [diagnostic.advice, *diagnostic.params.values()]
    while todo:
        item = todo.pop()
        if isinstance(item, Problem):
            keys.add(item.key)
            todo.extend(item.params.values())
            todo.append(getattr(item, "advice", None))
        elif isinstance(item, (list, tuple)):
            todo.extend(item)
    return keys


def _where(diagnostic: Diagnostic, tmp_path: Path) -> str:
    return str(diagnostic.location).replace(str(tmp_path) + "/", "")


_UNFILLED = re.compile(r"\{[a-z_]+\}")


@pytest.mark.parametrize("code, case", CASES)
def test_fixture(code, case, tmp_path):
    key = case.get("key", code)
    assert key in CATALOGUE, f"{key} is not in the catalogue"
    assert key.split("/")[0] == code or key.split(".")[0] in ("value", "eval", "interval", "hint", "word"), (
        f"tests/invalid/{code}.yaml holds the cases of {code} (or of a reason shown inside a diagnostic)"
    )
    found = produce(case, tmp_path)
    matching = [d for d in found if key in keys_of(d)]
    assert matching, f"no diagnostic made from {key}; got: " + "; ".join(d.render("en") for d in found)
    diagnostic = matching[0]
    if "code" in case:
        assert diagnostic.code == case["code"]
    assert _where(diagnostic, tmp_path) == case["at"]
    english, chinese = (diagnostic.render(lang).replace(str(tmp_path) + "/", "") for lang in ("en", "zh"))
    for fragment in case["en"]:
        assert fragment in english, english
    for fragment in case["zh"]:
        assert fragment in chinese, chinese
    for text in (english, chinese):
        assert not _UNFILLED.search(text), f"a parameter is missing: {text}"


def test_every_catalogue_key_has_a_fixture(tmp_path):
    produced: set[str] = set()
    for n, param in enumerate(CASES):
        _code, case = param.values
        folder = tmp_path / str(n)
        folder.mkdir()
        for diagnostic in produce(case, folder):
            produced |= keys_of(diagnostic)
    missing = [
        key
        for key in CATALOGUE
        if key not in produced and key not in NOT_FROM_A_FILE and not key.startswith(NOT_PROBLEMS)
    ]
    assert not missing, f"{len(missing)} catalogue keys have no fixture in tests/invalid/: {missing}"
    stale = [key for key in NOT_FROM_A_FILE if key in produced or key not in CATALOGUE]
    assert not stale, f"listed as not producible, but produced (or gone): {stale}"
