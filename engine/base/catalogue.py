"""Every text kaohe shows, in English and Chinese, keyed by code.

A key is a diagnostic code (``tiers.gap``), a code with a variant after ``/`` for a second
wording of the same problem (``tiers.gap/domain-low``: the code stays ``tiers.gap``), a reason
inside another message (``value.*``: why a field is refused; ``eval.*``: why a computation
failed), a hint (``hint.*``), a word used inside other texts (``word.*``) or a sentence of the
command line (``cli.*``). Templates are ``str.format`` templates over the problem's
parameters; a parameter that is itself a problem is rendered in the same language.

``tests/invalid/`` holds a broken policy or record per code; ``tests/test_invalid.py`` fails
when a key here is produced by none of them (a short list of keys no file can produce is
kept there, each with its reason).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CATALOGUE", "Text"]


@dataclass(frozen=True)
class Text:
    """One entry: the English and Chinese templates, and a standing hint in both."""

    en: str
    zh: str
    hint_en: str | None = None
    hint_zh: str | None = None


_ = Text

CATALOGUE: dict[str, Text] = {
    # -- reading a policy file (engine/language/loader.py) ---------------------------------
    "file.unreadable": _("cannot read the file", "无法读取文件"),
    "file.unreadable/not-found": _("cannot read the file: no such file", "无法读取文件：文件不存在"),
    "file.unreadable/directory": _("cannot read the file: it is a folder", "无法读取文件：这是一个文件夹"),
    "file.unreadable/permission": _("cannot read the file: permission denied", "无法读取文件：没有读取权限"),
    "yaml.encoding": _(
        "the file is not valid UTF-8",
        "文件不是 UTF-8 编码",
        "save the file as UTF-8",
        "请把文件另存为 UTF-8 编码",
    ),
    "yaml.encoding/unicode": _(
        "the text contains a character that is not valid Unicode",
        "文本中有无效的 Unicode 字符",
        "save the file as UTF-8",
        "请把文件另存为 UTF-8 编码",
    ),
    "yaml.too-large": _(
        "the file expands to more than {limit} values (an alias used too often?)",
        "文件展开后超过 {limit} 个值（别名用得太多？）",
        "write the data out instead of repeating anchors (&) and aliases (*)",
        "请直接写出数据，不要反复使用锚点（&）和别名（*）",
    ),
    "yaml.too-large/bytes": _("the file is larger than {mib} MiB", "文件超过 {mib} MiB"),
    "yaml.too-deep": _("nesting deeper than {limit} levels", "嵌套超过 {limit} 层"),
    "yaml.too-deep/flow": _(
        "nesting deeper than {limit} levels",
        "嵌套超过 {limit} 层",
        "a policy never needs this many nested '[' or '{{'",
        "政策文件不需要这么多层「[」或「{{」",
    ),
    "yaml.tab": _(
        "a tab is used for indentation",
        "用了制表符（Tab）缩进",
        "indent with spaces only (most editors can convert tabs to spaces)",
        "请只用空格缩进（多数编辑器可把 Tab 转成空格）",
    ),
    "yaml.fullwidth-space": _(
        "an ideographic (full-width) space is used for indentation",
        "用了全角空格缩进",
        "switch the input method to half-width and indent with ordinary spaces",
        "请把输入法切换到半角，用普通空格缩进",
    ),
    "yaml.syntax": _(
        "{parser}",
        "YAML 格式错误（解析器原文：{parser}）",
        "check the indentation and the ':' after each key",
        "请检查缩进，以及每个键后面的「:」",
    ),
    "yaml.empty": _(
        "the file is empty",
        "文件是空的",
        "a policy is a mapping that starts with 'kaohe: 1'",
        "政策文件是以「kaohe: 1」开头的键值映射",
    ),
    "yaml.tag": _("the tag '{tag}' is not allowed in a policy", "政策文件中不允许使用标签「{tag}」"),
    "yaml.tag/value": _("'{value}' is not a valid !!{tag}", "「{value}」不是有效的 !!{tag}"),
    "yaml.merge": _("merge keys (<<) are not allowed in a policy", "政策文件中不允许使用合并键（<<）"),
    "yaml.key": _("a key must be a plain word, not a list or mapping", "键必须是普通的词，不能是列表或映射"),
    "yaml.duplicate-key": _(
        "duplicate key '{key}' (first defined at line {first})",
        "键「{key}」重复（第{first}行已定义）",
        "YAML keeps only one of them silently; remove or rename one",
        "YAML 会悄悄只保留其中一个；请删除或改名",
    ),
    "yaml.number": _(
        "the number '{value}' is too large or too precise for a policy (at most 10**{digits}, {digits} decimal places)",
        "数值「{value}」过大或位数过多（至多 10**{digits}，小数至多 {digits} 位）",
    ),
    # -- the schema (engine/language/schema.py) --------------------------------------------
    "schema.top": _(
        "a policy file must be a mapping of keys, but this file is a single value ({value})",
        "政策文件必须是键值映射，而此文件只有一个值（{value}）",
        "start the file with 'kaohe: 1' and the keys id, version, title, ...",
        "请以「kaohe: 1」开头，再写 id、version、title 等键",
    ),
    "schema.top/list": _(
        "a policy file must be a mapping of keys, but this file is a list",
        "政策文件必须是键值映射，而此文件是一个列表",
        "start the file with 'kaohe: 1' and the keys id, version, title, ...",
        "请以「kaohe: 1」开头，再写 id、version、title 等键",
    ),
    "schema.unknown-key": _("unknown key '{key}'", "未知的键「{key}」"),
    "schema.missing-key": _("'{key}' is required in {where}", "{where} 缺少必填的键「{key}」"),
    "schema.missing-key/top": _("'{key}' is required in the top level", "顶层缺少必填的键「{key}」"),
    "schema.type": _("expected {expected}, got {got}", "类型不对：应为{expected}，实为 {got}"),
    "schema.value": _("{value} is not allowed here; use one of: {allowed}", "此处不允许取值 {value}；可选：{allowed}"),
    "schema.format": _("{value} must match {pattern}", "{value} 的格式不对：应符合 {pattern}"),
    "schema.format/identifier": _(
        "{value}: lower-case letters, digits, '_' and '-', starting with a letter",
        "{value} 的格式不对：只能用小写字母、数字、「_」和「-」，并以字母开头",
    ),
    "schema.format/name": _(
        "{value}: a name usable in expressions: lower-case letters, digits and '_'",
        "{value} 的格式不对：表达式中的名称只能用小写字母、数字和「_」",
    ),
    "schema.format/rule-id": _(
        "{value}: a rule ID from rules.md, e.g. JX-A2", "{value} 的格式不对：应为 rules.md 中的规则编号，如 JX-A2"
    ),
    "schema.format/date": _("{value}: an ISO date, e.g. 2021-06-30", "{value} 的格式不对：应为日期，如 2021-06-30"),
    "schema.format/interval": _(
        "{value}: an interval with explicit ends: [0.40, 0.50) includes 0.40 and not 0.50; inf for no bound",
        "{value} 的格式不对：区间要写明两端，如 [0.40, 0.50) 含 0.40、不含 0.50；无界写 inf",
    ),
    "schema.format/year": _("{value}: a year, e.g. 2022", "{value} 的格式不对：应为年份，如 2022"),
    "schema.format/month-day": _("{value}: a month and day, e.g. 12-31", "{value} 的格式不对：应为月-日，如 12-31"),
    "schema.form": _(
        "this does not match any allowed form (has: {keys})", "写法不符合任何允许的形式（现有键：{keys}）"
    ),
    "schema.form/consequence": _(
        "a consequence needs exactly one of: credit, sanction, obligation, award (has: {keys})",
        "后果必须且只能有 credit、sanction、obligation、award 之一（现有键：{keys}）",
    ),
    "schema.form/value": _(
        "a value needs exactly one of: expr; of with tiers; aggregate (has: {keys})",
        "取值必须且只能有以下之一：expr；of 加 tiers；aggregate（现有键：{keys}）",
    ),
    "schema.invalid": _(
        "this does not fit the policy schema (rule '{keyword}')", "不符合政策文件格式（规则「{keyword}」）"
    ),
    "schema.invalid/min-length": _("must not be empty", "不能为空"),
    "schema.invalid/min-items": _("needs at least {limit} item(s)", "至少要有 {limit} 项"),
    "schema.invalid/min-properties": _("needs at least {limit} entry(ies)", "至少要有 {limit} 个条目"),
    "schema.invalid/minimum": _("must be at least {limit}", "不能小于 {limit}"),
    "schema.invalid/maximum": _("must be at most {limit}", "不能大于 {limit}"),
    # -- layers: a policy built on another (engine/language/layers.py) ------------------------
    "extends.invalid": _("extends: needs the path of a base policy file", "extends: 需要写基础政策文件的路径"),
    "extends.invalid/base": _("the base policy is not a mapping", "基础政策不是键值映射"),
    "extends.cycle": _(
        "policies extend each other in a circle (or more than {limit} layers): {path}",
        "政策之间循环继承（或超过 {limit} 层）：{path}",
    ),
    "extends.missing": _(
        "the base policy {path} does not exist",
        "基础政策 {path} 不存在",
        "the path is relative to this policy file",
        "路径是相对于本政策文件的",
    ),
    "extends.collision": _(
        "{path} is already defined by the base policy {base}",
        "{path} 已由基础政策 {base} 定义",
        "use a change: '- override: {path}'",
        "请用 changes 覆盖：「- override: {path}」",
    ),
    "extends.change": _(
        "a change is a mapping with override, add or remove", "每项修改必须是含 override、add 或 remove 的映射"
    ),
    "extends.change/verbs": _(
        "a change has exactly one of override, add, remove (and 'with' for override and add)",
        "每项修改必须且只能有 override、add、remove 之一（override 和 add 还要有 with）",
    ),
    "extends.change/with": _("{verb} needs 'with:' and the element's keys", "{verb} 需要「with:」和该元素的键"),
    "extends.change/has": _("{path} already has {item}; use override", "{path} 中已有 {item}，请用 override"),
    "extends.change/exists": _("{path} already exists; use override", "{path} 已存在，请用 override"),
    "extends.change/add": _("cannot add {path}", "无法添加 {path}"),
    "extends.change/override": _("{path} is not an element that can be overridden", "{path} 不是可以覆盖的元素"),
    "extends.not-found": _(
        "{verb} {path}: '{part}' does not exist in the base policy", "{verb} {path}：基础政策中没有「{part}」"
    ),
    "extends.no-change": _(
        "the override of {path} changes nothing",
        "对 {path} 的覆盖没有改变任何内容",
        "remove this change",
        "请删除这项修改",
    ),
    # -- hints --------------------------------------------------------------------------------
    "hint.did-you-mean": _("did you mean '{suggestion}'?", "是否应为「{suggestion}」？"),
    "hint.allowed-keys": _("allowed here: {keys}", "此处允许的键：{keys}"),
    "hint.fullwidth-space": _(
        "an ideographic (full-width) space was typed; use ordinary spaces", "输入了全角空格，请改用普通空格"
    ),
    "hint.fullwidth-char": _(
        "'{char}' is a full-width character typed by a Chinese input method; YAML needs the ASCII '{ascii}' here",
        "「{char}」是中文输入法打出的全角字符，此处 YAML 需要半角的「{ascii}」",
    ),
    "hint.gbk": _(
        "the file looks like GBK (a Chinese Windows encoding); save it as UTF-8",
        "文件看起来是 GBK 编码（中文 Windows 的编码），请另存为 UTF-8",
    ),
    "hint.yes-no": _("write true or false for a yes/no value", "是/否的值请写 true 或 false"),
    "hint.percent": _("write a percentage as a ratio: 40% is 0.40", "百分数请写成小数：40% 写作 0.40"),
    # -- words used inside other texts -----------------------------------------------------
    "word.type.string": _("string", "文本"),
    "word.type.number": _("number", "数字"),
    "word.type.integer": _("integer", "整数"),
    "word.type.boolean": _("boolean", "是/否"),
    "word.type.array": _("array", "列表"),
    "word.type.object": _("object", "映射"),
    "word.type.null": _("null", "空值"),
}
