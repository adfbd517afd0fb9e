"""The REST API and the officers' web page: ``create_app(Settings(...))`` gives an ASGI app.

Endpoints (JSON in and out; every error is a failure object ``{id, entity, error: {code,
message, text, field, rule, problems}}`` with a fitting HTTP status):

  GET  /policies, /policies/{id}, /policies/{id}/source
  POST /policies/{id}/entities/{entity}/evaluate   records in (JSON, JSONL, CSV, multipart
       CSV/xlsx/JSON upload), results out by Accept (JSON, JSONL, CSV, xlsx)
  POST /policies/{id}/entities/{entity}/explain    one record: trace and next-grade hints
  POST /policies/{id}/entities/{entity}/columns    an upload's headers: mapped, unknown, missing
  POST /policies/{id}/entities/{entity}/report     the HTML report of an upload
  POST /validate, /lint, /test                     posted policy YAML (and case file) checked
  GET  /healthz, /metrics, /openapi.json, /docs, / (the page), /editor
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import datetime as dt
import functools
import io
import json
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from ..base.errors import Diagnostic, InputError, KaoheError, Problem, RecordError
from ..io import text as text_io
from ..io.sheets import missing_columns, unknown_columns, write_xlsx
from ..language.kinds import parse_date
from ..runtime.policy import PeriodError
from ..runtime.result import Failure
from ..tools.explain import explain_text, next_grade_hints
from ..tools.report import render_report
from .catalog import Catalog, UnknownPolicy, describe, summary
from .guard import Guard, Metrics
from .jsonsafe import json_default
from .sandbox import CheckTimeout, Sandbox, clean_name

__all__ = ["LimitError", "Settings", "create_app"]

STATIC = Path(__file__).resolve().parent / "static"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SMALL_BODY = 16 * 1024  # request bodies up to this size are evaluated on the event loop itself
JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/json-lines")


@dataclass
class Settings:
    """What a server is started with. The limits are documented in the README."""

    policies: list[Path] = field(default_factory=list)
    token: str | None = None
    max_upload_bytes: int = 20 * 1024 * 1024  # one request body
    max_records: int = 50_000  # records in one request
    request_seconds: float = 30.0  # the time one request may take
    policy_seconds: float = 10.0  # the time checking posted policy text may take
    prove_seconds: float = 60.0  # the time proving posted policy text may take (kaohe prove)
    workers: int = 4  # threads evaluating requests


class LimitError(KaoheError):
    """A request goes beyond a limit of the server (records, time)."""


def _dumps(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=json_default).encode("utf-8")


class _Json(Response):
    media_type = "application/json"

    def render(self, content) -> bytes:
        return _dumps(content)


# --- request bodies of the checking endpoints --------------------------------------------------


class PolicyText(BaseModel):
    policy: str = Field(description="The policy's YAML text.")
    name: str | None = Field(None, description="Its file name (default policy.yaml); 'extends' resolves beside it.")
    cases: str | None = Field(None, description="A case file's YAML text (for /test).")
    entity: str | None = Field(None, description="With record: try this record on the posted policy.")
    record: dict | None = Field(
        None, description="A record to evaluate with the posted policy (its result is 'result')."
    )
    as_of: str | None = Field(None, description="The day to judge the tried record at (YYYY-MM-DD).")
    lang: str | None = Field(None, pattern="^(zh|en)$")


# --- the app -----------------------------------------------------------------------------------


def create_app(settings: Settings, catalog: Catalog | None = None) -> FastAPI:
    """The ASGI app for ``settings``; policies are loaded here, once (PolicyError if one is broken)."""
    catalog = catalog or Catalog.load(settings.policies)
    metrics = Metrics()
    sandbox = Sandbox(settings.policy_seconds)
    prover = Sandbox(settings.prove_seconds)
    threads = concurrent.futures.ThreadPoolExecutor(settings.workers, thread_name_prefix="kaohe-serve")

    @contextlib.asynccontextmanager
    async def lifespan(_app):
        yield
        sandbox.close()
        prover.close()
        threads.shutdown(wait=False, cancel_futures=True)

    app = FastAPI(
        title="kaohe",
        version=_version(),
        description="Grade teachers, groups, schools and contractors by a region's policy. "
        "Errors are failure objects {id, entity, error: {code, message, text, field, rule, problems}}.",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.catalog, app.state.settings, app.state.metrics = catalog, settings, metrics
    app.add_middleware(Guard, token=settings.token, max_body=settings.max_upload_bytes, metrics=metrics)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    try:
        from swagger_ui_bundle import swagger_ui_path

        app.mount("/docs/assets", StaticFiles(directory=str(swagger_ui_path)), name="swagger")
    except ImportError:  # pragma: no cover - a dependency of the serve extra
        pass
    hidden = [str(d) for d in catalog.directories()] + [tempfile.gettempdir()]

    def fail(request: Request, status: int, diagnostics: list[Diagnostic], lang: str, entity=None) -> _Json:
        first = diagnostics[0]
        problems = []
        for d in diagnostics:
            item = d.as_dict()
            item.pop("evidence", None)
            item["file"] = Path(d.location.file).name if d.location.line else None
            problems.append(item)
        body = {
            "id": None,
            "entity": entity,
            "error": {
                "code": first.code,
                "message": _hide("; ".join(d.message for d in diagnostics), hidden),
                "text": _hide(("；" if lang == "zh" else "; ").join(d.message_in(lang) for d in diagnostics), hidden),
                "field": first.evidence.get("field"),
                "rule": first.rule,
                "problems": problems,
            },
            "request_id": request.scope.get("state", {}).get("request_id"),
        }
        metrics.errors.labels(first.code).inc()
        return _Json(body, status_code=status)

    @app.exception_handler(KaoheError)
    async def kaohe_error(request: Request, exc: KaoheError):
        lang = request.query_params.get("lang") or "zh"
        code = exc.first.code
        if isinstance(exc, UnknownPolicy) or code == "usage.entity":
            status = 404
        elif isinstance(exc, LimitError):
            status = 503 if code == "limit.time" else 413
        elif isinstance(exc, CheckTimeout):
            status = 503
        elif isinstance(exc, (PeriodError, RecordError)):
            status = 422
        elif isinstance(exc, InputError):
            status = 415 if code == "input.format" else 400
        else:
            status = 400
        return fail(request, status, exc.diagnostics, lang if lang in ("zh", "en") else "zh")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        key = {404: "request.not-found", 405: "request.method"}.get(exc.status_code, "request.http")
        diagnostic = Diagnostic.of(key, status=exc.status_code)
        if key == "request.http":  # the code names the status: request.http-418
            diagnostic = dataclasses.replace(diagnostic, code=f"request.http-{exc.status_code}")
        lang = request.query_params.get("lang")
        response = fail(request, exc.status_code, [diagnostic], lang if lang in ("zh", "en") else "en")
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        parts = [
            Problem(
                "request.field/missing" if e.get("type") == "missing" else "request.field",
                where=".".join(str(p) for p in e.get("loc", ())),
                kind=e.get("type", ""),
            )
            for e in exc.errors()
        ]
        lang = request.query_params.get("lang")
        diagnostic = Diagnostic.of("request.invalid", details=parts)
        return fail(request, 422, [diagnostic], lang if lang in ("zh", "en") else "en")

    async def limited(fn: Callable, *args, small: bool = False):
        """Run ``fn`` in a worker thread; past the time limit the client gets 503 and the
        evaluation loop stops at its next deadline check. A ``small`` job (a request body of a
        few KiB: one or a few records) runs at once, as the thread hop would cost more than it."""
        if small:
            return fn(*args)
        loop = asyncio.get_running_loop()
        try:
            return await asyncio.wait_for(loop.run_in_executor(threads, fn, *args), settings.request_seconds + 0.5)
        except TimeoutError:
            raise _time_limit(settings.request_seconds) from None

    def lang_of(request: Request, entry) -> str:
        lang = request.query_params.get("lang")
        if lang and lang not in ("zh", "en"):
            raise KaoheError(Diagnostic.of("request.lang", lang=lang[:20]))
        return lang or entry.policy.spec.language or "zh"

    def as_of_of(request: Request) -> dt.date | None:
        text = request.query_params.get("as_of")
        if not text:
            return None
        try:
            return parse_date(text)
        except ValueError:
            raise PeriodError(Diagnostic.of("usage.as-of/query", value=text[:40])) from None

    def flag(request: Request, name: str) -> bool:
        return request.query_params.get(name, "").lower() in ("1", "true", "yes")

    # -- pages and operations -----------------------------------------------------------------

    @app.get("/", include_in_schema=False)
    async def page():
        return HTMLResponse((STATIC / "index.html").read_text(encoding="utf-8"))

    @app.get("/editor", include_in_schema=False)
    async def editor():
        return HTMLResponse((STATIC / "editor.html").read_text(encoding="utf-8"))

    @app.get("/docs", include_in_schema=False)
    async def docs():
        return HTMLResponse((STATIC / "docs.html").read_text(encoding="utf-8"))

    @app.get("/healthz", summary="Liveness: the server answers and has its policies")
    async def healthz():
        return {"status": "ok", "policies": len(catalog.entries), "version": _version()}

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics_text():
        return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)

    # -- policies -----------------------------------------------------------------------------

    @app.get("/policies", summary="The policies this server offers")
    async def policies():
        return [summary(entry) for entry in catalog.entries.values()]

    @app.get("/policies/{pid}", summary="A policy: rules with clauses; entities with inputs, grades, consequences")
    async def policy(pid: str):
        return _Json(describe(catalog.get(pid)))

    @app.get("/policies/{pid}/source", summary="A policy's YAML text and its case file (for the editor)")
    async def policy_source(pid: str):
        entry = catalog.get(pid)
        cases = entry.cases.read_text(encoding="utf-8") if entry.cases else None
        return {"name": entry.path.name, "policy": entry.path.read_text(encoding="utf-8"), "cases": cases}

    # -- evaluation ---------------------------------------------------------------------------

    async def read_source(request: Request, stack: contextlib.ExitStack):
        """How to read the request's records: a function of the entity giving an iterator,
        and the upload's file name (for messages and the column check)."""
        ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if ctype == "multipart/form-data":
            form = await request.form(max_files=1, max_fields=10, max_part_size=settings.max_upload_bytes)
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise InputError(Diagnostic.of("input.upload"))
            name = Path(str(upload.filename or "upload").replace("\\", "/")).name or "upload"
            folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="kaohe-upload-"))
            path = os.path.join(folder, name)
            with open(path, "wb") as out:
                while chunk := await upload.read(1 << 20):
                    out.write(chunk)
            await upload.close()
            kind = text_io.detect_format(path) if name != "-" else ""
            if not kind:
                raise InputError(Diagnostic.of("input.format/upload", name=name))
            from ..io import read_records

            return (lambda entity: read_records(path, entity)), path
        body = await request.body()
        if ctype in ("application/json", ""):
            reader = text_io.read_json
        elif ctype in JSONL_TYPES:
            reader = text_io.read_jsonl
        elif ctype == "text/csv":
            reader = text_io.read_csv
        else:
            raise InputError(Diagnostic.of("input.format/body", type=ctype[:60]))
        return (lambda entity: reader(io.BytesIO(body), "request", entity)), None

    def run_records(entry, entity, source, as_of, trace, allow_outside, keep_records=False):
        """Evaluate every record of ``source`` under the limits: (runtime, outcomes, records)."""
        policy = entry.policy
        rt = policy.runtime(entity)
        day = policy.check_period(as_of, allow_outside)
        deadline = time.monotonic() + settings.request_seconds
        kept: list = []

        def counted() -> Iterator:
            for n, record in enumerate(source(rt.entity), 1):
                if n > settings.max_records:
                    raise LimitError(Diagnostic.of("limit.records", limit=settings.max_records))
                if n % 64 == 0 and time.monotonic() > deadline:
                    raise _time_limit(settings.request_seconds)
                if keep_records:
                    kept.append(record)
                yield record

        outcomes = list(policy.evaluate_many(counted(), entity, as_of=day, trace=trace, allow_outside=True))
        rejected = sum(not o.ok for o in outcomes)
        metrics.records.labels("evaluated").inc(len(outcomes) - rejected)
        metrics.records.labels("rejected").inc(rejected)
        return rt, outcomes, kept

    def outcome_dict(outcome, lang, trace):
        data = outcome.to_dict(lang, trace)
        if not outcome.ok:
            error = data["error"]
            for problem in error.get("problems", ()):
                problem.pop("evidence", None)
                if problem.get("file"):
                    problem["file"] = Path(problem["file"]).name
            for key in ("message", "text"):
                error[key] = _hide(error.get(key) or "", hidden)
        return data

    @app.post(
        "/policies/{pid}/entities/{entity}/evaluate",
        summary="Evaluate records: one result or one failure per record, in order",
        openapi_extra=_EVALUATE_DOC,
    )
    async def evaluate(pid: str, entity: str, request: Request):
        entry = catalog.get(pid)
        lang, as_of = lang_of(request, entry), as_of_of(request)
        trace, echo = flag(request, "trace"), flag(request, "echo")
        allow = flag(request, "allow_outside_period")
        accept = request.headers.get("accept", "").lower()
        fmt = "json"
        if XLSX in accept:
            fmt = "xlsx"
        elif "text/csv" in accept:
            fmt = "csv"
        elif any(t in accept for t in JSONL_TYPES):
            fmt = "jsonl"
        with contextlib.ExitStack() as stack:
            source, _ = await read_source(request, stack)

            def work():
                rt, outcomes, records = run_records(entry, entity, source, as_of, trace, allow, keep_records=echo)
                head = {
                    "x-kaohe-total": str(len(outcomes)),
                    "x-kaohe-rejected": str(sum(not o.ok for o in outcomes)),
                }
                if fmt == "xlsx":
                    with tempfile.TemporaryDirectory(prefix="kaohe-out-") as folder:
                        path = os.path.join(folder, "results.xlsx")
                        write_xlsx(path, outcomes, rt.entity, lang=lang)
                        return Response(
                            Path(path).read_bytes(),
                            media_type=XLSX,
                            headers={**head, "content-disposition": 'attachment; filename="results.xlsx"'},
                        )
                if fmt == "csv":
                    out = io.StringIO()
                    writer = text_io.make_writer("csv", out, lang, trace, list(rt.entity.reported), entity=rt.entity)
                    for outcome in outcomes:
                        writer.write(outcome)
                    writer.close()
                    return Response(
                        "\ufeff" + out.getvalue(),
                        media_type="text/csv; charset=utf-8",
                        headers={**head, "content-disposition": 'attachment; filename="results.csv"'},
                    )
                items = []
                for n, outcome in enumerate(outcomes):
                    data = outcome_dict(outcome, lang, trace)
                    if echo and n < len(records) and isinstance(records[n], dict):
                        data["input"] = records[n]
                    items.append(data)
                if fmt == "jsonl":
                    lines = [_dumps(item) + b"\n" for item in items]
                    return StreamingResponse(iter(lines), media_type="application/x-ndjson", headers=head)
                return _Json(items, headers=head)

            size = request.headers.get("content-length", "")
            return await limited(work, small=size.isdigit() and int(size) <= SMALL_BODY and fmt != "xlsx")

    @app.post(
        "/policies/{pid}/entities/{entity}/explain",
        summary="Explain one record: the trace of the rules that fired and the next-grade hints",
        openapi_extra={
            "requestBody": {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
        },
    )
    async def explain(pid: str, entity: str, request: Request):
        entry = catalog.get(pid)
        lang, as_of = lang_of(request, entry), as_of_of(request)
        allow = flag(request, "allow_outside_period")
        body = await request.body()
        policy = entry.policy
        rt = policy.runtime(entity)
        items = list(text_io.read_json(io.BytesIO(body), "request", rt.entity))
        if len(items) != 1 or isinstance(items[0], Failure):
            raise InputError(Diagnostic.of("input.json/explain"))
        record = items[0]

        def work():
            day = policy.check_period(as_of, allow)
            try:
                result = policy.evaluate(record, entity, as_of=day, trace=True, allow_outside=True)
            except RecordError as exc:
                failure = Failure(entity, record.get(rt.key), exc, 1)
                return _Json(outcome_dict(failure, lang, False), status_code=422)
            hints = next_grade_hints(policy, entity, record, as_of=day, allow_outside=True, lang=lang)
            data = result.to_dict(lang, trace=True)
            data["hints"] = hints
            data["text"] = explain_text(result, lang, hints)
            return _Json(data)

        return await limited(work)

    @app.post(
        "/policies/{pid}/entities/{entity}/columns",
        summary="Which columns of an upload are read as which input, which are unknown, which are missing",
        openapi_extra=_UPLOAD_DOC,
    )
    async def columns(pid: str, entity: str, request: Request):
        entry = catalog.get(pid)
        rt = entry.policy.runtime(entity)
        with contextlib.ExitStack() as stack:
            source, path = await read_source(request, stack)

            def work():
                seen: dict = {}
                count = 0
                for item in source(rt.entity):
                    count += 1
                    if count > settings.max_records:
                        break
                    if isinstance(item, dict):
                        seen.update(dict.fromkeys(item))
                labels = rt.entity.inputs
                tabular = path is not None and path.lower().endswith((".csv", ".xlsx"))
                return {
                    "records": count,
                    "mapped": [
                        {"input": n, "label": {"zh": labels[n].label.zh, "en": labels[n].label.en}}
                        for n in labels
                        if n in seen
                    ],
                    "unknown": [
                        {"header": h, "suggestion": s} for h, s in (unknown_columns(path, rt.entity) if tabular else [])
                    ],
                    "missing": [
                        {"input": n, "header": h} for n, h in (missing_columns(path, rt.entity) if tabular else [])
                    ],
                }

            return await limited(work)

    @app.post(
        "/policies/{pid}/entities/{entity}/report",
        summary="The HTML report of an upload (totals, grade charts, credits, sanctions, refused records)",
        openapi_extra=_UPLOAD_DOC,
        response_class=HTMLResponse,
    )
    async def report(pid: str, entity: str, request: Request):
        entry = catalog.get(pid)
        lang, as_of = lang_of(request, entry), as_of_of(request)
        group_by = request.query_params.get("group_by") or None
        allow = flag(request, "allow_outside_period")
        rt = entry.policy.runtime(entity)
        if group_by and group_by not in rt.entity.inputs:
            raise KaoheError(Diagnostic.of("usage.group-by", name=group_by[:40], entity=entity))
        with contextlib.ExitStack() as stack:
            source, _ = await read_source(request, stack)

            def work():
                _, outcomes, _ = run_records(entry, entity, source, as_of, bool(group_by), allow)
                day = entry.policy.check_period(as_of, True)
                html = render_report(entry.policy.spec, rt.entity, outcomes, lang, group_by, day)
                return HTMLResponse(html)

            return await limited(work)

    # -- checking posted policy text ------------------------------------------------------------

    async def check(kind: str, body: PolicyText):
        lang = body.lang or "zh"
        files = {name: str(path) for name, path in catalog.files.items()}
        trial = {"entity": body.entity, "record": body.record, "as_of": body.as_of} if body.record is not None else None
        if kind == "prove":
            trial = {"entity": body.entity, "record": None, "as_of": None} if body.entity else None
        worker = prover if kind == "prove" else sandbox
        data = await worker.run(kind, clean_name(body.name), body.policy, body.cases, files, lang, trial)
        return _Json(data)

    @app.post("/validate", summary="Check policy YAML text: diagnostics with line and column")
    async def validate(body: PolicyText):
        return await check("validate", body)

    @app.post("/lint", summary="Stricter checks of policy YAML text: unreachable levels, unread inputs, ...")
    async def lint(body: PolicyText):
        return await check("lint", body)

    @app.post(
        "/prove",
        summary="Prove policy YAML text over every possible record (kaohe prove): tier coverage, reachable "
        "levels and consequences, promised properties; counterexamples the engine confirmed",
    )
    async def prove(body: PolicyText):
        return await check("prove", body)

    @app.post("/test", summary="Run a case file (YAML text) against policy YAML text")
    async def test(body: PolicyText):
        if body.cases is None:
            raise KaoheError(Diagnostic.of("request.cases"))
        return await check("test", body)

    return app


def _time_limit(seconds: float) -> LimitError:
    return LimitError(Diagnostic.of("limit.time", limit=seconds, seconds=f"{seconds:g}"))


def _hide(text: str, folders: list[str]) -> str:
    for folder in folders:
        if folder and folder in text:
            text = text.replace(folder + os.sep, "").replace(folder, "")
    return text


@functools.cache
def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("kaohe")
    except PackageNotFoundError:  # pragma: no cover - run from a checkout without installing
        return "0"


_QUERY = [
    {"name": "as_of", "in": "query", "required": False, "schema": {"type": "string", "format": "date"}},
    {"name": "lang", "in": "query", "required": False, "schema": {"type": "string", "enum": ["zh", "en"]}},
    {"name": "trace", "in": "query", "required": False, "schema": {"type": "boolean"}},
    {"name": "allow_outside_period", "in": "query", "required": False, "schema": {"type": "boolean"}},
]
_MULTIPART = {"schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}}}
_UPLOAD_DOC = {
    "parameters": _QUERY[:2],
    "requestBody": {"required": True, "content": {"multipart/form-data": _MULTIPART}},
}
_EVALUATE_DOC = {
    "parameters": _QUERY
    + [
        {
            "name": "echo",
            "in": "query",
            "required": False,
            "schema": {"type": "boolean"},
            "description": "add each record as read ('input') to its JSON result",
        }
    ],
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/x-ndjson": {"schema": {"type": "string"}},
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": _MULTIPART,
        },
    },
    "responses": {
        "200": {
            "description": "One result or failure per record, in order",
            "content": {
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
                "application/x-ndjson": {"schema": {"type": "string"}},
                "text/csv": {"schema": {"type": "string"}},
                XLSX: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
}


def from_environment() -> FastAPI:
    """The app for ``uvicorn --factory kaohe.service.app:from_environment --workers N``: the
    installed policies plus the folders in KAOHE_POLICIES (separated by ``os.pathsep``), the
    token from KAOHE_TOKEN. Without a token it answers only loopback clients, as ever."""
    from . import TOKEN_VARIABLE
    from .catalog import installed_policy_dirs

    extra = [Path(p) for p in os.environ.get("KAOHE_POLICIES", "").split(os.pathsep) if p]
    return create_app(Settings(policies=installed_policy_dirs() + extra, token=os.environ.get(TOKEN_VARIABLE) or None))
