"use strict";
// The officers' page: choose a policy, upload a spreadsheet, see results, charts and explanations.
const state = {policy: null, results: [], sortKey: null, sortUp: true, file: null};
const $ = (id) => document.getElementById(id);
const COLOURS = ["#2e7d32", "#1565c0", "#f9a825", "#c62828", "#6a1b9a", "#00838f", "#5d4037", "#546e7a"];

async function loadPolicies() {
  const {data} = await api("/policies");
  $("policy").replaceChildren(...data.map((p) => el("option", {value: p.id}, `${label(p.title) || p.id} (${p.id})`)));
  const wanted = new URLSearchParams(location.search).get("policy");
  if (wanted) $("policy").value = wanted;
  await choosePolicy();
}

async function choosePolicy() {
  const {data} = await api("/policies/" + encodeURIComponent($("policy").value));
  state.policy = data;
  $("entity").replaceChildren(...Object.entries(data.entities).map(([name, e]) => el("option", {value: name}, `${label(e.label)} (${name})`)));
  $("rules").tBodies[0].replaceChildren(...data.rules.map((r) => el("tr", {}, el("td", {}, r.id), el("td", {}, r.ref || ""), el("td", {}, r.clause || ""))));
  fillGroupBy();
}

function entity() { return state.policy.entities[$("entity").value]; }

function fillGroupBy() {
  const options = [el("option", {value: ""}, t("none"))];
  for (const inp of entity().inputs) if (inp.type === "string" || inp.type === "enum" || inp.type === "boolean") {
    if (inp.name !== entity().key) options.push(el("option", {value: inp.name}, label(inp.label) || inp.name));
  }
  const keep = $("group-by").value;
  $("group-by").replaceChildren(...options);
  if ([...$("group-by").options].some((o) => o.value === keep)) $("group-by").value = keep;
}

function query(extra) {
  const params = new URLSearchParams({lang: LANG, ...(extra || {})});
  if ($("as-of").value) params.set("as_of", $("as-of").value);
  return params.toString();
}
function base() { return `/policies/${encodeURIComponent(state.policy.id)}/entities/${encodeURIComponent($("entity").value)}`; }
function form() { const f = new FormData(); f.append("file", state.file); return f; }

async function run() {
  state.file = $("file").files[0];
  if (!state.file) { $("status").textContent = t("pick-file"); return; }
  $("status").textContent = t("working");
  try {
    const [columns, evaluated] = await Promise.all([
      api(`${base()}/columns?${query()}`, {method: "POST", body: form()}),
      api(`${base()}/evaluate?${query({echo: "true"})}`, {method: "POST", body: form(), headers: {Accept: "application/json"}}),
    ]);
    state.columns = columns.data;
    state.results = evaluated.data;
    $("status").textContent = "";
    showMapping();
    showResults();
  } catch (error) {
    $("status").textContent = error.message;
  }
}

function inputLabel(name) {
  const inp = entity().inputs.find((i) => i.name === name);
  return inp ? `${label(inp.label)} (${name})` : name || "";
}

function showMapping() {
  const c = state.columns;
  const parts = [el("h3", {}, t("mapped")), el("ul", {id: "mapped"}, ...c.mapped.map((m) => el("li", {}, inputLabel(m.input))))];
  if (c.unknown.length) parts.push(el("h3", {}, t("unknown")), el("ul", {id: "unknown"}, ...c.unknown.map((u) => el("li", {class: "warn"}, u.header + (u.suggestion ? ` — ${t("did-you-mean")} ${u.suggestion}?` : "")))));
  if (c.missing.length) parts.push(el("h3", {}, t("missing")), el("ul", {id: "missing"}, ...c.missing.map((m) => el("li", {class: "bad"}, `${m.header} (${m.input})`))));
  const refused = state.results.filter((r) => r.error);
  if (refused.length) {
    parts.push(el("h3", {}, t("refused")), el("table", {id: "refused"},
      el("thead", {}, el("tr", {}, el("th", {}, t("row")), el("th", {}, t("id")), el("th", {}, t("field")), el("th", {}, t("reason")))),
      el("tbody", {}, ...refused.map((r) => el("tr", {class: "bad"},
        el("td", {}, (r.error.problems[0] && r.error.problems[0].line) || r.error.record || ""),
        el("td", {}, r.id || ""), el("td", {}, inputLabel(r.error.field)), el("td", {}, r.error.text))))));
  }
  $("mapping").replaceChildren(...parts);
}

