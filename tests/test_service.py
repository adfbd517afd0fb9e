"""kaohe serve: every endpoint, the limits, the token and what must never reach a client."""

from __future__ import annotations

import io
import json
import logging
import re
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="kaohe serve needs the 'serve' extra")

from click.testing import CliRunner
from fastapi.testclient import TestClient

import cli
from engine.service import ServeError, check_binding
from engine.service.app import Settings, create_app
from engine.service.catalog import Catalog, installed_policy_dirs

ROOT = Path(__file__).resolve().parent.parent
JX = "jiangxi-jiaoxuetong-2019"
EVAL = f"/policies/{JX}/entities/teacher/evaluate"
AS_OF = "2020-06-30"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LOCAL = {"client": ("127.0.0.1", 50000), "base_url": "http://127.0.0.1:8000"}


@pytest.fixture(scope="module")
def catalog():
    return Catalog.load(installed_policy_dirs())


def client_for(catalog, **settings) -> TestClient:
    return TestClient(create_app(Settings(**settings), catalog), **LOCAL)


@pytest.fixture(scope="module")
def client(catalog):
    with client_for(catalog) as c:
        yield c


def csv_text() -> str:
    return (ROOT / "examples/jiangxi/teachers.csv").read_text(encoding="utf-8")


def cli_json(path: str) -> list:
    result = CliRunner().invoke(
        cli.main,
        ["evaluate", str(ROOT / "policies/jiangxi.yaml"), "-e", "teacher", "-i", path, "--as-of", AS_OF, "-f", "json"],
    )
    return json.loads(result.stdout)


# --- policies ---------------------------------------------------------------------------------


def test_policies_are_listed_by_id(client):
    data = client.get("/policies").json()
    ids = {p["id"] for p in data}
    assert JX in ids and "national-2019" in ids
    jx = next(p for p in data if p["id"] == JX)
    assert jx["entities"] == ["teacher", "school", "trainee", "host"]
    assert jx["file"] == "jiangxi.yaml"


def test_a_policy_shows_rules_inputs_and_clauses(client):
    data = client.get(f"/policies/{JX}").json()
    rules = {r["id"]: r for r in data["rules"]}
    assert "考核优秀的计3学分" in rules["JX-T1"]["clause"]
    teacher = data["entities"]["teacher"]
    inputs = {i["name"]: i for i in teacher["inputs"]}
    assert inputs["class_hours"]["type"] in ("integer", "number")
    assert inputs["gender"]["label"]["zh"]
    assert [lv["code"] for lv in teacher["grade"]["levels"]][-1] == "fail"


def test_the_source_is_given_for_the_editor(client):
    data = client.get(f"/policies/{JX}/source").json()
    assert data["name"] == "jiangxi.yaml"
    assert data["policy"].startswith("# yaml-language-server")
    assert "cases:" in data["cases"]


@pytest.mark.parametrize("pid", ["nope", "..%2F..%2Fetc%2Fpasswd", "jiangxi.yaml", "%2Fetc%2Fpasswd"])
def test_policies_are_looked_up_by_id_only(client, pid):
    response = client.get(f"/policies/{pid}")
    assert response.status_code == 404
    assert "root:" not in response.text
    assert response.json()["error"]["code"] in ("policy.unknown", "request.not-found")


def test_an_unknown_entity_is_a_404_with_a_suggestion(client):
    response = client.post(f"/policies/{JX}/entities/teachr/evaluate?as_of={AS_OF}", json=[])
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "usage.entity"
    assert "teacher" in response.json()["error"]["problems"][0]["hint"]


# --- evaluate ---------------------------------------------------------------------------------


def test_evaluate_a_json_array_gives_what_the_cli_gives(client):
    expected = cli_json(str(ROOT / "examples/jiangxi/teachers.csv"))
    records = client.post(f"{EVAL}?as_of={AS_OF}&echo=true", files={"file": ("t.csv", csv_text())}).json()
    inputs = [r["input"] for r in records]
    response = client.post(f"{EVAL}?as_of={AS_OF}", json=inputs)
    assert response.status_code == 200
    assert response.json() == expected
    assert response.headers["x-kaohe-total"] == str(len(expected))


def test_evaluate_an_xlsx_upload_gives_what_the_cli_gives(client):
    path = ROOT / "examples/jiangxi/teachers.xlsx"
    with path.open("rb") as handle:
        response = client.post(f"{EVAL}?as_of={AS_OF}", files={"file": ("teachers.xlsx", handle, XLSX)})
    assert response.status_code == 200
    assert response.json() == cli_json(str(path))


