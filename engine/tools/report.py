"""A printable HTML report of one evaluation run, for the officer's file.

:func:`write_report` writes ONE self-contained HTML file: inline CSS, inline SVG bar
charts, no scripts, no external resources (fonts, images and styles all come from the
page or the system). It prints on A4: ``@page { size: A4; margin: 15mm }``, table rows
are not split across pages, table headers repeat, charts scale to the page width.

Contents: the policy (title, region, source document), the entity and the evaluation
day; totals (records, evaluated, rejected); the grade distribution overall and per group
(``group_by``, e.g. ``school``); credits awarded (in all and per kind); every sanction
and obligation with the record, its code, label, rule ID and clause; awards; the
rejected records with the reason; and, when the caller passes them, how many values were
read from another spelling (full-width digits, thousands separators, date forms, GBK).
"""

from __future__ import annotations

import datetime as dt
import html
import os
import shutil
import subprocess
import tempfile
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from ..base.errors import Diagnostic, KaoheError, Location, Problem
from ..base.numbers import format_number
from ..base.suggest import did_you_mean
from ..io.text import atomic_output
from ..language.model import Entity, PolicySpec

if TYPE_CHECKING:
    from ..runtime.policy import Policy

__all__ = [
    "WORDS",
    "check_group_by",
    "find_browser",
    "html_to_pdf",
    "render_report",
    "resolve_group_by",
    "write_report",
]

WORDS = {
    "zh": {
        "report": "考核结果报告",
        "policy": "政策",
        "region": "地区",
        "source": "依据文件",
        "number": "文号",
        "date": "印发日期",
        "entity": "考核对象",
        "as_of": "评价日期",
        "version": "政策版本",
        "totals": "总体情况",
        "records": "记录数",
        "evaluated": "已评价",
        "rejected": "未能评价",
        "grades": "等级分布",
        "grades_by": "按{group}的等级分布",
        "count": "人数",
        "share": "占比",
        "total": "合计",
        "no_grade": "该对象不评等级。",
        "no_group": "记录中没有“{group}”字段，无法分组（评价时请保留该字段）。",
        "unknown_group": "（未注明）",
        "credits": "学分",
        "credit_total": "学分合计",
        "credit_kind": "学分类别",
        "credit_amount": "学分",
        "credit_records": "获学分人数",
        "no_credits": "本次没有记入学分。",
        "sanctions": "处分与义务",
        "sanction_summary": "汇总",
        "sanction_list": "明细",
        "id": "编号",
        "kind": "类别",
        "code": "代码",
        "label": "内容",
        "rule": "规则",
        "clause": "条款",
        "no_sanctions": "本次没有处分或义务。",
        "awards": "奖励",
        "rejected_list": "未能评价的记录",
        "row": "记录序号",
        "field": "字段",
        "reason": "原因",
        "no_rejected": "全部记录均已评价。",
        "sanction": "处分",
        "obligation": "义务",
        "award": "奖励",
        "generated": "由 kaohe 生成",
        "open": "至今",
        "effective": "有效期",
        "group": "分组",
        "roster": "名册",
        "roster_of": "名册：{group}",
        "roster_all": "全部记录",
        "roster_part": "（第{part}/{parts}部分）",
        "roster_files": "名册按{group}分册（共{files}个文件，{records}条记录），与本报告放在同一文件夹：",
        "roster_file": "文件",
        "roster_none": "本报告不含名册。",
        "details_in_rosters": "逐人明细见各名册文件。",
        "details_omitted": "记录超过{limit}条，逐人明细未列出；需要时请用 --rosters split 输出各组名册。",
        "grade": "等级",
        "name": "姓名",
        "not_evaluated": "未能评价",
        "back": "返回报告",
    },
    "en": {
        "report": "Assessment report",
        "policy": "Policy",
        "region": "Region",
        "source": "Source document",
        "number": "Number",
        "date": "Issued",
        "entity": "Entity",
        "as_of": "Evaluated on",
        "version": "Policy version",
        "totals": "Totals",
        "records": "Records",
        "evaluated": "Evaluated",
        "rejected": "Rejected",
        "grades": "Grade distribution",
        "grades_by": "Grades by {group}",
        "count": "Count",
        "share": "Share",
        "total": "Total",
        "no_grade": "This entity has no grades.",
        "no_group": "The records carry no '{group}' field; they cannot be grouped (keep it when evaluating).",
        "unknown_group": "(not given)",
        "credits": "Credits",
        "credit_total": "Credits in all",
        "credit_kind": "Kind",
        "credit_amount": "Credits",
        "credit_records": "Records credited",
        "no_credits": "No credits were awarded.",
        "sanctions": "Sanctions and obligations",
        "sanction_summary": "Summary",
        "sanction_list": "Details",
        "id": "ID",
        "kind": "Kind",
        "code": "Code",
        "label": "Meaning",
        "rule": "Rule",
        "clause": "Clause",
        "no_sanctions": "No sanctions or obligations.",
        "awards": "Awards",
        "rejected_list": "Rejected records",
        "row": "Record",
        "field": "Field",
        "reason": "Reason",
        "no_rejected": "Every record was evaluated.",
        "sanction": "sanction",
        "obligation": "obligation",
        "award": "award",
        "generated": "Generated by kaohe",
        "open": "open-ended",
        "effective": "Effective",
        "group": "Group",
        "roster": "Roster",
        "roster_of": "Roster: {group}",
        "roster_all": "All records",
        "roster_part": " (part {part} of {parts})",
        "roster_files": "The rosters are split by {group} ({files} files, {records} records), in the folder beside this report:",
        "roster_file": "File",
        "roster_none": "This report has no rosters.",
        "details_in_rosters": "The details per record are in the roster files.",
        "details_omitted": "More than {limit} records: the details per record are left out; write rosters with --rosters split.",
        "grade": "Grade",
        "name": "Name",
        "not_evaluated": "Not evaluated",
        "back": "Back to the report",
    },
}