function columns() {
  const reported = entity().values.filter((v) => v.report);
  return [
    {key: "id", title: t("id"), get: (r) => r.id || ""},
    {key: "grade", title: t("grade"), get: (r) => r.error ? t("error") : (r.grade ? r.grade.label : "")},
    ...reported.map((v) => ({key: v.name, title: label(v.label) || v.name, num: true, get: (r) => r.scores ? r.scores[v.name] : ""})),
    {key: "credit_total", title: t("credits"), num: true, get: (r) => r.error ? "" : r.credit_total},
    {key: "sanctions", title: t("sanctions"), get: (r) => r.error ? r.error.text : (r.sanctions || []).concat(r.awards || []).map((s) => s.label).join("；")},
  ];
}

function showResults() {
  $("results-box").hidden = false;
  const total = state.results.length, bad = state.results.filter((r) => r.error).length;
  $("summary").textContent = t("summary", {total, ok: total - bad, bad});
  const levels = entity().grade ? entity().grade.levels : [];
  const keep = $("grade-filter").value;
  $("grade-filter").replaceChildren(el("option", {value: ""}, t("all")), ...levels.map((l) => el("option", {value: l.code}, label(l.label))), el("option", {value: "!error"}, t("error")));
  $("grade-filter").value = keep && [...$("grade-filter").options].some((o) => o.value === keep) ? keep : "";
  drawTable();
  drawChart();
}

function visible() {
  const grade = $("grade-filter").value, needle = $("search").value.trim().toLowerCase();
  let rows = state.results.filter((r) => {
    if (grade === "!error" && !r.error) return false;
    if (grade && grade !== "!error" && (!r.grade || r.grade.code !== grade)) return false;
    return !needle || String(r.id || "").toLowerCase().includes(needle);
  });
  if (state.sortKey) {
    const col = columns().find((c) => c.key === state.sortKey);
    const sign = state.sortUp ? 1 : -1;
    rows = rows.slice().sort((a, b) => {
      const x = col.get(a), y = col.get(b);
      if (typeof x === "number" && typeof y === "number") return (x - y) * sign;
      return String(x ?? "").localeCompare(String(y ?? ""), "zh") * sign;
    });
  }
  return rows;
}

function drawTable() {
  const cols = columns();
  const head = el("tr", {}, ...cols.map((c) => el("th", {"data-key": c.key, class: c.num ? "num" : "", onclick: () => {
    state.sortUp = state.sortKey === c.key ? !state.sortUp : true;
    state.sortKey = c.key;
    drawTable();
  }}, c.title + (state.sortKey === c.key ? (state.sortUp ? " ▲" : " ▼") : ""))));
  $("results").tHead.replaceChildren(head);
  $("results").tBodies[0].replaceChildren(...visible().map((r) => el("tr", {class: r.error ? "bad" : "", "data-id": r.id || "", onclick: () => explain(r)},
    ...cols.map((c) => el("td", {class: c.num ? "num" : ""}, c.get(r) ?? "")))));
}