def test_jsonl_in_and_out(client):
    lines = [json.dumps({"id": "A", "gender": "女", "age": 30, "class_hours": 600, "daily_usage": [5] * 120})]
    lines.append("{not json")
    response = client.post(
        f"{EVAL}?as_of={AS_OF}",
        content="\n".join(lines),
        headers={"content-type": "application/x-ndjson", "accept": "application/x-ndjson"},
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-ndjson")
    out = [json.loads(line) for line in response.text.splitlines()]
    assert len(out) == 2  # one outcome per line in, the bad line a failure
    assert out[0]["id"] == "A" and "error" in out[1]


def test_csv_body_in_and_csv_out(client):
    response = client.post(
        f"{EVAL}?as_of={AS_OF}", content=csv_text(), headers={"content-type": "text/csv", "accept": "text/csv"}
    )
    assert response.status_code == 200
    rows = response.text.lstrip("\ufeff").splitlines()
    expected = (
        CliRunner()
        .invoke(
            cli.main,
            [
                "evaluate",
                str(ROOT / "policies/jiangxi.yaml"),
                "-e",
                "teacher",
                "-i",
                str(ROOT / "examples/jiangxi/teachers.csv"),
                "--as-of",
                AS_OF,
                "-f",
                "csv",
            ],
        )
        .stdout.lstrip("\ufeff")
        .splitlines()
    )
    assert rows == expected  # the same table kaohe evaluate -f csv writes
    assert len(rows) == len(csv_text().splitlines())


def test_xlsx_out_reads_back(client):
    openpyxl = pytest.importorskip("openpyxl")
    response = client.post(f"{EVAL}?as_of={AS_OF}", files={"file": ("t.csv", csv_text())}, headers={"accept": XLSX})
    assert response.status_code == 200 and response.headers["content-type"] == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    expected = cli_json(str(ROOT / "examples/jiangxi/teachers.csv"))
    assert rows[0][:2] == ("编号", "等级")
    assert [r[0] for r in rows[1:]] == [e["id"] for e in expected]


def test_as_of_outside_the_period_and_a_bad_date_are_refused(client):
    response = client.post(f"{EVAL}?as_of=2001-01-01", json=[{"id": "A"}])
    assert response.status_code == 422 and response.json()["error"]["code"] == "usage.period"
    response = client.post(f"{EVAL}?as_of=2020-13-45", json=[{"id": "A"}])
    assert response.status_code == 422 and response.json()["error"]["code"] == "usage.as-of"


def test_an_unknown_body_type_is_a_415(client):
    response = client.post(f"{EVAL}?as_of={AS_OF}", content=b"x", headers={"content-type": "application/pdf"})
    assert response.status_code == 415
    assert response.json()["error"]["code"] == "input.format"


def test_english_labels_with_lang(client):
    response = client.post(f"{EVAL}?as_of={AS_OF}&lang=en", files={"file": ("t.csv", csv_text())})
    grades = {r["grade"]["label"] for r in response.json() if r.get("grade")}
    assert grades and grades <= {"Excellent", "Pass", "Fail", "Exempt"}, grades


# --- explain, columns, report -----------------------------------------------------------------


def test_explain_gives_the_trace_and_a_hint(client):
    records = client.post(f"{EVAL}?as_of={AS_OF}&echo=true", files={"file": ("t.csv", csv_text())}).json()
    passed = next(r for r in records if r.get("grade") and r["grade"]["code"] == "pass")
    response = client.post(f"/policies/{JX}/entities/teacher/explain?as_of={AS_OF}", json=passed["input"])
    assert response.status_code == 200
    data = response.json()
    assert data["id"] == passed["id"] and data["grade"]["code"] == "pass"
    assert any(step["step"] == "grade" for step in data["trace"])
    assert data["hints"] and data["hints"][0]["target"]
    assert data["text"]


def test_explain_of_a_bad_record_is_a_failure_object(client):
    response = client.post(
        f"/policies/{JX}/entities/teacher/explain?as_of={AS_OF}", json={"id": "X", "age": "abc", "class_hours": 600}
    )
    assert response.status_code == 422
    body = response.json()
    assert body["id"] == "X" and body["error"]["code"].startswith(("record.", "input."))


def test_columns_report_mapped_unknown_and_missing(client):
    text = csv_text().splitlines()
    text[0] = text[0].replace("总课时", "总课时数X")
    response = client.post(f"/policies/{JX}/entities/teacher/columns", files={"file": ("t.csv", "\n".join(text))})
    data = response.json()
    assert "gender" in {m["input"] for m in data["mapped"]}
    assert data["unknown"][0]["header"] == "总课时数X" and data["unknown"][0]["suggestion"] == "总课时"


def test_report_is_html(client):
    response = client.post(
        f"/policies/{JX}/entities/teacher/report?as_of={AS_OF}", files={"file": ("t.csv", csv_text())}
    )
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "<svg" in response.text


# --- validate, lint, test ---------------------------------------------------------------------


def source(client):
    return client.get(f"/policies/{JX}/source").json()


def test_validate_gives_a_typo_at_its_line_and_column(client):
    src = source(client)
    lines = src["policy"].splitlines()
    n = next(i for i, line in enumerate(lines) if line.startswith("effective:"))
    lines[n] = lines[n].replace("effective", "efective")
    data = client.post("/validate", json={"policy": "\n".join(lines), "name": src["name"]}).json()
    assert data["ok"] is False
    located = [d for d in data["diagnostics"] if d["line"] == n + 1]
    assert located, data["diagnostics"]
    assert located[0]["file"] == "jiangxi.yaml" and located[0]["col"] == 1
    assert all("/" not in (d["file"] or "") for d in data["diagnostics"])


def test_validate_resolves_extends_through_the_servers_policies(client):
    text = (ROOT / "policies/guangxi.yaml").read_text(encoding="utf-8")
    assert "\nextends: national.yaml" in text
    data = client.post("/validate", json={"policy": text, "name": "mine.yaml"}).json()
    assert data["ok"] is True, data["diagnostics"]
    assert data["policy"]["id"] == "guangxi-ziyuan-2020"


def test_validate_tries_a_record(client):
    src = source(client)
    record = {"id": "T", "gender": "女", "age": 35, "class_hours": 600, "daily_usage": [5] * 120}
    data = client.post(
        "/validate", json={"policy": src["policy"], "entity": "teacher", "record": record, "as_of": AS_OF}
    ).json()
    assert data["result"]["error"]["field"] == "lesson_scores"  # a refused record, located by name only
    assert data["result"]["error"]["problems"][0]["file"] == "policy.yaml"
    record["lesson_scores"] = [60] * 6
    data = client.post(
        "/validate", json={"policy": src["policy"], "entity": "teacher", "record": record, "as_of": AS_OF}
    ).json()
    assert data["ok"] and data["result"]["id"] == "T" and data["result"]["grade"]["code"] == "excellent"


def test_lint_and_test(client):
    src = source(client)
    data = client.post("/lint", json={"policy": src["policy"], "name": src["name"]}).json()
    assert "diagnostics" in data and data["policy"]["id"] == JX
    data = client.post("/test", json={"policy": src["policy"], "name": src["name"], "cases": src["cases"]}).json()
    assert data["ok"] and data["failed"] == 0 and data["passed"] == len(data["cases"]) > 10
    broken = src["cases"].replace("values: {usage_points: 30}", "values: {usage_points: 31}", 1)
    data = client.post("/test", json={"policy": src["policy"], "name": src["name"], "cases": broken}).json()
    assert data["ok"] is False and data["failed"] == 1
    assert client.post("/test", json={"policy": src["policy"]}).status_code == 400


def test_prove_gives_the_verdicts_of_kaohe_prove(client):
    pytest.importorskip("z3")
    src = source(client)
    data = client.post("/prove", json={"policy": src["policy"], "name": src["name"], "entity": "teacher"}).json()
    assert data["ok"] and data["counterexamples"] == 0 and data["proved"] > 10
    assert {v["entity"] for v in data["verdicts"]} == {"teacher"}
    broken = src["policy"].replace("value: 27, clause: 70%以上计27分", "value: 17, clause: 70%以上计27分", 1)
    assert broken != src["policy"]
    data = client.post("/prove", json={"policy": broken, "name": src["name"], "entity": "teacher", "lang": "en"}).json()
    assert data["ok"] is False and data["counterexamples"] == 1
    (bad,) = [v for v in data["verdicts"] if v["status"] == "counterexample"]
    assert bad["subject"] == "monotonic(daily_usage, increasing)" and len(bad["witness"]) == 2
    assert "counterexample" in data["text"]


def test_posted_policy_text_goes_through_the_bounded_loader(catalog):
    with client_for(catalog, max_upload_bytes=8 * 1024 * 1024) as c:
        data = c.post("/validate", json={"policy": "a: b\n" * 700_000}).json()
    assert data["ok"] is False and data["diagnostics"][0]["code"] == "yaml.too-large"


def test_posted_policy_text_has_a_time_limit(catalog):
    with client_for(catalog, policy_seconds=0.001) as c:
        response = c.post("/validate", json={"policy": "kaohe: 1\n"})
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "limit.policy-time"


def test_a_malformed_check_request_is_a_422_failure_object(client):
    response = client.post("/validate", json={"text": "x"})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "request.invalid"


# --- operations -------------------------------------------------------------------------------


def test_healthz_and_metrics(client):
    assert client.get("/healthz").json()["status"] == "ok"
    client.post(f"{EVAL}?as_of={AS_OF}", files={"file": ("t.csv", csv_text())})
    client.get("/policies/nope")
    text = client.get("/metrics").text
    assert 'kaohe_requests_total{method="POST",route="/policies/{pid}/entities/{entity}/evaluate",status="200"}' in text
    assert 'kaohe_records_total{outcome="evaluated"}' in text
    assert "kaohe_request_seconds_bucket" in text
    assert 'kaohe_errors_total{code="policy.unknown"}' in text


def test_openapi_and_docs_are_served_from_the_package(client):
    doc = client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert "/policies/{pid}/entities/{entity}/evaluate" in doc["paths"]
    for path in ("/validate", "/lint", "/test", "/healthz", "/metrics", "/policies"):
        assert path in doc["paths"]
    page = client.get("/docs").text
    assert "http://" not in page and "https://" not in page
    assert client.get("/docs/assets/swagger-ui-bundle.js").status_code == 200


def test_openapi_document_validates(client):
    validator = pytest.importorskip("openapi_spec_validator", reason="openapi-spec-validator (test extra) is missing")
    validator.validate(client.get("/openapi.json").json())


def test_the_page_has_security_headers_and_no_outside_urls(client):
    response = client.get("/")
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["x-frame-options"] == "DENY"
    for name in ("index.html", "editor.html", "app.js", "editor.js", "common.js", "style.css", "docs.html"):
        text = (ROOT / "engine/service/static" / name).read_text(encoding="utf-8")
        assert "https://" not in text and "//cdn" not in text, name


def test_cors_is_off(client):
    response = client.get("/policies", headers={"origin": "http://evil.example"})
    assert "access-control-allow-origin" not in response.headers
    response = client.options(
        "/policies", headers={"origin": "http://evil.example", "access-control-request-method": "GET"}
    )
    assert "access-control-allow-origin" not in response.headers and response.status_code == 405


# --- limits -----------------------------------------------------------------------------------


def test_upload_size_limit(catalog):
    with client_for(catalog, max_upload_bytes=1000) as c:
        response = c.post(f"{EVAL}?as_of={AS_OF}", content=csv_text(), headers={"content-type": "text/csv"})
        assert response.status_code == 413 and response.json()["error"]["code"] == "limit.upload"

        def chunks():  # no Content-Length: counted as it arrives
            yield csv_text().encode()

        response = c.post(f"{EVAL}?as_of={AS_OF}", content=chunks(), headers={"content-type": "text/csv"})
        assert response.status_code == 413 and response.json()["error"]["code"] == "limit.upload"


def test_records_per_request_limit(catalog):
    with client_for(catalog, max_records=3) as c:
        response = c.post(f"{EVAL}?as_of={AS_OF}", json=[{"id": str(n)} for n in range(4)])
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "limit.records"
        assert c.post(f"{EVAL}?as_of={AS_OF}", json=[{"id": str(n)} for n in range(3)]).status_code == 200


def test_time_limit_per_request(catalog):
    with client_for(catalog, request_seconds=0) as c:
        response = c.post(f"{EVAL}?as_of={AS_OF}", json=[{"id": str(n)} for n in range(200)])
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "limit.time"


# --- access -----------------------------------------------------------------------------------


def test_without_a_token_only_localhost_is_answered(catalog):
    with TestClient(create_app(Settings(), catalog), client=("10.1.2.3", 4000)) as c:
        response = c.get("/healthz")
        assert response.status_code == 403 and response.json()["error"]["code"] == "auth.localhost"
    with client_for(catalog) as c:  # a page on another site that resolves to 127.0.0.1 (DNS rebinding)
        assert c.get("/healthz", headers={"host": "evil.example"}).status_code == 403
        assert c.get("/healthz", headers={"host": "localhost:8000"}).status_code == 200


def test_with_a_token_every_request_needs_it(catalog):
    token = "s3cret-token-0123456789"
    with TestClient(create_app(Settings(token=token), catalog), client=("10.1.2.3", 4000)) as c:
        for path in ("/healthz", "/", "/policies", "/metrics"):
            assert c.get(path).status_code == 401
        assert c.get("/healthz", headers={"authorization": "Bearer wrong-token-0123456789"}).status_code == 401
        assert c.get("/healthz", headers={"authorization": f"Bearer {token}"}).status_code == 200
        assert c.get("/policies", headers={"authorization": f"bearer {token}"}).status_code == 200


def test_binding_elsewhere_needs_a_token(monkeypatch):
    monkeypatch.delenv("KAOHE_TOKEN", raising=False)
    assert check_binding("127.0.0.1", None) is None
    with pytest.raises(ServeError, match="--token"):
        check_binding("0.0.0.0", None)
    with pytest.raises(ServeError, match="16"):
        check_binding("0.0.0.0", "short")
    assert check_binding("0.0.0.0", "a-long-enough-token") == "a-long-enough-token"
    monkeypatch.setenv("KAOHE_TOKEN", "token-from-the-environment")
    assert check_binding("0.0.0.0", None) == "token-from-the-environment"


def test_the_cli_refuses_a_public_address_without_a_token(monkeypatch):
    monkeypatch.delenv("KAOHE_TOKEN", raising=False)
    result = CliRunner().invoke(cli.main, ["serve", "--host", "0.0.0.0", "--port", "1"])
    assert result.exit_code == 2
    assert "--token" in result.output


def test_a_broken_policy_folder_stops_the_start(tmp_path):
    (tmp_path / "bad.yaml").write_text("kaohe: 1\nid: [\n", encoding="utf-8")
    from engine import PolicyError

    with pytest.raises(PolicyError):
        Catalog.load([tmp_path])


# --- nothing internal reaches a client --------------------------------------------------------


def test_an_internal_error_is_logged_with_a_request_id_and_not_shown(catalog, monkeypatch, caplog):
    from engine.runtime import policy as policy_module

    def broken(*args, **kwargs):
        raise RuntimeError("secret detail at /srv/kaohe/internal.py")

    monkeypatch.setattr(policy_module.Policy, "evaluate_many", broken)
    with client_for(catalog) as c, caplog.at_level(logging.ERROR, logger="kaohe.service"):
        response = c.post(f"{EVAL}?as_of={AS_OF}", json=[{"id": "A"}])
    assert response.status_code == 500
    body = response.json()
    assert body["error"]["code"] == "internal"
    assert "secret" not in response.text and "Traceback" not in response.text and "/srv" not in response.text
    assert body["request_id"] in caplog.text and "secret detail" in caplog.text


def test_no_server_path_in_answers(client, catalog):
    folders = [str(d) for d in catalog.directories()] + [str(ROOT)]
    bad_csv = csv_text().replace(",34,", ",abc,", 1)
    answers = [
        client.get(f"/policies/{JX}").text,
        client.get("/policies").text,
        client.post(f"{EVAL}?as_of={AS_OF}", files={"file": ("t.csv", bad_csv)}).text,
        client.post("/validate", json={"policy": "kaohe: 1\nextends: national.yaml\nid: [\n"}).text,
        client.post("/validate", json={"policy": "kaohe: 1\nextends: ../../../etc/passwd\n"}).text,
    ]
    assert '"error"' in answers[2]
    for text in answers:
        for folder in folders:
            assert folder not in text
        assert "/tmp/" not in text and "kaohe-upload-" not in text and "kaohe-check-" not in text


def test_an_app_for_several_worker_processes_reads_the_environment(monkeypatch, tmp_path):
    from engine.service.app import from_environment

    (tmp_path / "mine.yaml").write_text(
        (ROOT / "policies/jiangxi.yaml").read_text(encoding="utf-8").replace(f"id: {JX}", "id: my-county-2024", 1),
        encoding="utf-8",
    )
    monkeypatch.setenv("KAOHE_POLICIES", str(tmp_path))
    monkeypatch.setenv("KAOHE_TOKEN", "token-from-the-environment")
    with TestClient(from_environment(), **LOCAL) as c:
        assert c.get("/policies").status_code == 401
        ids = {
            p["id"] for p in c.get("/policies", headers={"authorization": "Bearer token-from-the-environment"}).json()
        }
    assert {"my-county-2024", JX} <= ids


def test_lint_finds_a_shadowed_level_at_its_line(client):
    import re

    src = source(client)
    found = re.search(r"( +- code: excellent\n(?: {10}.*\n)+)( +- code: pass\n(?: {10}.*\n)+)", src["policy"])
    assert found, "the teacher's excellent level followed by pass"
    excellent, passing = found.group(1), found.group(2)
    swapped = src["policy"].replace(excellent + passing, passing + excellent, 1)
    line = swapped[: swapped.index(excellent)].count("\n") + 1
    data = client.post("/lint", json={"policy": swapped, "name": src["name"], "lang": "en"}).json()
    shadowed = [d for d in data["diagnostics"] if d["line"] == line]
    assert shadowed, data["diagnostics"]
    assert "pass" in shadowed[0]["message"]


# --- Parquet, the columnar engine, JSON Lines streamed, PDF -----------------------------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """6,000 generated teachers (over the columnar threshold) as JSON Lines, CSV and Parquet."""
    pytest.importorskip("duckdb")
    import sys

    import duckdb

    from engine.io.tables import AUTO_THRESHOLD

    sys.path.insert(0, str(ROOT / "bench"))
    from generate import write

    folder = tmp_path_factory.mktemp("generated")
    n = AUTO_THRESHOLD + 1000
    jsonl, csv_path = write(n, folder)
    parquet = folder / "teachers.parquet"
    duckdb.sql(f"COPY (SELECT * FROM read_json('{jsonl}', format = 'newline_delimited')) TO '{parquet}'")
    return {"n": n, "jsonl": jsonl, "csv": csv_path, "parquet": parquet}


@pytest.fixture
def plans(monkeypatch):
    """How many times the columnar plan ran on DuckDB."""
    import engine.columnar.run as run

    runs = []
    real = run.run_plan

    def spy(*args, **kwargs):
        runs.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(run, "run_plan", spy)
    return runs


def test_a_large_parquet_upload_runs_on_the_columnar_engine_with_the_row_engines_results(client, generated, plans):
    data = generated["parquet"].read_bytes()
    files = {"file": ("teachers.parquet", data, "application/vnd.apache.parquet")}
    row = client.post(f"{EVAL}?as_of={AS_OF}&engine=row", files=files)
    assert row.status_code == 200 and not plans
    auto = client.post(f"{EVAL}?as_of={AS_OF}", files=files)
    assert auto.status_code == 200 and len(plans) == 1  # auto: over the threshold, the plan ran
    assert auto.json() == row.json()
    assert len(row.json()) == generated["n"] == int(auto.headers["x-kaohe-total"])
    grades = {(r.get("grade") or {}).get("code") for r in row.json()}
    assert len(grades) >= 3  # a real spread of results, not one grade for all
    body = client.post(
        f"{EVAL}?as_of={AS_OF}", content=data, headers={"content-type": "application/vnd.apache.parquet"}
    )
    assert body.status_code == 200 and body.json() == row.json() and len(plans) == 2


def test_a_small_parquet_upload_stays_on_the_row_engine(client, generated, plans, tmp_path):
    import pyarrow.parquet as pq

    small = tmp_path / "few.parquet"
    pq.write_table(pq.read_table(generated["parquet"]).slice(0, 50), small)
    response = client.post(f"{EVAL}?as_of={AS_OF}", files={"file": ("few.parquet", small.read_bytes())})
    assert response.status_code == 200 and len(response.json()) == 50 and not plans
    duck = client.post(f"{EVAL}?as_of={AS_OF}&engine=duckdb", files={"file": ("few.parquet", small.read_bytes())})
    assert duck.json() == response.json() and len(plans) == 1
    trace = client.post(f"{EVAL}?as_of={AS_OF}&trace=true", files={"file": ("few.parquet", small.read_bytes())})
    assert trace.status_code == 200 and "trace" in trace.json()[0]  # traced: the row engine over the rows


def test_engine_duckdb_on_a_csv_upload_gives_the_row_engines_results(client, generated, plans):
    files = {"file": ("t.csv", generated["csv"].read_bytes())}
    row = client.post(f"{EVAL}?as_of={AS_OF}&engine=row", files=files)
    duck = client.post(f"{EVAL}?as_of={AS_OF}&engine=duckdb", files=files)
    assert row.status_code == duck.status_code == 200 and len(plans) == 1
    assert duck.json() == row.json()
    assert row.json() == client.post(f"{EVAL}?as_of={AS_OF}", files=files).json()  # auto: the row engine


def test_an_unknown_engine_or_upload_format_is_refused_in_both_languages(client):
    response = client.post(f"{EVAL}?as_of={AS_OF}&engine=spark&lang=en", json=[{"id": "A"}])
    assert response.status_code == 400 and response.json()["error"]["code"] == "serve.engine"
    assert "auto, row, duckdb" in response.json()["error"]["text"]
    response = client.post(f"{EVAL}?as_of={AS_OF}&engine=x", json=[{"id": "A"}])
    assert "engine 须为" in response.json()["error"]["text"]
    response = client.post(f"{EVAL}?as_of={AS_OF}&lang=en", files={"file": ("t.txt", "a,b")})
    error = response.json()["error"]
    assert response.status_code == 415 and error["code"] == "input.format"
    assert ".parquet" in error["problems"][0]["hint"]


def test_a_broken_parquet_upload_is_a_located_refusal(client):
    response = client.post(f"{EVAL}?as_of={AS_OF}", files={"file": ("t.parquet", b"PAR1 not really")})
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "input.unreadable"
    assert "/tmp" not in response.text and "kaohe-upload" not in response.text


@pytest.mark.parametrize("accept", ["application/x-ndjson", "application/jsonl"])
def test_jsonl_is_streamed_line_by_line_with_the_json_answers_objects(client, generated, accept):
    body = generated["jsonl"].read_bytes()
    head = {"content-type": "application/x-ndjson"}
    expected = client.post(f"{EVAL}?as_of={AS_OF}&echo=true", content=body, headers=head).json()
    with client.stream(
        "POST", f"{EVAL}?as_of={AS_OF}&echo=true", content=body, headers={**head, "accept": accept}
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("application/x-ndjson")
        assert "content-length" not in response.headers  # sent as evaluated, not built whole first
        chunks = list(response.iter_bytes())
    lines = b"".join(chunks).decode().splitlines()
    assert [json.loads(line) for line in lines] == expected
    assert len(lines) == generated["n"]


def test_a_limit_met_while_streaming_ends_the_stream_with_its_failure_object(catalog, generated):
    from engine.service.app import STREAM_LINES

    body = generated["jsonl"].read_bytes()
    head = {"content-type": "application/x-ndjson", "accept": "application/x-ndjson"}
    with client_for(catalog, max_records=STREAM_LINES + 10) as c:
        response = c.post(f"{EVAL}?as_of={AS_OF}", content=body, headers=head)
        lines = [json.loads(line) for line in response.text.splitlines()]
        assert response.status_code == 200 and len(lines) == STREAM_LINES + 1
        assert lines[-1]["error"]["code"] == "limit.records" and all("error" not in x for x in lines[:-1])
        assert lines[-1]["entity"] == "teacher" and "记录" in lines[-1]["error"]["text"]
    with client_for(catalog, max_records=10) as c:  # met before the first line: the usual answer
        response = c.post(f"{EVAL}?as_of={AS_OF}", content=body, headers=head)
        assert response.status_code == 413 and response.json()["error"]["code"] == "limit.records"


def test_a_parquet_upload_over_the_records_limit_is_refused_before_evaluating(catalog, generated):
    with client_for(catalog, max_records=100) as c:
        response = c.post(f"{EVAL}?as_of={AS_OF}", files={"file": ("t.parquet", generated["parquet"].read_bytes())})
        assert response.status_code == 413 and response.json()["error"]["code"] == "limit.records"


REPORT = f"/policies/{JX}/entities/teacher/report?as_of={AS_OF}"


def _has_browser() -> bool:
    from engine.tools.report import find_browser

    try:
        find_browser()
    except Exception:
        return False
    return True


@pytest.mark.skipif(not _has_browser(), reason="no headless Chromium (apt-get install chromium)")
def test_report_as_pdf(client):
    files = {"file": ("t.csv", csv_text())}
    response = client.post(f"{REPORT}&format=pdf", files=files)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/pdf" and response.content[:5] == b"%PDF-"
    assert len(response.content) > 5000
    by_accept = client.post(REPORT, files=files, headers={"accept": "application/pdf"})
    assert by_accept.status_code == 200 and by_accept.content[:5] == b"%PDF-"
    html = client.post(f"{REPORT}&format=html", files=files, headers={"accept": "application/pdf"})
    assert html.headers["content-type"].startswith("text/html")  # format= wins over Accept


def test_report_as_pdf_without_a_browser_says_so_in_both_languages(client, monkeypatch):
    monkeypatch.setenv("KAOHE_BROWSER", "/nonexistent/chromium")
    files = {"file": ("t.csv", csv_text())}
    response = client.post(f"{REPORT}&format=pdf&lang=en", files=files)
    error = response.json()["error"]
    assert response.status_code == 503 and error["code"] == "serve.no-browser"
    assert "headless Chromium" in error["text"] and "format=html" in error["problems"][0]["hint"]
    assert "/nonexistent" not in response.text
    zh = client.post(REPORT, files=files, headers={"accept": "application/pdf"}).json()["error"]
    assert zh["code"] == "serve.no-browser" and "无法生成 PDF" in zh["text"]


def test_report_as_pdf_when_the_browser_fails_hides_the_server_and_logs(client, monkeypatch, caplog):
    monkeypatch.setenv("KAOHE_BROWSER", "/bin/true")  # a program that prints nothing
    with caplog.at_level(logging.ERROR, logger="kaohe.service"):
        response = client.post(f"{REPORT}&format=pdf&lang=en", files={"file": ("t.csv", csv_text())})
    assert response.status_code == 503 and response.json()["error"]["code"] == "serve.pdf"
    assert "/bin/true" not in response.text and "/bin/true" in caplog.text
    response = client.post(f"{REPORT}&format=docx", files={"file": ("t.csv", csv_text())})
    assert response.status_code == 400 and response.json()["error"]["code"] == "serve.report-format"


def test_serve_with_two_worker_processes_answers_on_one_port():
    """kaohe serve --workers 2: uvicorn's worker processes each build the app from the
    environment and answer on the one port."""
    pytest.importorskip("uvicorn")
    import os
    import socket
    import subprocess
    import sys
    import time
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("KAOHE_TOKEN", "KAOHE_POLICIES")}
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "cli.py"), "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:
                    assert json.loads(answer.read())["status"] == "ok"
                    break
            except OSError:
                assert time.monotonic() < deadline and process.poll() is None, "kaohe serve --workers 2 did not start"
                time.sleep(0.3)
        request = urllib.request.Request(
            f"{base}{EVAL}?as_of={AS_OF}",
            data=json.dumps([{"id": "A", "gender": "女", "age": 30, "class_hours": 600}]).encode(),
            headers={"content-type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as answer:
            assert json.loads(answer.read())[0]["id"] == "A"
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children")
        if children.exists():
            assert len(children.read_text().split()) >= 2  # the supervisor's worker processes
    finally:
        process.terminate()
        process.wait(30)


def test_the_servers_own_refusals_speak_both_languages(client):
    """Each refusal of a request the server itself makes has its catalogue text in Chinese (the
    default) and English."""
    asks = {
        "request.lang": lambda lang: client.post(f"{EVAL}?as_of={AS_OF}&lang=fr", json=[]),
        "input.upload": lambda lang: client.post(f"{EVAL}?lang={lang}", files={"other": ("t.csv", "id\n")}),
        "input.format": lambda lang: client.post(
            f"{EVAL}?lang={lang}", content="x", headers={"content-type": "text/plain"}
        ),
        "input.json": lambda lang: client.post(EVAL.replace("evaluate", "explain") + f"?lang={lang}", json=[{}, {}]),
        "request.cases": lambda lang: client.post("/test", json={"policy": "x: 1", "lang": lang}),
        "usage.group-by": lambda lang: client.post(
            f"/policies/{JX}/entities/teacher/report?lang={lang}&group_by=nope", files={"file": ("t.csv", "id\n")}
        ),
    }
    for code, ask in asks.items():
        zh, en = ask("zh").json()["error"], ask("en").json()["error"]
        assert zh["code"] == en["code"] == code
        if code != "request.lang":  # an unknown lang cannot choose the language of its own refusal
            assert re.search("[\u4e00-\u9fff]", zh["text"]), (code, zh["text"])
            assert not re.search("[\u4e00-\u9fff]", en["text"]), (code, en["text"])
