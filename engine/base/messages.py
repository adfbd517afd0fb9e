"""Chinese wording of kaohe's messages, by diagnostic code.

A :class:`~engine.errors.Diagnostic` carries its English message and the ``params`` it was
made from; :func:`localize` renders it in Chinese where this catalogue has the code and every
name its template needs, and in English otherwise. The codes themselves never change.
"""

from __future__ import annotations

import re

__all__ = ["ZH", "ZH_HINTS", "cli_text", "localize_hint", "localize_message"]

#: code -> Chinese message template (``str.format`` with the diagnostic's params)
ZH = {
    # YAML
    "yaml.duplicate-key": "键「{key}」重复（第{first}行已定义）",
    "yaml.tab": "用了制表符（Tab）缩进",
    "yaml.fullwidth-space": "用了全角空格缩进",
    "yaml.syntax": "YAML 格式错误：{problem}",
    "yaml.encoding": "文件不是 UTF-8 编码",
    "yaml.empty": "文件是空的",
    "yaml.too-large": "文件过大或展开后的值过多",
    "yaml.too-deep": "嵌套层数过多",
    "yaml.tag": "不允许使用标签 {tag}",
    "yaml.merge": "不允许使用合并键（<<）",
    "yaml.number": "数值超出允许范围（约 10**154）",
    # schema
    "schema.top": "政策文件必须是键值映射",
    "schema.unknown-key": "未知的键「{key}」",
    "schema.missing-key": "{where}缺少必填的键「{key}」",
    "schema.type": "类型不对：应为{expected}，实为 {got}",
    "schema.value": "取值 {value} 不允许；可选：{allowed}",
    "schema.format": "{value} 的格式不对：{description}",
    "schema.form": "{what}（现有键：{keys}）",
    # compile
    "rule.unknown": "规则「{rule_id}」不在本政策的 rules 目录中",
    "tiers.gap": "分档 {a} 与 {b} 之间在 {at} 处有空档：该值不属于任何一档",
    "tiers.overlap": "分档 {a} 与 {b} 在 {at} 处重叠：该值同时属于两档",
    "values.cycle": "取值之间循环依赖：{cycle}",
    "interval.invalid": "区间写法不对：{detail}",
    "grade.duplicate": "等级代码「{code}」重复",
    "expr.unknown-name": "{what}中有未声明的名称「{name}」：`{text}`",
    "expr.unknown-function": "{what}中有未知的函数「{name}」：`{text}`",
    "expr.syntax": "{what}无法解析：`{text}`",
    "expr.forbidden": "{what}中有不允许的写法：`{text}`（{detail}）",
    "expr.limit": "{what}超出限制：`{text}`（{detail}）",
    "expr.constant": "{what}中的常量部分无法计算：`{text}`（{detail}）",
    "expr.unknown-code": "「{name}」不可能等于「{value}」（可能的值：{allowed}）",
    "schedule.target": "安排表「{schedule}」到{year}年累计完成 {share}%，低于目标 {target}%",
    "extends.not-found": "{verb} {path}：基础政策中没有「{part}」",
    "extends.no-change": "对 {path} 的覆盖没有改变任何内容",
    "extends.collision": "{path} 已由基础政策 {base} 定义，请用 changes 覆盖",
    # records and inputs
    "record.missing": "字段 {field}（{label}）缺失",
    "record.invalid": "字段 {field}（{label}）取值无效：{reason}",
    "record.compute": "无法计算 {name}：{reason}",
    "record.members": "{name} 由 {entity} 的成员汇总得出",
    "record.members-rejected": "{entity}「{group}」的 {total} 条成员记录中有 {count} 条被拒绝（{names}），不能当作没有这些成员来评定",
    "input.json": "第{line}行不是有效的 JSON",
    "input.encoding": "第{line}行的编码无法识别（应为 UTF-8 或 GBK）",
    "input.line-too-long": "第{line}行过长",
    "input.csv": "第{line}行不是有效的 CSV 行",
    "input.ragged": "第{line}行有 {cells} 个单元格，表头只有 {width} 列",
    "usage.period": "{day} 不在 {policy} 的有效期内（{period}）",
    # faults: damaged input, limits, output the environment refuses
    "input.cut-line": "第{line}行是最后一行且没有换行符：文件可能被截断，本条记录的值可能不完整",
    "input.too-deep": "第{line}行（项）的记录中，值的嵌套超过 {limit} 层",
    "input.field-too-long": "第{line}行（项）的字段 {field} 长 {length} 个字符，超过上限 {limit}",
    "input.too-large": ".json 文件超过 {limit} 字节，无法整体读取",
    "output.disk-full": "无法写入 {path}：磁盘已满",
    "output.too-large": "无法写入 {path}：文件超过了允许的大小上限（ulimit -f）",
    "output.read-only": "无法写入 {path}：所在磁盘为只读",
    "output.denied": "无法写入 {path}：没有权限",
    "output.is-directory": "无法写入 {path}：这是一个文件夹",
    "output.no-folder": "无法写入 {path}：所在文件夹不存在",
    "output.write-failed": "无法写入 {path}",
    "usage.entity": "政策 {policy} 中没有评价对象「{entity}」",
    "policy.not-found": "找不到政策 {policy}：既没有这个文件，也没有这个名称或编号的已安装政策（已安装：{installed}）",
}

