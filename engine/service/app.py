"""The REST API and the officers' web page: ``create_app(Settings(...))`` gives an ASGI app.

Endpoints (JSON in and out; every error is a failure object ``{id, entity, error: {code,
message, text, field, rule, problems}}`` with a fitting HTTP status):

  GET  /policies, /policies/{id}, /policies/{id}/source
  POST /policies/{id}/entities/{entity}/evaluate   records in (JSON, JSONL, CSV, Parquet, multipart
       CSV/xlsx/JSON/JSONL/Parquet upload), results out by Accept (JSON, JSONL streamed, CSV,
       xlsx); a large Parquet upload runs on the columnar engine (``engine``, as the CLI's)
  POST /policies/{id}/entities/{entity}/explain    one record: trace and next-grade hints
  POST /policies/{id}/entities/{entity}/columns    an upload's headers: mapped, unknown, missing
  POST /policies/{id}/entities/{entity}/report     the report of an upload, HTML or PDF
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
import logging
import os
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Route

from ..base.errors import Diagnostic, InputError, KaoheError, Location, Problem, RecordError
from ..columnar.table import AUTO_THRESHOLD
from ..io import text as text_io
from ..io.sheets import missing_columns, unknown_columns, write_xlsx
from ..language.kinds import parse_date
from ..language.model import Entity
from ..runtime.policy import PeriodError
from ..runtime.result import Failure
from ..tools.explain import explain_text, next_grade_hints
from ..tools.report import find_browser, html_to_pdf, render_report
from .catalog import Catalog, UnknownPolicy, describe, summary
from .guard import Guard, Metrics
from .jsonsafe import json_default
from .sandbox import CheckTimeout, Sandbox, clean_name

__all__ = ["LimitError", "ServiceUnavailable", "Settings", "create_app"]

STATIC = Path(__file__).resolve().parent / "static"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SMALL_BODY = 16 * 1024  # request bodies up to this size are evaluated on the event loop itself
JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/json-lines")
PARQUET_TYPES = ("application/vnd.apache.parquet", "application/x-parquet", "application/parquet")
ENGINES = ("auto", "row", "duckdb")  # as kaohe evaluate --engine (spark is for the command line)
_SUFFIX = {"json": ".json", "jsonl": ".jsonl", "csv": ".csv", "parquet": ".parquet"}
EVALUATE_PATH = "/policies/{pid}/entities/{entity}/evaluate"
STREAM_LINES = 1000  # JSON Lines answers are sent this many results at a time
_PDF_HEADERS = {"content-disposition": 'attachment; filename="report.pdf"'}

log = logging.getLogger("kaohe.service")


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


class ServiceUnavailable(KaoheError):
    """The server cannot do what was asked (no browser to print a PDF with): 503."""


class Upload:
    """The records of one request: a file saved from a multipart upload, or the body itself.
    ``file()`` gives a path either way (a body is written to the request's temporary folder,
    which ``stack`` removes)."""

    def __init__(
        self, kind: str, name: str, *, stack: contextlib.ExitStack, path: str | None = None, body: bytes | None = None
    ):
        self.kind, self.name, self.stack, self.path, self.body = kind, name, stack, path, body

    def file(self) -> str:
        if self.path is None:
            folder = self.stack.enter_context(tempfile.TemporaryDirectory(prefix="kaohe-body-"))
            self.path = os.path.join(folder, "request" + _SUFFIX[self.kind])
            Path(self.path).write_bytes(self.body or b"")
        return self.path

    def records(self, entity: Entity) -> Iterator:
        """The records as the row engine reads them (Parquet rows as Arrow gives them)."""
        if self.kind == "parquet":
            return _parquet_records(self.file(), self.name)
        if self.path is None:
            reader = {"json": text_io.read_json, "jsonl": text_io.read_jsonl, "csv": text_io.read_csv}[self.kind]
            return reader(io.BytesIO(self.body or b""), "request", entity)
        from ..io import read_records

        return read_records(self.path, entity)

    def parquet_rows(self) -> int:
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(self.file()).metadata.num_rows
        except (OSError, ValueError) as exc:
            raise InputError(
                Diagnostic.of("input.unreadable/parquet", Location(self.name), reason=str(exc)[:200])
            ) from None


def _upload_kind(name: str) -> str:
    if name.lower().endswith((".parquet", ".pq")):
        return "parquet"
    return text_io.detect_format(name)


def _parquet_records(path: str, name: str) -> Iterator:
    from ..io.tables import parquet_batches

    for table in parquet_batches(path):
        yield from table.to_pylist()


def _too_many(limit: int) -> LimitError:
    return LimitError(Diagnostic.of("limit.records", limit=limit))


def _bounded(items: Iterable, limit: int, deadline: float, seconds: float, kept: list | None = None) -> Iterator:
    """``items`` while there are at most ``limit`` of them and the deadline has not passed
    (checked every 64 items); each item also goes into ``kept`` when given."""
    for n, item in enumerate(items, 1):
        if n > limit:
            raise _too_many(limit)
        if n % 64 == 0 and time.monotonic() > deadline:
            raise _time_limit(seconds)
        if kept is not None:
            kept.append(item)
        yield item


def _tallied(outcomes: Iterable, metrics: Metrics) -> Iterator:
    """``outcomes``, counted into the metrics as evaluated or rejected once they are read."""
    done = rejected = 0
    try:
        for outcome in outcomes:
            done += 1
            rejected += not outcome.ok
            yield outcome
    finally:
        metrics.records.labels("evaluated").inc(done - rejected)
        metrics.records.labels("rejected").inc(rejected)


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
    printing = threading.Semaphore(1)  # one Chromium printing a PDF at a time

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
        elif isinstance(exc, (CheckTimeout, ServiceUnavailable)):
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

    async def read_source(request: Request, stack: contextlib.ExitStack) -> Upload:
        """The request's records as an :class:`Upload`: a multipart file saved in a temporary
        folder (removed when ``stack`` closes), or the body itself."""
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
            kind = _upload_kind(name) if name != "-" else ""
            if not kind:
                raise InputError(Diagnostic.of("input.format/upload", name=name[:80]))
            return Upload(kind, name, path=path, stack=stack)
        body = await request.body()
        if ctype in ("application/json", ""):
            kind = "json"
        elif ctype in JSONL_TYPES:
            kind = "jsonl"
        elif ctype == "text/csv":
            kind = "csv"
        elif ctype in PARQUET_TYPES:
            kind = "parquet"
        else:
            raise InputError(Diagnostic.of("input.format/body", type=ctype[:60]))
        return Upload(kind, "request", body=body, stack=stack)

    def outcomes_of(
        entry, entity: str, upload: Upload, as_of, trace: bool, allow_outside: bool, engine: str, kept=None
    ) -> tuple:
        """(runtime, outcomes): every record of ``upload`` evaluated under the limits, lazily and
        in order. Parquet goes through the CLI's table path (engine/io/tables.py), which with
        ``auto`` runs the columnar plan on DuckDB from AUTO_THRESHOLD records on, where the
        entity's plan applies; ``engine=duckdb`` takes that path for any upload. Otherwise,
        and always with ``trace`` or ``echo`` (``kept``), the row engine reads the records."""
        policy = entry.policy
        rt = policy.runtime(entity)
        day = policy.check_period(as_of, allow_outside)
        deadline = time.monotonic() + settings.request_seconds
        if upload.kind == "parquet":
            rows = upload.parquet_rows()
            if rows > settings.max_records:
                raise _too_many(settings.max_records)
        if not trace and kept is None and (upload.kind == "parquet" or engine == "duckdb"):
            from ..io.tables import evaluate_source

            notes: list = []
            outcomes = evaluate_source(policy, entity, upload.file(), as_of=day, engine=engine, notes=notes)
            return rt, _tallied(_bounded(outcomes, settings.max_records, deadline, settings.request_seconds), metrics)
        records = _bounded(upload.records(rt.entity), settings.max_records, deadline, settings.request_seconds, kept)
        outcomes = policy.evaluate_many(records, entity, as_of=day, trace=trace, allow_outside=True)
        return rt, _tallied(outcomes, metrics)

    def engine_of(request: Request) -> str:
        engine = request.query_params.get("engine") or "auto"
        if engine not in ENGINES:
            raise KaoheError(Diagnostic.of("serve.engine", given=engine[:20], choices=", ".join(ENGINES)))
        return engine

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
        EVALUATE_PATH,
        summary="Evaluate records: one result or one failure per record, in order",
        openapi_extra=_EVALUATE_DOC,
    )
    async def evaluate(pid: str, entity: str, request: Request):
        entry = catalog.get(pid)
        lang, as_of = lang_of(request, entry), as_of_of(request)
        trace, echo = flag(request, "trace"), flag(request, "echo")
        allow = flag(request, "allow_outside_period")
        engine = engine_of(request)
        accept = request.headers.get("accept", "").lower()
        fmt = "json"
        if XLSX in accept:
            fmt = "xlsx"
        elif "text/csv" in accept:
            fmt = "csv"
        elif any(t in accept for t in JSONL_TYPES):
            fmt = "jsonl"
        size = request.headers.get("content-length", "")
        small = size.isdigit() and int(size) <= SMALL_BODY and fmt != "xlsx"
        with contextlib.ExitStack() as stack:
            upload = await read_source(request, stack)
            small = small and upload.kind != "parquet" and engine != "duckdb"  # DuckDB: off the event loop
            kept: list | None = [] if echo else None

            def items(outcomes) -> Iterator[dict]:
                for n, outcome in enumerate(outcomes):
                    data = outcome_dict(outcome, lang, trace)
                    if kept is not None and n < len(kept) and isinstance(kept[n], dict):
                        data["input"] = kept[n]
                    yield data

            if fmt == "jsonl" and not small:
                return await streamed(
                    request,
                    lang,
                    entity,
                    stack,
                    lambda: items(outcomes_of(entry, entity, upload, as_of, trace, allow, engine, kept)[1]),
                )

            def work():
                rt, outcomes = outcomes_of(entry, entity, upload, as_of, trace, allow, engine, kept)
                outcomes = list(outcomes)
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
                if fmt == "jsonl":
                    lines = b"".join(_dumps(item) + b"\n" for item in items(outcomes))
                    return Response(lines, media_type="application/x-ndjson", headers=head)
                return _Json(list(items(outcomes)), headers=head)

            return await limited(work, small=small)

    async def evaluate_route(request: Request):
        request.scope["route"] = fast  # the metrics' route label, as FastAPI's routes set it
        params = request.path_params
        return await evaluate(params["pid"], params["entity"], request)

    # The busiest endpoint is answered by a plain route ahead of FastAPI's (which stays for the
    # OpenAPI document): no dependency solving per request, about a tenth of a one-record answer.
    fast = Route(EVALUATE_PATH, evaluate_route, methods=["POST"])
    app.router.routes.insert(0, fast)

    async def streamed(
        request: Request, lang: str, entity: str, stack: contextlib.ExitStack, make: Callable[[], Iterator[dict]]
    ) -> StreamingResponse:
        """JSON Lines sent as they are evaluated, STREAM_LINES at a time, each batch made in a
        worker thread. An error before the first line is the usual error answer; a limit met
        later ends the stream with that limit's failure object as its last line. The upload's
        files live until the stream ends."""
        state: dict = {}

        def batch() -> bytes:
            if "items" not in state:
                state["items"] = make()
            out = []
            for item in state["items"]:
                out.append(_dumps(item) + b"\n")
                if len(out) >= STREAM_LINES:
                    break
            return b"".join(out)

        first = await limited(batch)
        owned = stack.pop_all()

        async def lines():
            with owned:
                chunk = first
                while chunk:
                    yield chunk
                    try:
                        chunk = await limited(batch)
                    except KaoheError as exc:  # the status is sent: the failure object is the last line
                        yield bytes(fail(request, 200, exc.diagnostics, lang, entity).body) + b"\n"
                        return

        return StreamingResponse(lines(), media_type="application/x-ndjson")

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
            upload = await read_source(request, stack)

            def work():
                seen: dict = {}
                count = 0
                for item in upload.records(rt.entity):
                    count += 1
                    if count > settings.max_records:
                        break
                    if isinstance(item, dict):
                        seen.update(dict.fromkeys(item))
                labels = rt.entity.inputs
                path = upload.path if upload.kind in ("csv", "xlsx") else None
                return {
                    "records": count,
                    "mapped": [
                        {"input": n, "label": {"zh": labels[n].label.zh, "en": labels[n].label.en}}
                        for n in labels
                        if n in seen
                    ],
                    "unknown": [
                        {"header": h, "suggestion": s} for h, s in (unknown_columns(path, rt.entity) if path else [])
                    ],
                    "missing": [
                        {"input": n, "header": h} for n, h in (missing_columns(path, rt.entity) if path else [])
                    ],
                }

            return await limited(work)

    @app.post(
        "/policies/{pid}/entities/{entity}/report",
        summary="The report of an upload (totals, grade charts, credits, sanctions, refused records): HTML, or "
        "PDF with Accept: application/pdf or ?format=pdf (printed by the server's headless Chromium)",
        openapi_extra=_REPORT_DOC,
        response_class=HTMLResponse,
    )
    async def report(pid: str, entity: str, request: Request):
        entry = catalog.get(pid)
        lang, as_of = lang_of(request, entry), as_of_of(request)
        group_by = request.query_params.get("group_by") or None
        allow = flag(request, "allow_outside_period")
        engine = engine_of(request)
        wanted = (request.query_params.get("format") or "").lower()
        if wanted not in ("", "html", "pdf"):
            raise KaoheError(Diagnostic.of("serve.report-format", given=wanted[:20]))
        pdf = wanted == "pdf" or (not wanted and "application/pdf" in request.headers.get("accept", "").lower())
        rt = entry.policy.runtime(entity)
        if group_by and group_by not in rt.entity.inputs:
            raise KaoheError(Diagnostic.of("usage.group-by", name=group_by[:40], entity=entity))
        browser = None
        if pdf:
            try:
                browser = find_browser()
            except KaoheError:
                raise ServiceUnavailable(Diagnostic.of("serve.no-browser")) from None
        with contextlib.ExitStack() as stack:
            upload = await read_source(request, stack)

            def work():
                _, outcomes = outcomes_of(entry, entity, upload, as_of, bool(group_by), allow, engine)
                day = entry.policy.check_period(as_of, True)
                html = render_report(entry.policy.spec, rt.entity, outcomes, lang, group_by, day)
                if not pdf:
                    return HTMLResponse(html)
                return Response(print_pdf(html, browser), media_type="application/pdf", headers=_PDF_HEADERS)

            return await limited(work)

    def print_pdf(html: str, browser) -> bytes:
        """``html`` printed to PDF by the server's headless Chromium, one print at a time."""
        with printing, tempfile.TemporaryDirectory(prefix="kaohe-pdf-") as folder:
            page, out = Path(folder, "report.html"), Path(folder, "report.pdf")
            page.write_text(html, encoding="utf-8")
            try:
                html_to_pdf(page, out, browser, timeout=max(1, int(settings.request_seconds)))
            except KaoheError as exc:
                log.error("the report could not be printed as PDF: %s", exc.first.message)
                raise ServiceUnavailable(Diagnostic.of("serve.pdf")) from None
            return out.read_bytes()

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
    async def test(body: PolicyText, request: Request):
        if body.cases is None:  # in the language the body (or the query) asks for
            lang = body.lang or request.query_params.get("lang") or "zh"
            return fail(request, 400, [Diagnostic.of("request.cases")], lang if lang in ("zh", "en") else "zh")
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
_ENGINE = {
    "name": "engine",
    "in": "query",
    "required": False,
    "schema": {"type": "string", "enum": list(ENGINES), "default": "auto"},
    "description": "as kaohe evaluate --engine: auto runs the columnar plan (DuckDB) on a Parquet upload of "
    f"{AUTO_THRESHOLD:,} records or more where the entity's plan applies; duckdb on any upload; row record by "
    "record. The results are the same.",
}
_MULTIPART = {
    "schema": {"type": "object", "properties": {"file": {"type": "string", "format": "binary"}}},
    "encoding": {
        "file": {
            "contentType": "text/csv, application/json, application/x-ndjson, " + XLSX + ", "
            "application/vnd.apache.parquet"
        }
    },
}
_UPLOAD_DOC = {
    "parameters": _QUERY[:2],
    "requestBody": {"required": True, "content": {"multipart/form-data": _MULTIPART}},
}
_REPORT_DOC = {
    "parameters": _QUERY[:2]
    + [
        _ENGINE,
        {"name": "group_by", "in": "query", "required": False, "schema": {"type": "string"}},
        {
            "name": "format",
            "in": "query",
            "required": False,
            "schema": {"type": "string", "enum": ["html", "pdf"]},
            "description": "pdf: printed by the server's headless Chromium (as Accept: application/pdf)",
        },
    ],
    "requestBody": {"required": True, "content": {"multipart/form-data": _MULTIPART}},
    "responses": {
        "200": {
            "description": "The report",
            "content": {
                "text/html": {"schema": {"type": "string"}},
                "application/pdf": {"schema": {"type": "string", "format": "binary"}},
            },
        },
        "503": {"description": "PDF asked for and the server has no headless Chromium (serve.no-browser)"},
    },
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
        },
        _ENGINE,
    ],
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            "application/x-ndjson": {"schema": {"type": "string"}},
            "text/csv": {"schema": {"type": "string"}},
            "application/vnd.apache.parquet": {"schema": {"type": "string", "format": "binary"}},
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
