"""What every request passes through before and after kaohe sees it: the access rule, the
upload limit, a request id, security headers, metrics, and the last word on errors.

A plain ASGI middleware (not Starlette's BaseHTTPMiddleware) so streamed bodies are
counted as they arrive and the cost per request stays small.
"""

from __future__ import annotations

import hmac
import json
import logging
import time
import uuid
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from prometheus_client import CollectorRegistry, Counter, Histogram

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

from ..base.errors import text as catalogue_text

__all__ = ["SECURITY_HEADERS", "Guard", "Metrics", "error_body", "is_loopback"]

log = logging.getLogger("kaohe.service")

#: Headers on every response. The page and its scripts come from the server itself only;
#: styles may be inline (the charts are inline SVG, Swagger UI sets styles).
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
        b"connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
    (b"cache-control", b"no-store"),
]

_LOOPBACK_HOSTS = {"localhost", "127.0.0.1", "[::1]", "::1"}


def is_loopback(host: str) -> bool:
    return host in _LOOPBACK_HOSTS or host.startswith("127.")


class Metrics:
    """The Prometheus series of one app (a registry of its own, so apps in tests do not mix)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "kaohe_requests", "HTTP requests answered", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "kaohe_request_seconds",
            "Time to answer a request",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
            registry=self.registry,
        )
        self.records = Counter("kaohe_records", "Records evaluated, by outcome", ["outcome"], registry=self.registry)
        self.errors = Counter("kaohe_errors", "Error answers, by code", ["code"], registry=self.registry)


def error_body(code: str, message: str, text: str | None = None, request_id: str | None = None, **extra: Any) -> dict:
    """An error in the shape of the result schema's failure object."""
    error = {
        "code": code,
        "message": message,
        "text": text or message,
        "field": None,
        "rule": None,
        "problems": [{"code": code, "message": message, "severity": "error", **extra}],
    }
    body: dict = {"id": None, "entity": None, "error": error}
    if request_id:
        body["request_id"] = request_id
    return body


def request_lang(scope: Scope) -> str:
    """The ``lang`` a request asks for in its query string: "en", or "zh" (the default)."""
    asked = parse_qs(scope.get("query_string", b"").decode("latin-1")).get("lang", [""])[-1]
    return "en" if asked == "en" else "zh"


class _TooLarge(Exception):
    pass


class Guard:
    """Access, size limit, request id, headers, metrics and the catch-all for errors."""

    def __init__(self, app: ASGIApp, *, token: str | None, max_body: int, metrics: Metrics) -> None:
        self.app, self.token, self.max_body, self.metrics = app, token, max_body, metrics
        self.series: dict[tuple, tuple] = {}

    def _refusal(self, scope, headers: dict) -> tuple[int, str, dict] | None:
        if self.token:
            given = headers.get(b"authorization", b"").decode("latin-1")
            scheme, _, value = given.partition(" ")
            if scheme.lower() != "bearer" or not hmac.compare_digest(value.strip().encode(), self.token.encode()):
                return 401, "auth.token", {}
            return None
        client = (scope.get("client") or ("",))[0] or ""
        host = headers.get(b"host", b"").decode("latin-1").strip().lower()
        host = host[: host.find("]") + 1] if host.startswith("[") else host.split(":", 1)[0]
        if not is_loopback(client) or (host and not is_loopback(host)):
            return 403, "auth.localhost", {}
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex[:16]
        scope.setdefault("state", {})["request_id"] = request_id
        started = time.perf_counter()
        headers = dict(scope.get("headers") or [])
        sent = {"status": 0}
        id_header = (b"x-request-id", request_id.encode())

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                sent["status"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = list(message["headers"]) + SECURITY_HEADERS + [id_header]
            await send(message)

        async def answer(status, code, params):
            """A refusal made before the request is read: ``message`` in English, ``text`` in
            the query's ``lang`` (Chinese by default, as every answer's ``text``)."""
            self.metrics.errors.labels(code).inc()
            message, text = catalogue_text(code, params), catalogue_text(code, params, request_lang(scope))
            body = json.dumps(error_body(code, message, text, request_id=request_id), ensure_ascii=False).encode()
            await send_with_headers(
                {
                    "type": "http.response.start",
                    "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
                }
            )
            await send({"type": "http.response.body", "body": body})

        try:
            refusal = self._refusal(scope, headers)
            length = headers.get(b"content-length")
            if refusal:
                await answer(*refusal)
            elif length is not None and (not length.isdigit() or int(length) > self.max_body):
                await answer(413, "limit.upload", {"limit": self.max_body})
            else:
                seen = {"bytes": 0}

                async def counted():
                    message = await receive()
                    if message["type"] == "http.request":
                        seen["bytes"] += len(message.get("body", b""))
                        if seen["bytes"] > self.max_body:
                            raise _TooLarge
                    return message

                await self.app(scope, counted, send_with_headers)
        except _TooLarge:
            if not sent["status"]:
                await answer(413, "limit.upload", {"limit": self.max_body})
        except Exception:
            log.exception("internal error in request %s (%s %s)", request_id, scope.get("method"), scope.get("path"))
            if not sent["status"]:
                await answer(500, "internal", {"request_id": request_id})
        finally:
            route = getattr(scope.get("route"), "path", None) or "other"
            key = (scope.get("method", ""), route, sent["status"] or 500)
            series = self.series.get(key)
            if series is None:  # the labelled series looked up once per method, route and status
                series = self.series[key] = (
                    self.metrics.requests.labels(key[0], route, str(key[2])),
                    self.metrics.latency.labels(route),
                )
            series[0].inc()
            series[1].observe(time.perf_counter() - started)