#: code -> Chinese hint template
ZH_HINTS = {
    "record.members-rejected": "请改正这些成员记录，或在政策的 members 中声明 rejected: fail（记为不合格）或 rejected: exclude（不计）",
    "yaml.duplicate-key": "YAML 会悄悄只保留其中一个；请删除或改名",
    "yaml.tab": "请只用空格缩进（多数编辑器可把 Tab 转成空格）",
    "yaml.fullwidth-space": "请把输入法切换到半角，用普通空格缩进",
    "yaml.encoding": "请把文件另存为 UTF-8 编码",
    "tiers.gap": "请补上空档：让其中一端包含该数（「[」或「]」包含，「(」或「)」不包含）",
    "tiers.overlap": "请决定分界值属于哪一档：「)」不包含，「[」包含（「以上」「以下」都含本数，通常取较高等级）",
    "usage.period": "请用 --as-of 指定有效期内的日期，或加 --allow-outside-period 强制评价",
    "policy.not-found": "请给出政策文件的路径，或已安装政策的名称（用 kaohe policies 查看）",
    "input.cut-line": "请确认文件是完整复制或导出的；加 --strict 时此类记录被拒绝",
    "input.too-large": "请改用 JSON Lines（.jsonl，每行一条记录），kaohe 可流式读取任意大小",
    "output.disk-full": "请清理磁盘空间，或写到另一块磁盘",
    "output.too-large": "请提高上限（ulimit -f），或写到另一块磁盘",
    "output.is-directory": "请给出文件名，例如 目录/results.jsonl",
    "output.no-folder": "请先创建该文件夹，或改正路径",
}

_SUGGEST = "是否应为「{suggestion}」？"

#: the reasons a field is refused (engine/records.py), in Chinese; the first match wins
_REASONS = [
    (re.compile(r"^(.+) is outside the allowed range (.+)$"), "{0} 超出允许范围 {1}"),
    (re.compile(r"^(.+) is not one of (.+?)(?: \(or (.+)\))?$"), "{0} 不是可选值之一（{1}）"),
    (re.compile(r"^(.+) is not a number$"), "{0} 不是数字"),
    (re.compile(r"^expected a whole number, got (.+)$"), "应为整数，实为 {0}"),
    (re.compile(r"^expected a number, got a yes/no value$"), "应为数字，实为是/否"),
    (re.compile(r"^expected a number, got (.+)$"), "应为数字，实为 {0}"),
    (re.compile(r"^expected yes/no .*, got (.+)$"), "应为是/否（true/false、是/否、1/0），实为 {0}"),
    (re.compile(r"^(.+) is not a date; .*$"), "{0} 不是日期，请写成 2021-06-30、2021/6/30 或 2021年6月30日"),
    (re.compile(r"^(.+) is not a real date .*$"), "{0} 不是真实存在的日期"),
    (re.compile(r"^is empty$"), "为空"),
    (re.compile(r"^(.+) is too large or too precise .*$"), "{0} 数值过大或位数过多（至多约 10**154）"),
    (re.compile(r"^is not a valid list; .*$"), "不是有效的列表，请写成 [1, 2, 3] 或 1;2;3"),
    (re.compile(r"^has (\d+) items, more than (\d+)$"), "有 {0} 项，超过上限 {1}"),
]