function drawChart() {
  const ns = "http://www.w3.org/2000/svg";
  const svg = (tag, attrs, text) => { const n = document.createElementNS(ns, tag); for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v); if (text !== undefined) n.textContent = text; return n; };
  const levels = entity().grade ? entity().grade.levels : [];
  const by = $("group-by").value;
  const groups = new Map();
  for (const r of state.results) {
    const key = by ? String((r.input || {})[by] ?? "—") : t("all");
    if (!groups.has(key)) groups.set(key, {});
    const code = r.error ? "!error" : (r.grade ? r.grade.code : "");
    groups.get(key)[code] = (groups.get(key)[code] || 0) + 1;
  }
  const kinds = levels.map((l, i) => ({code: l.code, name: label(l.label), colour: COLOURS[i % COLOURS.length]})).concat([{code: "!error", name: t("error"), colour: "#9e9e9e"}]);
  const width = 640, barH = 22, left = 140, top = 30;
  const height = top + groups.size * (barH + 8) + 10;
  const root = svg("svg", {id: "grade-chart", width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": t("distribution")});
  root.append(svg("text", {x: 0, y: 16, class: "chart-title"}, t("distribution")));
  let lx = left;
  for (const k of kinds) { root.append(svg("rect", {x: lx, y: 6, width: 12, height: 12, fill: k.colour})); root.append(svg("text", {x: lx + 16, y: 17}, k.name)); lx += 24 + k.name.length * 14; }
  let y = top;
  for (const [name, counts] of groups) {
    const total = Object.values(counts).reduce((a, b) => a + b, 0);
    root.append(svg("text", {x: 0, y: y + 15}, name.length > 10 ? name.slice(0, 10) + "…" : name));
    let x = left;
    for (const k of kinds) {
      const n = counts[k.code] || 0;
      if (!n) continue;
      const w = (width - left - 10) * n / total;
      const bar = svg("rect", {x, y, width: w, height: barH, fill: k.colour, class: "bar", "data-grade": k.code, "data-count": n});
      bar.append(svg("title", {}, `${name} · ${k.name}: ${n}`));
      root.append(bar);
      if (w > 18) root.append(svg("text", {x: x + 4, y: y + 15, class: "bar-label"}, n));
      x += w;
    }
    y += barH + 8;
  }
  $("chart").replaceChildren(root);
}

async function explain(row) {
  $("explain").hidden = false;
  $("hints").replaceChildren();
  if (row.error || !row.input) { $("explain-text").textContent = row.error ? row.error.text : ""; return; }
  try {
    const {data} = await api(`${base()}/explain?${query()}`, {method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(row.input)});
    $("explain-text").textContent = data.text;
    $("hints").replaceChildren(...(data.hints.length ? data.hints.map((h) => el("li", {class: "hint"}, h.text || h.sentence || JSON.stringify(h))) : [el("li", {}, t("no-hints"))]));
  } catch (error) {
    $("explain-text").textContent = error.message;
  }
}

async function download(accept, name, extra) {
  try {
    const {data} = await api(`${base()}/${extra ? "report" : "evaluate"}?${query(extra || {})}`, {method: "POST", body: form(), headers: {Accept: accept}});
    saveBlob(data, name);
  } catch (error) {
    $("status").textContent = error.message;  // e.g. a server without a browser to print the PDF
  }
}

document.addEventListener("DOMContentLoaded", () => {
  setupLang(() => { if (state.policy) { choosePolicy().then(() => { if (state.results.length) { showMapping(); showResults(); } }); } });
  $("policy").addEventListener("change", choosePolicy);
  $("entity").addEventListener("change", fillGroupBy);
  $("run").addEventListener("click", run);
  $("grade-filter").addEventListener("change", drawTable);
  $("search").addEventListener("input", drawTable);
  $("group-by").addEventListener("change", drawChart);
  $("explain-close").addEventListener("click", () => { $("explain").hidden = true; });
  $("dl-xlsx").addEventListener("click", () => download("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "results.xlsx"));
  $("dl-csv").addEventListener("click", () => download("text/csv", "results.csv"));
  $("dl-report").addEventListener("click", () => download("text/html", "report.html", {group_by: $("group-by").value}));
  $("dl-pdf").addEventListener("click", () => download("application/pdf", "report.pdf", {group_by: $("group-by").value, format: "pdf"}));
  loadPolicies().catch((error) => { $("status").textContent = error.message; });
});
