"use strict";
// Shared by the pages: the two languages, and JSON requests that turn failures into text.
const WORDS = {
  zh: {"title": "考核评定", "nav-evaluate": "评定", "nav-editor": "政策编辑器", "nav-api": "API 文档", "policy": "政策",
    "entity": "对象", "as-of": "评定日期", "rules": "规则与条款", "rule": "规则", "ref": "条目", "clause": "条款原文",
    "upload": "上传表格", "run": "评定", "results": "结果", "filter-grade": "等级", "search": "搜索编号", "group-by": "分组",
    "dl-xlsx": "下载 xlsx", "dl-csv": "下载 CSV", "dl-report": "下载报告", "dl-pdf": "下载 PDF 报告", "close": "关闭", "explanation": "评定说明",
    "all": "全部", "none": "不分组", "id": "编号", "grade": "等级", "credits": "学分", "sanctions": "处分/义务", "error": "错误",
    "mapped": "已读取的列", "unknown": "未识别的列", "missing": "缺少的必填列", "refused": "被拒绝的记录", "row": "行",
    "field": "字段", "reason": "原因", "summary": "共 {total} 条：评定 {ok} 条，拒绝 {bad} 条", "working": "正在评定…",
    "pick-file": "请先选择文件", "distribution": "等级分布", "did-you-mean": "是否应为", "no-hints": "已是最高等级或无可行提示",
    "editor": "政策编辑器", "load": "载入", "validate-ok": "校验通过", "run-cases": "运行测试用例", "try": "试算记录",
    "cases": "测试用例", "record": "记录（JSON）", "diagnostics": "问题", "passed": "通过 {passed}，失败 {failed}", "lang": "English",
    "prove": "证明", "prove-run": "证明全部记录", "proving": "正在证明…", "proved": "已证明 {proved}，反例 {counterexamples}，未定 {unknown}"},
  en: {"title": "Assessment", "nav-evaluate": "Evaluate", "nav-editor": "Policy editor", "nav-api": "API docs", "policy": "Policy",
    "entity": "Entity", "as-of": "Evaluation day", "rules": "Rules and clauses", "rule": "Rule", "ref": "Ref", "clause": "Clause",
    "upload": "Upload a spreadsheet", "run": "Evaluate", "results": "Results", "filter-grade": "Grade", "search": "Search id",
    "group-by": "Group by", "dl-xlsx": "Download xlsx", "dl-csv": "Download CSV", "dl-report": "Download report", "dl-pdf": "Download PDF report", "close": "Close",
    "explanation": "Explanation", "all": "All", "none": "No grouping", "id": "ID", "grade": "Grade", "credits": "Credits",
    "sanctions": "Sanctions/obligations", "error": "Error", "mapped": "Columns read", "unknown": "Unknown columns",
    "missing": "Missing required columns", "refused": "Refused records", "row": "Row", "field": "Field", "reason": "Reason",
    "summary": "{total} records: {ok} evaluated, {bad} refused", "working": "Evaluating…", "pick-file": "Choose a file first",
    "distribution": "Grade distribution", "did-you-mean": "did you mean", "no-hints": "Already the best grade, or no hint found",
    "editor": "Policy editor", "load": "Load", "validate-ok": "Valid", "run-cases": "Run the cases", "try": "Try a record",
    "cases": "Test cases", "record": "Record (JSON)", "diagnostics": "Problems", "passed": "{passed} passed, {failed} failed", "lang": "中文",
    "prove": "Proofs", "prove-run": "Prove over every record", "proving": "Proving…", "proved": "{proved} proved, {counterexamples} counterexamples, {unknown} unknown"},
};
let LANG = localStorage.getItem("kaohe-lang") || "zh";
function t(key, params) {
  let text = (WORDS[LANG] || WORDS.zh)[key] || key;
  for (const [k, v] of Object.entries(params || {})) text = text.replace("{" + k + "}", v);
  return text;
}
function label(text) { return text ? (LANG === "en" && text.en ? text.en : text.zh) : ""; }
function applyLang(after) {
  document.documentElement.lang = LANG;
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  document.getElementById("lang-toggle").textContent = t("lang");
  if (after) after();
}
function setupLang(after) {
  document.getElementById("lang-toggle").addEventListener("click", () => {
    LANG = LANG === "zh" ? "en" : "zh";
    localStorage.setItem("kaohe-lang", LANG);
    applyLang(after);
  });
  applyLang();
}
function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") node.className = v; else if (k.startsWith("on")) node.addEventListener(k.slice(2), v); else node.setAttribute(k, v);
  }
  for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : String(c));
  return node;
}
async function api(path, options) {
  const response = await fetch(path, options);
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json() : await response.blob();
  if (!response.ok && data && data.error) {
    const error = new Error(data.error.text || data.error.message);
    error.data = data;
    throw error;
  }
  return {response, data};
}
function saveBlob(blob, name) {
  const a = el("a", {href: URL.createObjectURL(blob), download: name});
  document.body.append(a);
  a.click();
  setTimeout(() => { URL.revokeObjectURL(a.href); a.remove(); }, 1000);
}
