"""Policy text a client posts (/validate, /lint, /test), checked in a worker process.

The text goes through the same bounded loader as a policy file (size, nesting and node
limits of ``engine.language.loader``), and the whole check runs in a separate process that
is killed when it takes longer than the time limit, so no posted text can hold the server.
``extends`` and a case file's ``policy:`` resolve against the server's own policy files,
which are linked beside the posted text in a private temporary folder; what a client sees
of any file is its base name, never a server path.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import multiprocessing
import re
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from ..base.errors import Diagnostic, KaoheError, Location

__all__ = ["CheckTimeout", "Sandbox", "check_text", "clean_name", "diagnostic_dict"]

_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,80}\.yaml$")


class CheckTimeout(KaoheError):
    """Checking posted policy text took longer than the time limit."""


def clean_name(name: str | None) -> str:
    """A posted file name as a plain base name ending in .yaml (never a path)."""
    name = Path(str(name or "policy.yaml").replace("\\", "/")).name
    if not name.endswith(".yaml"):
        name += ".yaml"
    if name.endswith(".tests.yaml"):
        name = name[: -len(".tests.yaml")] + ".yaml"
    return name if _NAME.match(name) else "policy.yaml"


def diagnostic_dict(d: Diagnostic, lang: str, hide: Iterable[str] = ()) -> dict:
    """A diagnostic as data for a client: the file by base name only."""
    out = d.as_dict()
    out["text"] = d.message_in(lang)
    hint = d.hint_in(lang)
    if hint:
        out["hint"] = hint
    out["file"] = Path(d.location.file).name if d.location.file not in ("<unknown>", "") else None
    for folder in [hide] if isinstance(hide, str) else hide:
        for key in ("message", "text", "hint"):
            if isinstance(out.get(key), str):
                out[key] = out[key].replace(str(folder) + "/", "").replace(str(folder), "")
    out.pop("evidence", None)
    return out


def check_text(
    kind: str, name: str, policy_text: str, cases_text: str | None, files: dict, lang: str, trial: dict | None = None
) -> dict:
    """Run in the worker: ``kind`` is validate, lint, test or prove. With ``trial`` ({entity, record,
    as_of}), the record is also evaluated by the posted policy. Returns plain data."""
    from ..base.errors import PolicyError
    from ..runtime.policy import load_policy
    from ..tools.cases import run_cases
    from ..tools.lint import lint

    with tempfile.TemporaryDirectory(prefix="kaohe-check-") as tmp:
        folder = Path(tmp)
        hidden = [tmp, *sorted({str(Path(p).parent) for p in files.values()}, key=len, reverse=True)]
        for base, path in files.items():
            (folder / base).symlink_to(path)
        target = folder / name
        if target.is_symlink():
            target.unlink()
        target.write_text(policy_text, encoding="utf-8")
        cases_path = None
        if cases_text is not None:
            cases_path = folder / (name[: -len(".yaml")] + ".tests.yaml")
            if cases_path.is_symlink():
                cases_path.unlink()
            cases_path.write_text(cases_text, encoding="utf-8")
        out: dict = {"ok": True, "diagnostics": [], "policy": None}
        try:
            policy = load_policy(target)
        except PolicyError as exc:
            out["ok"] = False
            out["diagnostics"] = [diagnostic_dict(d, lang, hidden) for d in exc.diagnostics]
            return out
        spec = policy.spec
        out["policy"] = {"id": spec.id, "version": spec.version, "entities": list(spec.entities)}
        problems = list(spec.warnings)
        if kind == "lint":
            # no witness search: generating an example record for a shadowed level takes seconds,
            # too long for a check as one types; `kaohe lint` gives the example
            problems += lint(spec, None)
        out["diagnostics"] = [diagnostic_dict(d, lang, hidden) for d in problems]
        out["ok"] = not any(d.severity == "error" for d in problems)
        if trial is not None and out["ok"] and kind != "prove":
            out["result"] = _trial(policy, trial, lang)
        if kind == "prove" and out["ok"]:
            from ..tools.prove import prove, render_text

            verdicts = prove(policy, trial.get("entity") if trial else None)
            out["verdicts"] = [_safe(v.to_dict(lang)) for v in verdicts]
            out["proved"] = sum(v.status == "proved" for v in verdicts)
            out["counterexamples"] = sum(v.status == "counterexample" for v in verdicts)
            out["unknown"] = sum(v.status == "unknown" for v in verdicts)
            out["text"] = render_text(verdicts, lang)
            out["ok"] = out["counterexamples"] == 0
        if kind == "test" and cases_path is not None:
            try:
                _, outcomes, _ = run_cases(cases_path)
            except PolicyError as exc:
                out["ok"] = False
                out["diagnostics"] += [diagnostic_dict(d, lang, hidden) for d in exc.diagnostics]
                return out
            out["cases"] = [
                {
                    "name": o.case.name,
                    "rule": o.case.rule,
                    "ok": o.ok,
                    "line": o.case.location.line,
                    "problems": [{"what": w, "expected": _safe(e), "got": _safe(g)} for w, e, g in o.problems],
                }
                for o in outcomes
            ]
            out["passed"] = sum(o.ok for o in outcomes)
            out["failed"] = len(outcomes) - out["passed"]
            out["ok"] = out["ok"] and out["failed"] == 0
        return out


def _trial(policy, trial: dict, lang: str) -> dict:
    from ..base.errors import RecordError
    from ..language.kinds import parse_date
    from ..runtime.result import Failure

    entity = str(trial.get("entity") or "")
    record = trial.get("record")
    try:
        day = parse_date(str(trial["as_of"])) if trial.get("as_of") else None
        if not isinstance(record, dict):
            raise KaoheError(Diagnostic.of("request.record"))
        result = policy.evaluate(record, entity, as_of=day, trace=True, allow_outside=True)
        return _safe(result.to_dict(lang, trace=True))
    except RecordError as exc:
        data = _safe(Failure(entity, record.get("id") if isinstance(record, dict) else None, exc, 1).to_dict(lang))
        for problem in data["error"]["problems"]:
            problem.pop("evidence", None)
            problem["file"] = Path(problem["file"]).name if problem.get("file") else None
        return data
    except KaoheError as exc:
        return {"id": None, "entity": entity, "error": {"code": exc.first.code, "message": exc.first.message}}
    except ValueError as exc:
        return {"id": None, "entity": entity, "error": {"code": "request.record", "message": str(exc)}}


def _safe(value):
    """Plain JSON data (exact numbers as JSON numbers) that pickles back to the server."""
    import json

    from .jsonsafe import json_default

    return json.loads(json.dumps(value, ensure_ascii=False, default=json_default))


class Sandbox:
    """One worker process at a time checks posted text; a check past ``seconds`` kills it."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._lock = threading.Lock()
        self._pool: concurrent.futures.ProcessPoolExecutor | None = None

    def _executor(self) -> concurrent.futures.ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = concurrent.futures.ProcessPoolExecutor(
                    max_workers=1, mp_context=multiprocessing.get_context("spawn")
                )
            return self._pool

    def _kill(self, pool) -> None:
        with self._lock:
            if self._pool is pool:
                self._pool = None
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    async def run(self, *args: Any) -> dict:
        pool = self._executor()
        future = pool.submit(check_text, *args)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), self.seconds)
        except concurrent.futures.process.BrokenProcessPool:
            self._kill(pool)
            raise RuntimeError("the policy-checking worker process died") from None
        except TimeoutError:
            self._kill(pool)
            location = Location(args[1], 1, 1)
            raise CheckTimeout(Diagnostic.of("limit.policy-time", location, seconds=f"{self.seconds:g}")) from None

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            self._kill(pool)
