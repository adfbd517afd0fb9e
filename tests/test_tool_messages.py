"""The tools', the API's and the service's own problems, from the catalogue in both languages.

No policy or record file produces these (a report folder in the way, a browser that fails, a
request without its file, a server started without a token ...), so tests/test_invalid.py
lists them as checked here: each case below makes the problem happen through kaohe's real
code and checks its code, that its English is the catalogue's and that its Chinese is Chinese.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
import stat
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import engine
from engine.base.errors import Diagnostic, KaoheError, PolicyError, text

from .conftest import POLICIES, ROOT
from .unit.test_messages import _NAMES

JX = POLICIES / "jiangxi.yaml"
TEACHERS = ROOT / "examples" / "jiangxi" / "teachers.csv"


def _raised(fn: Callable[[], object]) -> Diagnostic:
    with pytest.raises(KaoheError) as info:
        fn()
    return info.value.first


def _script(tmp_path: Path, body: str, first_line: str = "#!/bin/sh") -> str:
    """An executable stand-in for the browser that prints the PDF."""
    path = tmp_path / "browser"
    path.write_text(f"{first_line}\n{body}\n", encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return str(path)


def _outcomes(entity: str = "teacher") -> list:
    from engine.io import read_records

    policy = engine.load_policy(JX)
    records = read_records(TEACHERS, policy.runtime(entity).entity)
    return list(policy.evaluate_many(records, entity, allow_outside=True))


def _html_to_pdf(tmp_path: Path, browser: str, timeout: int = 60) -> Diagnostic:
    from engine.tools.report import html_to_pdf

    page = tmp_path / "r.html"
    page.write_text("<p>kaohe</p>", encoding="utf-8")
    return _raised(lambda: html_to_pdf(page, tmp_path / "r.pdf", browser, timeout=timeout))


def _fmt(tmp_path: Path) -> Diagnostic:
    from engine.tools.fmt import format_file

    path = tmp_path / "gbk.yaml"
    path.write_bytes("kaohe: 1\ntitle: 考核\n".encode("gbk"))
    return _raised(lambda: format_file(path, check=True))


def _no_hypothesis(monkeypatch) -> Diagnostic:
    from engine.tools.checking import run_check

    monkeypatch.setitem(sys.modules, "hypothesis", None)  # import hypothesis -> ImportError
    monkeypatch.delitem(sys.modules, "engine.tools.testing", raising=False)
    import engine.tools

    monkeypatch.delattr(engine.tools, "testing", raising=False)  # `from . import testing` reads it first
    return _raised(lambda: run_check(JX))


def _no_pandas(monkeypatch) -> Diagnostic:
    from engine.io.frames import evaluate_frame

    monkeypatch.setitem(sys.modules, "pandas", None)
    return _raised(lambda: evaluate_frame(engine.load_policy(JX), [], "teacher"))


def _not_a_frame(keep: tuple = ()) -> Diagnostic:
    pandas = pytest.importorskip("pandas")
    from engine.io.frames import evaluate_frame

    frame = pandas.DataFrame([{"id": "T", "age": 30}]) if keep else [{"id": "T"}]
    return _raised(lambda: evaluate_frame(engine.load_policy(JX), frame, "teacher", keep=keep))


def _new(tmp_path: Path, pid: str = "a-b", base: str | None = None) -> Diagnostic:
    from engine.tools.scaffold import new_policy

    return _raised(lambda: new_policy(tmp_path, pid, "浙江", "考核", "通知", dt.date(2023, 1, 1), None, base))


def _exists(tmp_path: Path) -> Diagnostic:
    from engine.tools.scaffold import new_policy

    new_policy(tmp_path, "a-b", "浙江", "考核", "通知", dt.date(2023, 1, 1))
    return _new(tmp_path)


def _rosters(tmp_path: Path, how: str) -> Diagnostic:
    from engine.tools.report import render_report, write_report

    policy = engine.load_policy(JX)
    if how == "render":
        return _raised(lambda: render_report(policy.spec, policy.spec.entities["teacher"], [], rosters="split"))
    if how == "folder":
        (tmp_path / "r-rosters").mkdir()
        return _raised(lambda: write_report(tmp_path / "r.html", policy, "teacher", _outcomes(), rosters="split"))
    return _raised(lambda: write_report(tmp_path / "r.html", policy, "teacher", [], rosters="paged"))


def _no_browser(monkeypatch, named: bool) -> Diagnostic:
    from engine.tools.report import find_browser

    monkeypatch.setenv("PATH", "/nonexistent-kaohe")
    monkeypatch.setattr("engine.tools.report.BROWSERS", ("no-such-browser-for-kaohe",))
    if named:
        monkeypatch.setenv("KAOHE_BROWSER", "no-such-browser")
    else:
        monkeypatch.delenv("KAOHE_BROWSER", raising=False)
    return _raised(find_browser)


def _catalog(tmp_path: Path, duplicate: bool) -> Diagnostic:
    from engine.service.catalog import Catalog

    if not duplicate:
        return _raised(lambda: Catalog.load([tmp_path / "missing"]))
    for name in ("national.yaml", "jiangxi.yaml"):
        shutil.copy(POLICIES / name, tmp_path / name)
    with pytest.raises(PolicyError) as info:
        Catalog.load([POLICIES, tmp_path])
    return info.value.first


def _unknown(close: bool) -> Diagnostic:
    from engine.service.catalog import Catalog

    catalog = Catalog.load([POLICIES])
    return _raised(lambda: catalog.get("jiangxi-jiaoxuetong-2018" if close else "zzz"))


#: key -> how to make it happen (a function of tmp_path and monkeypatch)
PRODUCERS: dict[str, Callable[[Path, pytest.MonkeyPatch], Diagnostic]] = {
    "file.encoding": lambda t, m: _fmt(t),
    "usage.check": lambda t, m: _no_hypothesis(m),
    "usage.rosters": lambda t, m: _rosters(t, "bad"),
    "usage.rosters/render": lambda t, m: _rosters(t, "render"),
    "report.folder": lambda t, m: _rosters(t, "folder"),
    "report.no-browser": lambda t, m: _no_browser(m, False),
    "report.no-browser/named": lambda t, m: _no_browser(m, True),
    "report.pdf": lambda t, m: _html_to_pdf(t, _script(t, "exit 0", "#!/nonexistent-interpreter-for-kaohe")),
    "report.pdf/timeout": lambda t, m: _html_to_pdf(t, _script(t, "sleep 30"), timeout=1),
    "report.pdf/no-pdf": lambda t, m: _html_to_pdf(t, _script(t, "echo 'cannot print' >&2; exit 3")),
    "new.id": lambda t, m: _new(t, "Bad Id"),
    "new.exists": lambda t, m: _exists(t),
    "new.base": lambda t, m: _new(t, base="nosuch"),
    "usage.policy-source": lambda t, m: _raised(lambda: engine.parse_policy(42)),  # type: ignore[arg-type]
    "usage.pandas": lambda t, m: _no_pandas(m),
    "usage.frame": lambda t, m: _not_a_frame(),
    "usage.frame/keep": lambda t, m: _not_a_frame(("姓名",)),
    "serve.policies": lambda t, m: _catalog(t, False),
    "serve.duplicate": lambda t, m: _catalog(t, True),
    "policy.unknown": lambda t, m: _unknown(False),
    "policy.unknown/close": lambda t, m: _unknown(True),
}


def _allowed() -> set[str]:
    from engine.language.expressions import FUNCTIONS
    from engine.language.schema import load_schema

    from .unit.test_messages import _schema_words

    return _NAMES | set(FUNCTIONS) | _schema_words(load_schema(), set())


def _english(chinese: str) -> list[str]:
    """ASCII words of a Chinese text that are neither allowed names nor paths."""
    chinese = re.sub(r"\S*[/\\]\S*|「[^」]*」", "", chinese)
    chinese = re.sub(r"\b[a-z]+(\.[a-z_-]+)+\b", "", chinese)  # codes and places: body.policy
    return [w for w in re.findall(r"[A-Za-z][A-Za-z_-]{2,}", chinese) if w not in _allowed()]


@pytest.mark.parametrize("key", list(PRODUCERS))
def test_each_problem_in_both_languages(key, tmp_path, monkeypatch):
    if key.startswith(("serve.", "policy.unknown")):
        pytest.importorskip("fastapi", reason="kaohe serve needs the 'serve' extra")
    diagnostic = PRODUCERS[key](tmp_path, monkeypatch)
    assert diagnostic.key == key, diagnostic
    assert diagnostic.code == key.partition("/")[0]
    assert diagnostic.message == text(key, diagnostic.params, "en")  # the JSON's message is the English
    chinese = diagnostic.render("zh")
    assert re.search(r"[\u4e00-\u9fff]", diagnostic.message_in("zh")), chinese
    assert diagnostic.render("en") != chinese


def test_serve_refuses_in_both_languages(monkeypatch):
    pytest.importorskip("fastapi", reason="kaohe serve needs the 'serve' extra")
    from engine.service import ServeError, check_binding

    monkeypatch.delenv("KAOHE_TOKEN", raising=False)
    for args, key in ((("127.0.0.1", "short"), "serve.token"), (("0.0.0.0", None), "serve.open")):
        with pytest.raises(ServeError) as info:
            check_binding(*args)
        assert info.value.key == key
        assert re.search(r"[\u4e00-\u9fff]", info.value.render("zh")), info.value.render("zh")
        assert _english(info.value.render("zh")) == []


#: the service's problems, made by requests (kaohe serve)
REQUESTS = {
    "request.not-found": ("get", "/nosuch", {}),
    "request.method": ("delete", "/policies", {}),
    "request.invalid": ("post", "/validate", {"json": {"text": "x"}}),
    "request.lang": ("post", "/policies/jiangxi-jiaoxuetong-2019/entities/teacher/evaluate?lang=fr", {"json": []}),
    "request.cases": ("post", "/test", {"json": {"policy": "kaohe: 1\n"}}),
    "usage.as-of/query": (
        "post",
        "/policies/jiangxi-jiaoxuetong-2019/entities/teacher/evaluate?as_of=soon",
        {"json": []},
    ),
    "input.upload": (
        "post",
        "/policies/jiangxi-jiaoxuetong-2019/entities/teacher/evaluate",
        {"files": {"other": ("a.csv", b"id\n")}},
    ),
    "input.format/upload": (
        "post",
        "/policies/jiangxi-jiaoxuetong-2019/entities/teacher/evaluate",
        {"files": {"file": ("a.txt", b"id\n")}},
    ),
    "input.format/body": (
        "post",
        "/policies/jiangxi-jiaoxuetong-2019/entities/teacher/evaluate",
        {"content": b"id", "headers": {"content-type": "text/plain"}},
    ),
    "input.json/explain": ("post", "/policies/jiangxi-jiaoxuetong-2019/entities/teacher/explain", {"json": [{}, {}]}),
}


@pytest.fixture(scope="module")
def client():
    pytest.importorskip("fastapi", reason="kaohe serve needs the 'serve' extra")
    from fastapi.testclient import TestClient

    from engine.service.app import Settings, create_app
    from engine.service.catalog import Catalog

    app = create_app(Settings(), Catalog.load([POLICIES]))
    with TestClient(app, client=("127.0.0.1", 50000), base_url="http://127.0.0.1:8000") as c:
        yield c


@pytest.mark.parametrize("key", list(REQUESTS))
def test_each_request_problem_in_both_languages(client, key):
    method, url, options = REQUESTS[key]
    joined = "&" if "?" in url else "?"
    zh = getattr(client, method)(url + ("" if "lang=" in url else joined + "lang=zh"), **options).json()["error"]
    en = getattr(client, method)(url + ("" if "lang=" in url else joined + "lang=en"), **options).json()["error"]
    assert zh["code"] == en["code"] == key.partition("/")[0], (zh, en)
    assert zh["problems"][0]["message"] == en["problems"][0]["message"]  # the English, for programs
    if "lang=fr" not in url:  # a wrong lang is answered in the default language
        assert re.search(r"[\u4e00-\u9fff]", zh["text"]) and not re.search(r"[\u4e00-\u9fff]", en["text"]), zh
        assert _english(zh["text"]) == [], zh


def test_a_tried_record_that_is_not_an_object():
    from engine.service.sandbox import check_text

    out = check_text(
        "validate", "jiangxi.yaml", JX.read_text(encoding="utf-8"), None, {}, "zh", {"entity": "teacher", "record": [1]}
    )
    assert out["result"]["error"]["code"] == "request.record"


def test_the_guard_speaks_from_the_catalogue(monkeypatch):
    pytest.importorskip("fastapi", reason="kaohe serve needs the 'serve' extra")
    from fastapi.testclient import TestClient

    from engine.service.app import Settings, create_app
    from engine.service.catalog import Catalog

    app = create_app(Settings(token="t" * 20), Catalog.load([POLICIES]))
    with TestClient(app, client=("127.0.0.1", 50000), base_url="http://127.0.0.1:8000") as c:
        body = c.get("/policies").json()["error"]
        english = c.get("/policies?lang=en").json()["error"]
        upload = c.post("/validate?lang=zh", content=b"x" * (21 << 20)).json()["error"]
    assert body["code"] == "auth.token" and body["message"] == text("auth.token")
    # made before the request is read, the refusal still speaks the query's language
    assert body["text"] == text("auth.token", lang="zh") and english["text"] == text("auth.token")
    assert upload["code"] in ("auth.token", "limit.upload") and re.search(r"[\u4e00-\u9fff]", upload["text"])


#: keys checked by the tests of this module (tests/test_invalid.py reads it)
CHECKED_HERE = (*PRODUCERS, *REQUESTS, "serve.token", "serve.open", "request.record", "auth.token")