#: Bar colours by grade code; other codes by rank, then by position.
GRADE_COLOURS = {
    "excellent": "#2e7d32",
    "good": "#7cb342",
    "pass": "#1e88e5",
    "basic": "#fb8c00",
    "fail": "#e53935",
    "exempt": "#9e9e9e",
}
PALETTE = ("#8e24aa", "#00897b", "#6d4c41", "#fdd835", "#5e35b1", "#d81b60", "#00acc1", "#c0ca33", "#757575")

CSS = """
@page { size: A4; margin: 15mm; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "Microsoft YaHei",
       "PingFang SC", "SimHei", sans-serif; font-size: 10.5pt; line-height: 1.45; color: #212121;
       margin: 0 auto; padding: 12px; max-width: 180mm; background: #fff; }
h1 { font-size: 17pt; margin: 0 0 4px; }
h2 { font-size: 13pt; margin: 18px 0 6px; padding-bottom: 2px; border-bottom: 2px solid #1e88e5;
     break-after: avoid; page-break-after: avoid; }
h3 { font-size: 11pt; margin: 12px 0 4px; break-after: avoid; page-break-after: avoid; }
p.sub { margin: 0 0 10px; color: #555; }
table { border-collapse: collapse; width: 100%; margin: 4px 0 10px; }
thead { display: table-header-group; }
tr, td, th { break-inside: avoid; page-break-inside: avoid; }
th, td { border: 1px solid #bdbdbd; padding: 3px 6px; text-align: left; vertical-align: top;
         overflow-wrap: anywhere; }
th { background: #e3f2fd; font-weight: bold; }
td.n, th.n { text-align: right; white-space: nowrap; }
td.k, th.k { white-space: nowrap; }
td.code { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: 8.5pt; overflow-wrap: normal;
          word-break: normal; }
table.meta th { width: 22%; background: #f5f5f5; }
table.clauses td.clause { font-size: 9pt; color: #333; }
.totals { display: flex; gap: 8px; margin: 6px 0 10px; }
.totals div { flex: 1; border: 1px solid #bdbdbd; border-radius: 4px; padding: 6px 10px; text-align: center;
              break-inside: avoid; }
.totals b { display: block; font-size: 18pt; }
.totals .bad b { color: #c62828; }
figure { margin: 6px 0 12px; break-inside: avoid; page-break-inside: avoid; }
figure svg { display: block; width: 100%; height: auto; max-width: 100%; }
figcaption { font-size: 9pt; color: #555; }
.note { color: #555; font-style: italic; }
section.roster { break-before: page; page-break-before: always; }
section.roster h2 { margin-top: 0; }
table.roster { font-size: 9pt; }
table.roster td.bad { color: #c62828; }
footer { margin-top: 18px; font-size: 8.5pt; color: #757575; border-top: 1px solid #e0e0e0; padding-top: 4px; }
"""


def esc(value: object) -> str:
    """Text for HTML, escaped (quotes too)."""
    return html.escape("" if value is None else str(value), quote=True)


def _number(value) -> str:
    if isinstance(value, (int, Fraction)) and not isinstance(value, bool):
        return format_number(value)
    if isinstance(value, float):
        return format_number(Fraction(repr(value)))
    return str(value)


def _share(part: int, whole: int) -> str:
    if not whole:
        return "–"
    return f"{format_number(round(Fraction(part * 100, whole), 1))}%"


def _width(text: str) -> float:
    """Rough rendered width of a text in ems (CJK characters are one em, others half)."""
    import unicodedata

    return sum(1.0 if unicodedata.east_asian_width(ch) in "WF" else 0.56 for ch in text)


def _clip(text: str, ems: float) -> str:
    if _width(text) <= ems:
        return text
    out = ""
    for ch in text:
        if _width(out + ch + "…") > ems:
            break
        out += ch
    return out + "…"


# --- charts ------------------------------------------------------------------------------------


def _colours(levels) -> dict:
    colours = {}
    used = 0
    for level in levels:
        colour = GRADE_COLOURS.get(level.code)
        if colour is None:
            colour = PALETTE[used % len(PALETTE)]
            used += 1
        colours[level.code] = colour
    return colours


