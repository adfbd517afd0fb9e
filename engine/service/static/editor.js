"use strict";
// The policy editor: YAML with line numbers, checked as one types through POST /validate.
const $ = (id) => document.getElementById(id);
const ed = {name: "policy.yaml", timer: null, serial: 0};

function gutter(bad) {
  const lines = $("source").value.split("\n").length;
  const out = [];
  for (let n = 1; n <= lines; n++) out.push(bad.has(n) ? `<${n}>` : String(n));
  $("gutter").replaceChildren(...out.map((text, i) => el("span", {class: bad.has(i + 1) ? "err" : "", "data-line": i + 1}, text.replace(/[<>]/g, ""))));
  $("gutter").scrollTop = $("source").scrollTop;
}

function body(extra) {
  return JSON.stringify({policy: $("source").value, name: ed.name, lang: LANG, ...(extra || {})});
}

async function validate() {
  const serial = ++ed.serial;
  try {
    const {data} = await api("/validate", {method: "POST", headers: {"Content-Type": "application/json"}, body: body()});
    if (serial !== ed.serial) return;  // an older answer after a newer edit
    show(data);
  } catch (error) {
    $("verdict").textContent = error.message;
  }
}

function show(data) {
  const bad = new Set(data.diagnostics.filter((d) => d.severity === "error").map((d) => d.line));
  gutter(bad);
  $("verdict").textContent = data.ok ? `✓ ${t("validate-ok")} ${data.policy ? data.policy.id : ""}` : `✗ ${data.diagnostics.length}`;
  $("verdict").className = data.ok ? "ok" : "bad";
  $("diagnostics").replaceChildren(...data.diagnostics.map((d) => el("li", {class: d.severity === "error" ? "bad" : "warn", "data-line": d.line, onclick: () => jump(d.line, d.col)},
    `${d.file || ed.name}:${d.line}:${d.col} ${d.code} ${d.text || d.message}` + (d.hint ? ` — ${d.hint}` : ""))));
}

function jump(line, col) {
  const lines = $("source").value.split("\n");
  let at = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i++) at += lines[i].length + 1;
  $("source").focus();
  $("source").setSelectionRange(at + Math.max(col - 1, 0), at + Math.max(col - 1, 0));
}

async function load() {
  const {data} = await api("/policies/" + encodeURIComponent($("policy").value) + "/source");
  ed.name = data.name;
  $("file-name").textContent = data.name;
  $("source").value = data.policy;
  $("cases").value = data.cases || "";
  await validate();
}

async function runCases() {
  const {data} = await api("/test", {method: "POST", headers: {"Content-Type": "application/json"}, body: body({cases: $("cases").value})});
  show(data);
  $("cases-summary").textContent = data.cases ? t("passed", {passed: data.passed, failed: data.failed}) : "";
  $("case-results").replaceChildren(...(data.cases || []).filter((c) => !c.ok).map((c) => el("li", {class: "bad"}, `${c.line}: ${c.name} ${JSON.stringify(c.problems)}`)));
}

async function tryRecord() {
  let record;
  try { record = JSON.parse($("try-record").value); } catch (error) { $("try-result").textContent = error.message; return; }
  const {data} = await api("/validate", {method: "POST", headers: {"Content-Type": "application/json"},
    body: body({entity: $("try-entity").value, record, as_of: $("try-as-of").value || null})});
  show(data);
  $("try-result").textContent = JSON.stringify(data.result || data.diagnostics, null, 2);
}

document.addEventListener("DOMContentLoaded", async () => {
  setupLang(validate);
  $("source").addEventListener("input", () => { gutter(new Set()); clearTimeout(ed.timer); ed.timer = setTimeout(validate, 300); });
  $("source").addEventListener("scroll", () => { $("gutter").scrollTop = $("source").scrollTop; });
  $("load").addEventListener("click", load);
  $("run-cases").addEventListener("click", () => runCases().catch((e) => { $("cases-summary").textContent = e.message; }));
  $("try").addEventListener("click", () => tryRecord().catch((e) => { $("try-result").textContent = e.message; }));
  const {data} = await api("/policies");
  $("policy").replaceChildren(...data.map((p) => el("option", {value: p.id}, p.id)));
  const wanted = new URLSearchParams(location.search).get("policy");
  if (wanted) { $("policy").value = wanted; await load(); } else gutter(new Set());
});