_ITEM = re.compile(r"^item (\d+): (.*)$", re.S)


def _reason_zh(reason: str) -> str:
    item = _ITEM.match(reason)
    if item:  # a list's item: its position, then its own reason
        return f"第{item.group(1)}项：{_reason_zh(item.group(2))}"
    for pattern, template in _REASONS:
        match = pattern.match(reason)
        if match:
            return template.format(*match.groups())
    return reason


def localize_message(diagnostic, lang: str) -> str:
    if lang != "zh":
        return diagnostic.message
    template = ZH.get(diagnostic.code)
    if template is None:
        return diagnostic.message
    params = diagnostic.params
    if "reason" in params and diagnostic.code == "record.invalid":
        params = {**params, "reason": _reason_zh(str(params["reason"]))}
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return diagnostic.message


def localize_hint(diagnostic, lang: str) -> str | None:
    if lang != "zh" or not diagnostic.hint:
        return diagnostic.hint
    if "suggestion" in diagnostic.params:
        return _SUGGEST.format(**diagnostic.params)
    return ZH_HINTS.get(diagnostic.code, diagnostic.hint)


#: the command line's own sentences
_CLI = {
    "summary": (
        "kaohe: {total} record(s): {evaluated} evaluated, {rejected} rejected",
        "kaohe：共 {total} 条记录，已评价 {evaluated} 条，拒绝 {rejected} 条",
    ),
    "validate-ok": (
        "{path}: ok ({id} {version}: {rules} rules, {entities} entities: {names}{layers})",
        "{path}：通过（{id} {version}：{rules} 条规则，{entities} 个评价对象：{names}{layers}）",
    ),
    "built-on": (", built on {base}", "，基于 {base}"),
    "cases-ok": ("{path}: ok ({count} test cases for {id})", "{path}：通过（{id} 的 {count} 个测试用例）"),
    "policy-invalid": ("kaohe: policy invalid ({count} problem(s))", "kaohe：政策文件有 {count} 处问题"),
    "unknown-column": (
        "{path}: column '{header}' is not an input of {entity} and is not read{hint}",
        "{path}：列「{header}」不是 {entity} 的输入，不会读取{hint}",
    ),
    "unknown-column-hint": ("; did you mean '{suggestion}'?", "；是否应为「{suggestion}」？"),
    "missing-column": (
        "{path}: no column for the required input {name}: add a column '{header}'",
        "{path}：缺少必填输入 {name} 的列，请添加列「{header}」",
    ),
    "lint-count": ("{path}: {count} warning(s)", "{path}：{count} 条警告"),
    "interrupted": ("kaohe: interrupted; any --output file is left as it was", "kaohe：已中断；--output 文件保持原样"),
    "signalled": (
        "kaohe: stopped by {signal}; any --output file is left as it was",
        "kaohe：收到 {signal} 信号，已停止；--output 文件保持原样",
    ),
    "stale-temp": (
        "kaohe: removed {path}, a temporary file left by an earlier run that was killed",
        "kaohe：已删除此前被强行终止的运行遗留的临时文件 {path}",
    ),
    "cut-summary": (
        "kaohe: warning: {path} line {line} has no line end; the file may be cut short (record {record})",
        "kaohe：警告：{path} 第{line}行没有换行符，文件可能被截断（第{record}条记录）",
    ),
}


def cli_text(key: str, lang: str, **params) -> str:
    english, chinese = _CLI[key]
    return (chinese if lang == "zh" else english).format(**params)