def bar_chart(rows: list[tuple[str, int, str]], total: int, title: str) -> str:
    """Horizontal bars: (label, count, colour) per row, with count and share."""
    width, label_w, value_w, bar_h, gap, top = 720, 150, 130, 22, 10, 8
    area = width - label_w - value_w
    height = top * 2 + len(rows) * (bar_h + gap)
    peak = max([count for _, count, _ in rows] + [1])
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'preserveAspectRatio="xMinYMin meet" font-size="14"><title>{esc(title)}</title>'
    ]
    for index, (label, count, colour) in enumerate(rows):
        y = top + index * (bar_h + gap)
        length = 0 if not count else max(2.0, area * count / peak)
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h * 0.72:.1f}" text-anchor="end" fill="#212121">'
            f"{esc(_clip(label, (label_w - 12) / 14))}</text>"
        )
        parts.append(f'<rect x="{label_w}" y="{y}" width="{area:.1f}" height="{bar_h}" fill="#f5f5f5"/>')
        parts.append(
            f'<rect x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_h}" fill="{colour}">'
            f"<title>{esc(label)}: {count}</title></rect>"
        )
        parts.append(
            f'<text x="{label_w + area + 8}" y="{y + bar_h * 0.72:.1f}" fill="#212121">'
            f"{count}（{esc(_share(count, total))}）</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def stacked_chart(groups: list[tuple[str, Counter]], levels: list[tuple[str, str, str]], title: str) -> str:
    """One 100% stacked bar per group; levels are (code, label, colour); a legend on top."""
    width, label_w, count_w, bar_h, gap, legend_h = 720, 170, 60, 20, 8, 30
    area = width - label_w - count_w
    height = legend_h + len(groups) * (bar_h + gap) + 6
    parts = [
        f'<svg viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'preserveAspectRatio="xMinYMin meet" font-size="13"><title>{esc(title)}</title>'
    ]
    x: float = label_w
    for _code, label, colour in levels:
        parts.append(
            f'<rect x="{x}" y="6" width="14" height="14" fill="{colour}"/>'
            f'<text x="{x + 19}" y="18" fill="#212121">{esc(label)}</text>'
        )
        x += 19 + _width(label) * 13 + 18
    for index, (name, counts) in enumerate(groups):
        y = legend_h + index * (bar_h + gap)
        whole = sum(counts.values())
        parts.append(
            f'<text x="{label_w - 8}" y="{y + bar_h * 0.72:.1f}" text-anchor="end" fill="#212121">'
            f"{esc(_clip(name, (label_w - 12) / 13))}<title>{esc(name)}</title></text>"
        )
        parts.append(f'<rect x="{label_w}" y="{y}" width="{area}" height="{bar_h}" fill="#f5f5f5"/>')
        at = float(label_w)
        for code, label, colour in levels:
            count = counts.get(code, 0)
            if not count or not whole:
                continue
            length = area * count / whole
            parts.append(
                f'<rect x="{at:.2f}" y="{y}" width="{length:.2f}" height="{bar_h}" fill="{colour}">'
                f"<title>{esc(name)} · {esc(label)}: {count}</title></rect>"
            )
            if length >= 22:
                parts.append(
                    f'<text x="{at + length / 2:.1f}" y="{y + bar_h * 0.72:.1f}" text-anchor="middle" '
                    f'fill="#fff">{count}</text>'
                )
            at += length
        parts.append(f'<text x="{label_w + area + 8}" y="{y + bar_h * 0.72:.1f}" fill="#212121">{whole}</text>')
    parts.append("</svg>")
    return "".join(parts)


# --- collecting --------------------------------------------------------------------------------


class _Tally:
    """Everything the report shows, gathered in one pass over the outcomes."""

    def __init__(self, entity: Entity, lang: str, group_by: str | None):
        self.entity, self.lang, self.group_by = entity, lang, group_by
        self.records = self.evaluated = 0
        self.grades: Counter = Counter()
        self.groups: dict = {}
        self.group_seen = False
        self.credit_total = 0
        self.credit_kinds: dict = {}  # kind -> [label, amount, set of records]
        self.sanctions: list = []
        self.awards: list = []
        self.rejected: list = []
        self.as_of = None
        self.rosters: dict = {}  # group (or None) -> rows, when rosters are kept
        self.keep_rosters = True
        self.names_seen = False

    def group_of(self, outcome, data, given) -> str | None:
        """The group of a record: its input (defaults applied) when the outcome carries it,
        else the value its input row gave (``given``); None without ``group_by``."""
        if not self.group_by:
            return None
        env = getattr(outcome, "env", None) if outcome.ok else None
        key = None
        if env is not None and self.group_by in self.entity.inputs and env.get(self.group_by) not in (None, ""):
            key = env.get(self.group_by)
        elif data.get("scores", {}).get(self.group_by) not in (None, ""):
            key = data["scores"][self.group_by]
        elif given not in (None, ""):
            key = given
        if key is not None:
            self.group_seen = True
        return self.unknown if key is None else str(key)

    def add(self, outcome, given=None, name=None) -> None:
        """Count one outcome; ``given`` is its group as its input row gave it, ``name`` the
        person's name from the row (姓名), both optional."""
        self.records += 1
        data = outcome.to_dict(self.lang)
        key = self.group_of(outcome, data, given)
        if name not in (None, ""):
            self.names_seen = True
        if self.keep_rosters:
            self.rosters.setdefault(key, []).append(self.roster_row(outcome, data, name))
        if not outcome.ok:
            error = data["error"]
            self.rejected.append(
                (
                    data.get("id"),
                    error.get("record"),
                    error.get("field"),
                    error.get("code"),
                    error.get("text") or error.get("message"),
                )
            )
            return
        self.evaluated += 1
        env = getattr(outcome, "env", None)
        if self.as_of is None and env is not None and isinstance(env.get("as_of"), dt.date):
            self.as_of = env["as_of"]
        code = outcome.grade
        if code is not None:
            self.grades[code] += 1
        if self.group_by:
            self.groups.setdefault(key, Counter())[code] += 1
        for credit in outcome.credits:
            cons = credit["cons"]
            kind = cons.credit_kind or ""
            entry = self.credit_kinds.setdefault(kind, [cons.label.get(self.lang) if cons.label else kind, 0, set()])
            entry[1] += credit["amount"]
            entry[2].add(data.get("id"))
            self.credit_total += credit["amount"]
        for item in data.get("sanctions", ()):
            self.sanctions.append((data.get("id"), item))
        for item in data.get("awards", ()):
            self.awards.append((data.get("id"), item))

    @property
    def unknown(self) -> str:
        return WORDS[self.lang]["unknown_group"]

    def roster_row(self, outcome, data, name) -> tuple:
        """One line of a roster: id, name, grade, the reported values, credits, consequences;
        the last item says whether the record was refused."""
        rid = "—" if data.get("id") is None else str(data["id"])
        reported = list(self.entity.reported)
        if not outcome.ok:
            error = data["error"]
            reason = error.get("text") or error.get("message") or ""
            return (rid, name or "", WORDS[self.lang]["not_evaluated"], *[""] * len(reported), "", reason, True)
        grade = data.get("grade")
        label = grade.get("label") if isinstance(grade, dict) else (grade or "—")
        scores = data.get("scores", {})
        values = [_number(scores.get(v)) if scores.get(v) is not None else "" for v in reported]
        consequences = "；".join(i["label"] for i in [*data.get("sanctions", ()), *data.get("awards", ())])
        return (rid, name or "", label or "—", *values, _number(data.get("credit_total", 0)), consequences, False)


# --- rendering ---------------------------------------------------------------------------------


def _table(head: list[str], rows: Iterable[list], numeric=(), cls: str = "", cell_classes: dict | None = None) -> str:
    cell_classes = cell_classes or {}
    out = [f'<table class="{esc(cls)}"><thead><tr>']
    for index, text in enumerate(head):
        klass = "n" if index in numeric else ("k" if cell_classes.get(index) == "k" else "")
        out.append(f'<th class="{klass}">{esc(text)}</th>' if klass else f"<th>{esc(text)}</th>")
    out.append("</tr></thead><tbody>")
    for row in rows:
        out.append("<tr>")
        for index, value in enumerate(row):
            klass = "n" if index in numeric else cell_classes.get(index, "")
            out.append(f'<td class="{klass}">{esc(value)}</td>' if klass else f"<td>{esc(value)}</td>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def render_report(
    spec: PolicySpec,
    entity: Entity,
    outcomes: Iterable,
    lang: str = "zh",
    group_by: str | None = None,
    as_of: dt.date | None = None,
    rosters: str = "inline",
    row_info: Sequence | None = None,
    normalised: Mapping[str, int] | Callable[[], Mapping[str, int]] | None = None,
) -> str:
    """The report as one HTML document (a string). ``rosters``: ``inline`` (a roster per
    group at the end, each on new pages) or ``none``. ``row_info[i]`` is ``(group, name)``
    as the i-th input row gave them; ``normalised``: see :func:`write_report`."""
    if rosters not in ("inline", "none"):
        raise KaoheError(Diagnostic.of("usage.rosters/render", rosters=rosters))
    return _render(spec, entity, outcomes, lang, group_by, as_of, rosters, row_info, None, normalised)[0]


def _normalised_section(counts, lang: str) -> str:
    """How many values were read from another spelling, by kind (as the run summary counts them)."""
    say = lambda key, **params: esc(Problem(f"cli.report.normalised{key}", **params).render(lang))  # noqa: E731
    total = sum(counts.values())
    head = f"<h2>{say('')}</h2>"
    if not total:
        return head + f'<p class="note">{say("-none")}</p>'
    rows = [[Problem(f"cli.report.normalised.{kind}").render(lang), n] for kind, n in counts.items() if n]
    return (
        head
        + f'<p class="note">{say("-note", count=total)}</p>'
        + _table([Problem(f"cli.report.normalised-{c}").render(lang) for c in ("kind", "count")], rows, numeric=(1,))
    )


def _render(spec, entity, outcomes, lang, group_by, as_of, rosters, row_info, folder, normalised=None):
    """(the report's HTML, the roster files [(file name, HTML)]); ``folder`` names the
    rosters' folder when they are split."""
    w = WORDS.get(lang, WORDS["zh"])
    lang = lang if lang in WORDS else "zh"
    tally = _Tally(entity, lang, group_by)
    tally.keep_rosters = rosters != "none"
    for index, outcome in enumerate(outcomes):
        given, name = row_info[index] if row_info is not None and index < len(row_info) else (None, None)
        tally.add(outcome, given, name)
    if rosters == "auto":
        rosters = "inline" if tally.records <= ROSTER_INLINE_MAX or folder is None else "split"
    split = rosters == "split"
    # the details per record (who has which sanction or award) are a roster's business: the
    # report lists them only beside inline rosters, or without rosters on a small run
    brief = split or (rosters == "none" and tally.records > ROSTER_INLINE_MAX)
    brief_note = w["details_in_rosters"] if split else w["details_omitted"].format(limit=ROSTER_INLINE_MAX)
    day = as_of or tally.as_of
    title = spec.title.get(lang)
    source = spec.source or {}
    body = []

    # title and the policy
    body.append(
        f'<header><h1>{esc(w["report"])}：{esc(entity.label.get(lang))}</h1><p class="sub">{esc(title)}</p></header>'
    )
    effective = f"{spec.effective_from or ''} – {spec.effective_to or w['open']}"
    meta = [
        (
            w["policy"],
            f"{title}（{spec.id} {spec.version}）" if lang == "zh" else f"{title} ({spec.id} {spec.version})",
        ),
        (w["region"], spec.region.get(lang)),
        (w["source"], source.get("title")),
        (w["number"], source.get("number")),
        (w["date"], source.get("date")),
        (w["effective"], effective),
        (
            w["entity"],
            f"{entity.label.get(lang)}（{entity.name}）"
            if lang == "zh"
            else f"{entity.label.get(lang)} ({entity.name})",
        ),
        (w["as_of"], day.isoformat() if isinstance(day, dt.date) else "—"),
    ]
    body.append(
        '<table class="meta"><tbody>'
        + "".join(f"<tr><th>{esc(k)}</th><td>{esc(v if v not in (None, '') else '—')}</td></tr>" for k, v in meta)
        + "</tbody></table>"
    )

    # totals
    body.append(
        f'<h2>{esc(w["totals"])}</h2><div class="totals">'
        f"<div><b>{tally.records}</b>{esc(w['records'])}</div>"
        f"<div><b>{tally.evaluated}</b>{esc(w['evaluated'])}</div>"
        f'<div class="{"bad" if tally.rejected else ""}"><b>{len(tally.rejected)}</b>{esc(w["rejected"])}</div>'
        f"<div><b>{esc(_number(tally.credit_total))}</b>{esc(w['credit_total'])}</div></div>"
    )
    if normalised is not None:  # read now: the outcomes, and so the input, have been read
        body.append(_normalised_section(normalised() if callable(normalised) else normalised, lang))

    # grades
    body.append(f"<h2>{esc(w['grades'])}</h2>")
    if entity.grade is None:
        body.append(f'<p class="note">{esc(w["no_grade"])}</p>')
    else:
        levels = list(entity.grade.all_levels)
        known = {lv.code for lv in levels}
        colours = _colours(levels)
        order = [(lv.code, lv.label.get(lang), colours[lv.code]) for lv in levels]
        order += [(code, code, "#757575") for code in tally.grades if code not in known]
        graded = sum(tally.grades.values())
        rows = [(label, tally.grades.get(code, 0), colour) for code, label, colour in order]
        body.append(f"<figure>{bar_chart(rows, graded, w['grades'])}</figure>")
        body.append(
            _table(
                [w["grades"], w["count"], w["share"]],
                [[label, count, _share(count, graded)] for label, count, _ in rows]
                + [[w["total"], graded, _share(graded, graded)]],
                numeric=(1, 2),
            )
        )
        if group_by:
            label = entity.inputs[group_by].label.get(lang) if group_by in entity.inputs else group_by
            body.append(f"<h3>{esc(w['grades_by'].format(group=label))}</h3>")
            if not tally.group_seen:
                body.append(f'<p class="note">{esc(w["no_group"].format(group=group_by))}</p>')
            else:
                groups = sorted(tally.groups.items(), key=lambda kv: (kv[0] == tally.unknown, kv[0]))
                body.append(f"<figure>{stacked_chart(groups, order, w['grades_by'].format(group=label))}</figure>")
                head = [label] + [lbl for _, lbl, _ in order] + [w["total"]]
                table_rows = [
                    [name] + [counts.get(code, 0) for code, _, _ in order] + [sum(counts.values())]
                    for name, counts in groups
                ]
                body.append(_table(head, table_rows, numeric=tuple(range(1, len(head)))))

    # credits
    body.append(f"<h2>{esc(w['credits'])}</h2>")
    if not tally.credit_kinds:
        body.append(f'<p class="note">{esc(w["no_credits"])}</p>')
    else:
        credit_rows: list[list] = [
            [label, kind, _number(amount), len(records)]
            for kind, (label, amount, records) in tally.credit_kinds.items()
        ]
        credit_rows.append([w["credit_total"], "", _number(tally.credit_total), ""])
        body.append(
            _table([w["credit_kind"], w["code"], w["credit_amount"], w["credit_records"]], credit_rows, numeric=(2, 3))
        )

    # sanctions and obligations
    body.append(f"<h2>{esc(w['sanctions'])}</h2>")
    if not tally.sanctions:
        body.append(f'<p class="note">{esc(w["no_sanctions"])}</p>')
    else:
        summary: dict = {}
        for _, item in tally.sanctions:
            key = (item["code"], item["rule"])
            entry = summary.setdefault(key, [item["label"], w.get(item["kind"], item["kind"]), 0])
            entry[2] += 1
        body.append(f"<h3>{esc(w['sanction_summary'])}</h3>")
        body.append(
            _table(
                [w["code"], w["label"], w["kind"], w["rule"], w["count"]],
                [[code, label, kind, rule, count] for (code, rule), (label, kind, count) in summary.items()],
                numeric=(4,),
                cell_classes={0: "code", 2: "k", 3: "k"},
            )
        )
        body.append(f"<h3>{esc(w['sanction_list'])}</h3>")
        if brief:
            body.append(f'<p class="note">{esc(brief_note)}</p>')
        else:
            body.append(
                _table(
                    [w["id"], w["kind"], w["code"], w["label"], w["rule"], w["clause"]],
                    [
                        [rid, w.get(i["kind"], i["kind"]), i["code"], i["label"], i["rule"], i.get("clause") or ""]
                        for rid, i in tally.sanctions
                    ],
                    cls="clauses",
                    cell_classes={0: "k", 1: "k", 2: "code", 4: "k", 5: "clause"},
                )
            )
    if tally.awards and brief:
        body.append(f"<h2>{esc(w['awards'])}</h2>")
        awarded = Counter((i["code"], i["label"], i["rule"]) for _, i in tally.awards)
        body.append(
            _table(
                [w["code"], w["label"], w["rule"], w["count"]],
                [[code, label, rule, count] for (code, label, rule), count in awarded.items()],
                numeric=(3,),
                cell_classes={0: "code", 2: "k"},
            )
        )
        body.append(f'<p class="note">{esc(brief_note)}</p>')
    elif tally.awards:
        body.append(f"<h2>{esc(w['awards'])}</h2>")
        body.append(
            _table(
                [w["id"], w["code"], w["label"], w["rule"], w["clause"]],
                [[rid, i["code"], i["label"], i["rule"], i.get("clause") or ""] for rid, i in tally.awards],
                cls="clauses",
                cell_classes={0: "k", 1: "code", 3: "k", 4: "clause"},
            )
        )

    # rejected records
    body.append(f"<h2>{esc(w['rejected_list'])}</h2>")
    if not tally.rejected:
        body.append(f'<p class="note">{esc(w["no_rejected"])}</p>')
    else:
        body.append(
            _table(
                [w["id"], w["row"], w["field"], w["code"], w["reason"]],
                [
                    ["—" if rid is None else rid, "" if row is None else row, field or "", code or "", message or ""]
                    for rid, row, field, code, message in tally.rejected
                ],
                numeric=(1,),
            )
        )

    footer = (
        f"<footer>{esc(w['generated'])} · {esc(spec.id)} {esc(spec.version)}"
        f"{' · ' + esc(source.get('file')) if source.get('file') else ''}</footer>"
    )
    doc_title = f"{w['report']} · {entity.label.get(lang)} · {title}"
    group_label = _group_label(entity, group_by, lang) if group_by else None
    files: list = []
    ordered = sorted(
        tally.rosters.items(), key=lambda kv: (kv[0] is None, kv[0] == tally.unknown, "" if kv[0] is None else kv[0])
    )
    if rosters == "inline":
        for key, rows in ordered:
            body.append(_roster_section(tally, w, key, rows, group_label))
    elif split:
        body.append(f"<h2>{esc(w['roster'])}</h2>")
        links = []
        number = 0
        for key, rows in ordered:
            parts = max(1, -(-len(rows) // ROSTER_PAGE_ROWS))
            for part in range(parts):
                number += 1
                chunk = rows[part * ROSTER_PAGE_ROWS : (part + 1) * ROSTER_PAGE_ROWS]
                name = f"{number:04d}-{_safe_name(key if key is not None else w['roster_all'])}"
                name += f"-{part + 1}.html" if parts > 1 else ".html"
                section = _roster_section(tally, w, key, chunk, group_label, (part + 1, parts) if parts > 1 else None)
                back = f'<p><a href="../{urllib.parse.quote(folder[1])}">{esc(w["back"])}</a></p>'
                page_title = f"{w['roster']} · {key if key is not None else w['roster_all']} · {title}"
                files.append((name, _page(lang, page_title, back + section + footer)))
                caption = key if key is not None else w["roster_all"]
                if parts > 1:
                    caption += w["roster_part"].format(part=part + 1, parts=parts)
                links.append((caption, len(chunk), f"{folder[0]}/{name}"))
        body.append(
            '<p class="note">'
            + esc(
                w["roster_files"].format(
                    group=group_label or w["group"], files=len(files), records=sum(n for _, n, _ in links)
                )
            )
            + "</p>"
        )
        body.append(
            "<table><thead><tr>"
            f'<th>{esc(group_label or w["group"])}</th><th class="n">{esc(w["count"])}</th><th>{esc(w["roster_file"])}</th>'
            "</tr></thead><tbody>"
            + "".join(
                f'<tr><td>{esc(caption)}</td><td class="n">{count}</td>'
                f'<td><a href="{esc(urllib.parse.quote(link))}">{esc(link)}</a></td></tr>'
                for caption, count, link in links
            )
            + "</tbody></table>"
        )
    body.append(footer)
    return _page(lang, doc_title, "\n".join(body)), files


#: Rows of one roster file when rosters are split (a larger group is split into parts).
ROSTER_PAGE_ROWS = 2000
#: ``rosters="auto"`` keeps the rosters in the report up to this many records, else splits them.
ROSTER_INLINE_MAX = 2000


def _page(lang: str, title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>" + body + "</body></html>\n"
    )


def check_group_by(entity: Entity, group_by: str | None, columns: Iterable | None = ()) -> None:
    """Refuse a --group-by (after :func:`resolve_group_by`) that is neither an input of
    ``entity`` nor one of ``columns``, the input's column headers (usage.group-by). ``columns``
    None means they cannot be known before reading (JSON Lines): any name is then accepted."""
    if not group_by or group_by in entity.inputs or columns is None:
        return
    columns = list(columns)
    if group_by in columns:
        return
    labels = [spec.label.zh for spec in entity.inputs.values() if spec.label.zh]
    raise KaoheError(
        Diagnostic.of(
            "usage.group-by",
            advice=did_you_mean(group_by, [*entity.inputs, *labels, *columns]),
            name=group_by,
            entity=entity.name,
        )
    )


def _group_label(entity: Entity, group_by: str, lang: str) -> str:
    if group_by in entity.inputs:
        return entity.inputs[group_by].label.get(lang) or group_by
    return group_by


def _safe_name(text: str) -> str:
    """A file name from a group's name: path and shell characters replaced, at most 40 characters."""
    out = "".join("_" if ch in '\\/:*?"<>|' or ch.isspace() or ord(ch) < 32 else ch for ch in str(text))
    out = out.strip(".") or "_"
    return out[:40]


def _roster_section(tally, w, key, rows, group_label, part=None) -> str:
    """A roster: a heading (a new printed page) and one table whose header repeats on every page."""
    entity = tally.entity
    reported = list(entity.reported)
    heading = w["roster_of"].format(group=key) if key is not None else w["roster"]
    if key is not None and group_label:
        heading = w["roster_of"].format(group=f"{group_label} {key}")
    if part is not None:
        heading += w["roster_part"].format(part=part[0], parts=part[1])
    head = [w["id"]] + ([w["name"]] if tally.names_seen else []) + [w["grade"]]
    head += [entity.values[v].label.get(tally.lang) or v if v in entity.values else v for v in reported]
    head += [w["credit_total"], w["sanctions"]]
    numeric = tuple(range(len(head) - 2 - len(reported), len(head) - 1))
    out = [f'<section class="roster"><h2>{esc(heading)}</h2><table class="roster"><thead><tr>']
    for index, text in enumerate(head):
        out.append(f'<th class="n">{esc(text)}</th>' if index in numeric else f"<th>{esc(text)}</th>")
    out.append("</tr></thead><tbody>")
    for row in rows:
        *cells, bad = row
        if not tally.names_seen:
            cells = cells[:1] + cells[2:]
        out.append('<tr class="bad">' if bad else "<tr>")
        for index, value in enumerate(cells):
            if index in numeric:
                out.append(f'<td class="n">{esc(value)}</td>')
            elif bad and index == len(cells) - 1:
                out.append(f'<td class="bad">{esc(value)}</td>')
            else:
                out.append(f"<td>{esc(value)}</td>")
        out.append("</tr>")
    out.append(f'</tbody></table><p class="note">{esc(w["count"])}：{len(rows)}</p></section>')
    return "".join(out)


def resolve_group_by(entity: Entity, text: str) -> str:
    """The input ``--group-by`` names: by its name, its label (``教研组``) or one of its column
    headers; any other text is taken as a column of the input rows (``学校``) as it is."""
    if text in entity.inputs:
        return text
    matches = [
        name
        for name, spec in entity.inputs.items()
        if text in (spec.label.zh, spec.label.en) or text in tuple(spec.columns)
    ]
    if len(matches) > 1:
        raise KaoheError(
            Diagnostic.of("usage.group-by/several", name=text, entity=entity.name, inputs=", ".join(matches))
        )
    return matches[0] if matches else text


def write_report(
    path: str | Path,
    policy: Policy | PolicySpec,
    entity: str | Entity,
    outcomes: Iterable,
    lang: str = "zh",
    group_by: str | None = None,
    as_of: dt.date | None = None,
    rosters: str = "auto",
    row_info: Sequence | None = None,
    browser: str | None = None,
    normalised: Mapping[str, int] | Callable[[], Mapping[str, int]] | None = None,
) -> list[Path]:
    """Write the report of ``outcomes`` (Results and Failures of ``entity``) to ``path``,
    atomically, as HTML, or as PDF when ``path`` ends in ``.pdf`` (printed by a headless
    Chromium: :func:`html_to_pdf`). Returns the files written.

    ``policy`` is a Policy (or its PolicySpec), ``entity`` its name (or the Entity). ``as_of``
    is the evaluation day shown; by default it is read from the outcomes when they were
    evaluated with ``trace=True``. ``group_by`` names an input (``school``, ``group``, or its
    label ``教研组``) or a column of the input rows: grades are also shown per group and the
    rosters are per group. An input's value needs the outcomes' inputs (``trace=True``);
    ``row_info[i]`` = ``(group, name)`` gives what the i-th input row said (a column that is
    not an input, and the person's 姓名).

    ``rosters``: ``inline`` (one roster per group at the end of the report, each starting a
    printed page), ``split`` (one file per group, at most :data:`ROSTER_PAGE_ROWS` rows each,
    in the folder ``<report>-rosters`` beside the report and linked from it; the report then
    keeps the summaries, not the details per record), ``none``, or ``auto``: inline up to
    :data:`ROSTER_INLINE_MAX` records, else split.

    ``normalised``: how many values of the input were read from another spelling than the
    plain one, by kind (``full-width``, ``thousands``, ``date-form``, ``gbk``), as
    :func:`engine.io.normalised` counts them; or a function that returns them once the
    outcomes are consumed (the input is read as they are). The report then has a section
    with the counts; without it, none.
    """
    spec = policy if isinstance(policy, PolicySpec) else policy.spec
    if isinstance(entity, str):
        try:
            entity = spec.entities[entity]
        except KeyError:
            names = ", ".join(spec.entities)
            raise KaoheError(
                Diagnostic.of(
                    "usage.entity", policy=spec.id, entity=entity, advice=Problem("hint.entities", names=names)
                )
            ) from None
    assert isinstance(entity, Entity)
    if rosters not in ("auto", "inline", "split", "none"):
        raise KaoheError(Diagnostic.of("usage.rosters", rosters=rosters))
    path = Path(path)
    pdf = path.suffix.lower() == ".pdf"
    if pdf:
        browser = browser or find_browser()  # before the run: no browser, no hour of evaluating
    if group_by:
        group_by = resolve_group_by(entity, group_by)
    folder = path.with_name(path.stem + "-rosters")
    html_name = path.stem + ".html" if pdf else path.name
    text, files = _render(
        spec, entity, outcomes, lang, group_by, as_of, rosters, row_info, (folder.name, path.name), normalised
    )
    written = []
    if files:
        _write_folder(folder, files)
        written += [folder / name for name, _ in files]
    if pdf:
        staged = path.with_name(f".{html_name}.kaohe-{os.getpid()}.html")
        try:
            staged.write_text(text, encoding="utf-8")
            html_to_pdf(staged, path, browser)
        finally:
            staged.unlink(missing_ok=True)
    else:
        with atomic_output(str(path)) as stream:
            stream.write(text)
    return [path, *written]


_MARKER = ".kaohe-rosters"


def _write_folder(folder: Path, files: list) -> None:
    """Write the roster files into ``folder``, replacing a roster folder kaohe wrote before
    (never a folder of someone else's)."""
    if folder.exists() and not (folder / _MARKER).exists():
        raise KaoheError(Diagnostic.of("report.folder", Location(str(folder)), folder=folder))
    staging = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", dir=folder.parent))
    try:
        (staging / _MARKER).write_text("rosters written by kaohe report; this folder is replaced on the next run\n")
        for name, page in files:
            (staging / name).write_text(page, encoding="utf-8")
        staging.chmod(0o755)
        if folder.exists():
            shutil.rmtree(folder)
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


#: Browsers tried for PDF output, in order (``KAOHE_BROWSER`` first).
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "/usr/bin/chromium")


def find_browser() -> str:
    """The headless browser that prints PDF: ``$KAOHE_BROWSER``, else Chromium or Chrome on PATH."""
    wanted = os.environ.get("KAOHE_BROWSER")
    for name in [wanted] if wanted else BROWSERS:  # a browser named on purpose is never replaced
        found = shutil.which(name)
        if found:
            return found
    raise KaoheError(
        Diagnostic.of("report.no-browser/named", browser=wanted) if wanted else Diagnostic.of("report.no-browser")
    )


def html_to_pdf(html_path: str | Path, pdf_path: str | Path, browser: str | None = None, timeout: int = 900) -> None:
    """Print an HTML file to PDF with headless Chromium (``--print-to-pdf``), atomically."""
    browser = browser or find_browser()
    pdf_path = Path(pdf_path)
    target = pdf_path.with_name(f".{pdf_path.name}.kaohe-{os.getpid()}.pdf")
    with tempfile.TemporaryDirectory(prefix="kaohe-chromium-") as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={target}",
            Path(html_path).resolve().as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            target.unlink(missing_ok=True)
            raise KaoheError(Diagnostic.of("report.pdf/timeout", browser=browser, seconds=timeout)) from None
        except OSError as exc:
            target.unlink(missing_ok=True)
            raise KaoheError(Diagnostic.of("report.pdf", browser=browser, error=exc.strerror or exc)) from None
    if not target.exists() or target.read_bytes()[:4] != b"%PDF":
        target.unlink(missing_ok=True)
        detail = (done.stderr or done.stdout or "").strip().splitlines()[-3:]
        shown = (": " + " / ".join(detail)) if detail else ""
        raise KaoheError(Diagnostic.of("report.pdf/no-pdf", browser=browser, status=done.returncode, detail=shown))
    os.replace(target, pdf_path)
