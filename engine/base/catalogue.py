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
    "yaml.fullwidth-comma": _(
        "a full-width comma '，' does not separate the items of a [ ] list: '{item}' is one item, not {count}",
        "全角逗号「，」不能分隔 [ ] 列表的各项：「{item}」是一项，而不是 {count} 项",
        "use ASCII commas: [{fixed}]; quote the item if the comma belongs to it",
        "请用半角逗号：[{fixed}]；如果逗号本是该项的一部分，请给该项加引号",
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
    "yaml.number/not-finite": _(
        "'{value}' is an infinity or not-a-number: every number of a policy must be finite",
        "「{value}」是无穷大或非数：政策中的数值必须是有限的数",
        'write a finite number; an interval leaves a bound open with inf, as in "[0, inf)"',
        '请写有限的数；区间不设上限时写成 "[0, inf)"',
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
    "policy.not-found": _(
        "no policy {policy}: there is no file {looked}, and no installed policy of that name or id",
        "找不到政策 {policy}：没有文件 {looked}，也没有这个名称或编号的已安装政策",
        "give the path of a policy file, or one of the installed policies: {installed} (see `kaohe policies`)",
        "请给出政策文件的路径，或已安装政策之一：{installed}（用 kaohe policies 查看）",
    ),
    "extends.invalid": _("extends: needs the path of a base policy file", "extends: 需要写基础政策文件的路径"),
    "extends.invalid/base": _("the base policy is not a mapping", "基础政策不是键值映射"),
    "extends.cycle": _(
        "policies extend each other in a circle (or more than {limit} layers): {path}",
        "政策之间循环继承（或超过 {limit} 层）：{path}",
    ),
    "extends.missing": _(
        "the base policy {path} does not exist",
        "基础政策 {path} 不存在",
        "give a path relative to this policy file, or an installed policy's name or id (see kaohe policies)",
        "请写相对于本政策文件的路径，或已安装政策的名称或编号（用 kaohe policies 查看）",
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
    # -- compiling a policy (engine/language/compiler.py) ------------------------------------
    "rule.unknown": _(
        "rule '{rule_id}' is not in this policy's rules catalogue", "规则「{rule_id}」不在本政策的 rules 目录中"
    ),
    "interval.invalid": _("{detail}", "区间写法不对：{detail}"),
    # the reasons inside interval.invalid (engine/base/numbers.py: parse_interval)
    "interval.form": _(
        '{value} is not an interval; write it like "[0.40, 0.50)": '
        "'[' or ']' includes the number, '(' or ')' leaves it out, inf for no bound",
        '{value} 不是区间，请写成 "[0.40, 0.50)" 的样子：「[」「]」包含该数，「(」「)」不包含，无界写 inf',
    ),
    "interval.upper-minus-inf": _("the upper end cannot be -inf", "上端不能是 -inf"),
    "interval.lower-plus-inf": _("the lower end cannot be +inf; write -inf", "下端不能是 +inf，请写 -inf"),
    "interval.end-not-number": _("{value} is not a number", "{value} 不是数字"),
    "interval.end-too-large": _(
        "{value} is beyond the allowed size (about 10**154)", "{value} 超出允许范围（约 10**154）"
    ),
    "interval.open-end": _(
        "{value}: an unbounded end (inf) must use '(' or ')'", "{value}：无界的一端（inf）必须用「(」或「)」"
    ),
    "interval.empty": _("{value} contains no number", "{value} 中不含任何数"),
    "date.invalid": _("{value} is not a real date", "{value} 不是真实存在的日期"),
    "date.invalid/source": _("the source date is not a real date", "文件日期不是真实存在的日期"),
    "date.order": _("the effective period ends before it starts", "有效期的结束日期早于开始日期"),
    "input.range": _("'range' applies to numbers, not to type {type}", "range 只适用于数字，不适用于 {type} 类型"),
    "input.enum": _("input '{name}' of type enum needs 'values'", "枚举类型的输入「{name}」需要 values"),
    "input.enum/not-enum": _(
        "'values' and 'aliases' apply to type enum only", "values 和 aliases 只适用于枚举（enum）类型"
    ),
    "input.yes-no/not-boolean": _(
        "yes_words and no_words apply to type boolean only, not {type}",
        "yes_words 和 no_words 只适用于是/否（boolean）类型，不适用于 {type}",
    ),
    "input.yes-no/clash": _(
        "{words} would mean both yes and no",
        "{words} 既表示“是”又表示“否”",
        "keep each word in one list only (true, yes, 1, 是 are yes; false, no, 0, 否 are no)",
        "每个词只能出现在一个列表里（true、1、是 表示是；false、0、否 表示否）",
    ),
    "input.alias": _(
        "alias '{alias}' points to '{target}', which is not one of {values}",
        "别名「{alias}」指向「{target}」，但它不是可选值（{values}）之一",
    ),
    "input.items": _("input '{name}' of type list needs 'items'", "列表类型的输入「{name}」需要 items"),
    "input.items/not-list": _("'items' applies to type list only", "items 只适用于列表（list）类型"),
    "input.record": _(
        "input '{name}' of type record must be the items of a list",
        "记录（record）类型的输入「{name}」只能作为列表的项",
        "declare type: list with items: {{type: record, fields: {{...}}}}",
        "请声明 type: list，并写 items: {{type: record, fields: {{...}}}}",
    ),
    "input.fields": _("the records of '{name}' need 'fields'", "「{name}」的记录需要 fields"),
    "input.fields/one-value": _(
        "field '{name}' of a record is {type}; a field holds one value",
        "记录的字段「{name}」是 {type} 类型；一个字段只能存放一个值",
    ),
    "input.fields/not-record": _("'fields' applies to type record only", "fields 只适用于记录（record）类型"),
    "input.default": _("the default of '{name}' is not valid: {reason}", "「{name}」的默认值无效：{reason}"),
    "tiers.overlap": _(
        "tiers {a} and {b} overlap at {at}: a value there would match both",
        "分档 {a} 与 {b} 在 {at} 处重叠：该值同时属于两档",
        "decide which tier the bound belongs to: ')' leaves it out, '[' takes it in "
        "(Chinese 以上/以下 both include the number; the higher level usually wins)",
        "请决定分界值属于哪一档：「)」不包含，「[」包含（「以上」「以下」都含本数，通常取较高等级）",
    ),
    "tiers.gap": _(
        "tiers {a} and {b} leave a gap at {at}: a value there matches no tier",
        "分档 {a} 与 {b} 之间在 {at} 处有空档：该值不属于任何一档",
        "close the gap: make one of the two ends include the number",
        "请补上空档：让其中一端包含该数（「[」或「]」包含，「(」或「)」不包含）",
    ),
    "tiers.gap/domain-low": _(
        "the tiers do not cover the low end of the domain {domain}", "分档没有覆盖取值范围 {domain} 的下端"
    ),
    "tiers.gap/domain-high": _(
        "the tiers do not cover the high end of the domain {domain}", "分档没有覆盖取值范围 {domain} 的上端"
    ),
    "tiers.gap/open-high": _(
        "the tiers stop at {at} but the domain {domain} goes on", "分档止于 {at}，但取值范围 {domain} 没有上界"
    ),
    "tiers.gap/open-low": _(
        "the tiers start at {at} but the domain {domain} has no lower bound",
        "分档始于 {at}，但取值范围 {domain} 没有下界",
    ),
    "entity.key": _(
        "entity '{entity}' has no input '{key_input}' to identify its records",
        "评价对象「{entity}」没有用来识别记录的输入「{key_input}」",
        "declare an input 'id' or name the key input with key:",
        "请声明输入 id，或用 key: 指定识别记录的输入",
    ),
    "name.clash": _("'{name}' is both an input and a value", "「{name}」既是输入又是取值"),
    "schedule.target": _(
        "schedule '{schedule}' reaches {share}% of its units by {year}, below the target of {target}%",
        "安排表「{schedule}」到{year}年累计完成 {share}%，低于目标 {target}%",
        "move units to an earlier batch, or check the target's reading in the rule's note",
        "请把部分单位移到更早的批次，或核对规则注释中对该目标的解读",
    ),
    "schedule.unknown": _(
        "schedule '{schedule}' is not defined under schedules:", "安排表「{schedule}」没有在 schedules 中定义"
    ),
    "grade.duplicate": _("grade code '{code}' is used twice", "等级代码「{code}」重复"),
    "consequence.duplicate": _("consequence id '{id}' is used twice", "后果编号「{id}」重复"),
    # -- static types (engine/language/types.py), checked at load ---------------------------
    "type.mismatch/condition": _(
        "{what}: {part} must be yes/no, but this is {found} in `{text}`",
        "{what}中{part}必须是是/否，实为{found}：`{text}`",
        "compare it, e.g. `x > 0` or `given(x)`",
        "请写成比较，例如 `x > 0` 或 `given(x)`",
    ),
    "type.mismatch/numbers": _(
        "{what}: {part} needs numbers, but this is {found} in `{text}`",
        "{what}中{part}需要数字，实为{found}：`{text}`",
    ),
    "type.mismatch/numbers-date": _(
        "{what}: {part} needs numbers, but this is {found} in `{text}`",
        "{what}中{part}需要数字，实为{found}：`{text}`",
        "move a date with add_days(), add_months() or add_years(); days_between() gives a duration",
        "移动日期请用 add_days()、add_months() 或 add_years()；days_between() 给出相隔天数",
    ),
    "type.mismatch/whole": _(
        "{what}: {part} needs a whole number, but this is {found} in `{text}`",
        "{what}中{part}需要整数，实为{found}：`{text}`",
    ),
    "type.mismatch/kind": _(
        "{what}: {part} needs {expected}, but this is {found} in `{text}`",
        "{what}中{part}需要{expected}，实为{found}：`{text}`",
    ),
    "type.mismatch/list": _(
        "{what}: {part} needs a list, but this is {found} in `{text}`",
        "{what}中{part}需要列表，实为{found}：`{text}`",
    ),
    "type.mismatch/untyped": _(
        "{what}: {node} cannot be typed in `{text}`", "{what}中的 {node} 无法确定类型：`{text}`"
    ),
    "type.mismatch/constant": _(
        "{what}: the constant {value} has no type in `{text}`", "{what}中的常量 {value} 无法确定类型：`{text}`"
    ),
    "type.mismatch/list-items": _(
        "{what}: a list holds one kind of item: {left} and {right} do not mix in `{text}`",
        "{what}中列表的各项必须是同一类：{left}与{right}不能混用：`{text}`",
    ),
    "type.mismatch/date-arithmetic": _(
        "{what}: '{op}' cannot take a date ({left} {op} {right}) in `{text}`",
        "{what}中「{op}」不能用于日期（{left} {op} {right}）：`{text}`",
        "use add_days(), add_months() or add_years() to move a date, days_between() or "
        "date - date for the days between two dates",
        "移动日期请用 add_days()、add_months() 或 add_years()；两个日期相隔的天数请用 days_between() 或日期相减",
    ),
    "type.mismatch/power": _(
        "{what}: a power must be a whole number, but this is {found} in `{text}`",
        "{what}中乘方的指数必须是整数，实为{found}：`{text}`",
    ),
    "type.mismatch/if": _(
        "{what}: the two results of 'x if c else y' must be of one kind: {left} and {right} do not mix in `{text}`",
        "{what}中「x if c else y」的两个结果必须是同一类：{left}与{right}不能混用：`{text}`",
    ),
    "type.mismatch/is": _(
        "{what}: '{op}' only tests for an empty value (x is None) in `{text}`",
        "{what}中「{op}」只能用来判断空值（x is None）：`{text}`",
        "compare with '=='",
        "比较请用「==」",
    ),
    "type.mismatch/compare": _(
        "{what}: {left} and {right} cannot be compared with '{op}' in `{text}`",
        "{what}中{left}与{right}不能用「{op}」比较：`{text}`",
    ),
    "type.mismatch/order": _(
        "{what}: {left} and {right} cannot be ordered with '{op}' in `{text}`",
        "{what}中{left}与{right}不能用「{op}」比较大小：`{text}`",
    ),
    "type.mismatch/numbers-list": _(
        "{what}: {part} needs a list of numbers, but this is {found} in `{text}`",
        "{what}中{part}需要数字列表，实为{found}：`{text}`",
    ),
    "type.mismatch/numbers-or-dates": _(
        "{what}: {part} needs numbers or dates, but this is {found} in `{text}`",
        "{what}中{part}需要数字或日期，实为{found}：`{text}`",
    ),
    "type.mismatch/mix": _(
        "{what}: {part} cannot mix {left} and {right} in `{text}`",
        "{what}中{part}不能混用{left}与{right}：`{text}`",
    ),
    "type.mismatch/count": _(
        "{what}: count(list) counts yes/no items, but this is {found} in `{text}`",
        "{what}中 count(列表) 统计是/否项，实为{found}：`{text}`",
        "count(list, value) counts the items equal to value",
        "count(列表, 值) 统计等于该值的项数",
    ),
    "type.mismatch/distinct": _(
        "{what}: {part} counts single values, but this is {found} in `{text}`",
        "{what}中{part}只统计单个的值，实为{found}：`{text}`",
    ),
    "type.mismatch/yes-no-list": _(
        "{what}: {part} needs a list of yes/no, but this is {found} in `{text}`",
        "{what}中{part}需要是/否列表，实为{found}：`{text}`",
    ),
    "type.mismatch/date-text": _(
        "{what}: date() needs text such as '2021-06-30', but this is {found} in `{text}`",
        "{what}中 date() 需要形如 '2021-06-30' 的文本，实为{found}：`{text}`",
    ),
    "type.mismatch/records": _(
        "{what}: {part} needs a list of records (activities), but this is {found} in `{text}`",
        "{what}中{part}需要记录（活动）列表，实为{found}：`{text}`",
    ),
    "type.mismatch/field": _(
        "{what}: {part} cannot use field '{name}', which is {found} in `{text}`",
        "{what}中{part}不能使用字段「{name}」，它是{found}：`{text}`",
    ),
    "type.mismatch/where": _(
        "{what}: where(records, '{name}') keeps records whose yes/no field holds; '{name}' is {found} in `{text}`",
        "{what}中 where(记录, '{name}') 保留是/否字段为是的记录；「{name}」是{found}：`{text}`",
        "where(records, 'field', value) keeps the records whose field equals value",
        "where(记录, '字段', 值) 保留该字段等于该值的记录",
    ),
    "type.mismatch/member-input": _(
        "'{name}' is declared {expected}, but its aggregate '{aggregate}' gives {found}",
        "「{name}」声明为{expected}，但其汇总「{aggregate}」得到{found}",
    ),
    "type.mismatch/amount": _(
        "a credit amount must be a number, but `{text}` is {found}",
        "学分数额必须是数字，但 `{text}` 是{found}",
    ),
    "type.mismatch/tiers-of": _(
        "a tier table looks up a number, but `{text}` is {found}",
        "分档表按数字分档，但 `{text}` 是{found}",
        "tiers cover ranges of numbers; compute a number in 'of' (days_between() for dates)",
        "tiers 按数字区间分档；请在 of 中算出数字（日期请用 days_between()）",
    ),
    "type.mismatch/tier-values": _(
        "the tiers of '{name}' give values of different kinds: {values}",
        "「{name}」的各档给出的值类别不一：{values}",
        "every tier gives a code, or every tier a number, or every tier true/false",
        "各档应都给出代码，或都给出数字，或都给出 true/false",
    ),
    "type.mismatch/aggregate": _(
        "aggregate '{aggregate}' needs numbers, but `{text}` is {found}",
        "汇总「{aggregate}」需要数字，但 `{text}` 是{found}",
    ),
    "type.mismatch/distinct-aggregate": _(
        "aggregate 'distinct' counts single values, but `{text}` is {found}",
        "汇总「distinct」只统计单个的值，但 `{text}` 是{found}",
    ),
    "type.maybe-empty": _(
        "a tier table needs a value, but `{text}` may be empty ({found})",
        "分档表需要一个值，但 `{text}` 可能为空（{found}）",
        "give the input a default, or compute 'of' as `x if given(x) else 0`",
        "请给该输入设默认值（default），或把 of 写成 `x if given(x) else 0`",
    ),
    "type.maybe-empty/aggregate": _(
        "aggregate '{aggregate}' needs a value from every member, but `{text}` may be empty",
        "汇总「{aggregate}」需要每个成员都有值，但 `{text}` 可能为空",
        "keep only the members that give it with where: given(x)",
        "请用 where: given(x) 只保留给出该值的成员",
    ),
    "type.never-equal": _(
        "{what}: '{name}' can never be '{value}' (it is one of: {allowed}) in `{text}`",
        "{what}中「{name}」不可能等于「{value}」（可能的值：{allowed}）：`{text}`",
    ),
    "type.never-equal/code": _(
        "{what}: this code can never be '{value}' (it is one of: {allowed}) in `{text}`",
        "{what}中该代码不可能等于「{value}」（可能的值：{allowed}）：`{text}`",
    ),
    "type.never-equal/codes": _(
        "{what}: {left} and {right} share no value: they are never equal in `{text}`",
        "{what}中{left}与{right}没有共同的值，永远不会相等：`{text}`",
    ),
    "type.unknown-function": _(
        "{what}: unknown function '{name}' in `{text}`", "{what}中有未知函数「{name}」：`{text}`"
    ),
    "type.unknown-name": _("{what}: '{name}' has no type in `{text}`", "{what}中「{name}」无法确定类型：`{text}`"),
    "type.arguments": _(
        "{what}: {name}() takes {low} arguments, got {got} in `{text}`",
        "{what}中 {name}() 需要 {low} 个参数，实为 {got} 个：`{text}`",
    ),
    "type.arguments/one": _(
        "{what}: {name}() takes 1 argument, got {got} in `{text}`",
        "{what}中 {name}() 需要 1 个参数，实为 {got} 个：`{text}`",
    ),
    "type.arguments/range": _(
        "{what}: {name}() takes {low} to {high} arguments, got {got} in `{text}`",
        "{what}中 {name}() 需要 {low} 到 {high} 个参数，实为 {got} 个：`{text}`",
    ),
    "type.arguments/at-least": _(
        "{what}: {name}() takes at least {low} argument(s), got {got} in `{text}`",
        "{what}中 {name}() 至少需要 {low} 个参数，实为 {got} 个：`{text}`",
    ),
    "type.arguments/date": _(
        "{what}: {name}() takes one text ('2021-06-30') or year, month, day in `{text}`",
        "{what}中 {name}() 需要一个文本（'2021-06-30'）或年、月、日三个数：`{text}`",
    ),
    "type.field": _(
        "{what}: the records have no field '{name}' (fields: {allowed}) in `{text}`",
        "{what}中记录没有字段「{name}」（字段有：{allowed}）：`{text}`",
    ),
    "type.field/quoted": _(
        "{what}: {name} needs the field's name in quotes, e.g. 'hours' in `{text}`",
        "{what}中 {name} 需要带引号的字段名，例如 '学时'：`{text}`",
    ),
    "values.cycle": _("values depend on each other in a circle: {cycle}", "取值之间循环依赖：{cycle}"),
    "aggregate.members": _(
        "'{name}' aggregates over members, but entity '{entity}' declares no members:",
        "「{name}」按成员汇总，但评价对象「{entity}」没有声明 members",
    ),
    "members.unknown": _("members entity '{entity}' is not defined", "成员评价对象「{entity}」没有定义"),
    "aggregate.over": _(
        "aggregate '{aggregate}' needs 'over': the member expression it works on",
        "汇总「{aggregate}」需要 over：对每个成员计算的表达式",
    ),
    "members.rejected": _(
        "'{name}': with members rejected: fail, a rejected member counts as meeting no condition, "
        "which says nothing about its '{aggregate}'",
        "「{name}」：members 设为 rejected: fail 时，被拒绝的成员视为不满足任何条件，这说明不了它的「{aggregate}」",
        "use rejected: refuse or exclude, or aggregate with {failing}",
        "请改用 rejected: refuse 或 exclude，或用以下汇总：{failing}",
    ),
    "members.by": _(
        "entity '{entity}' has no input '{by}' to group by", "评价对象「{entity}」没有用于分组的输入「{by}」"
    ),
    "schedule.unit": _("'{unit}' is not a declared implementation unit", "「{unit}」不是已声明的实施单位"),
    "schedule.unit/through": _(
        "'{unit}' acts through '{through}', which is not a declared unit",
        "「{unit}」经由「{through}」实施，但后者不是已声明的单位",
    ),
    "schedule.twice": _(
        "'{unit}' is in the {first} batch and again in {year}", "「{unit}」已在 {first} 年批次中，又出现在 {year} 年"
    ),
    "schedule.missing": _("implementation unit '{unit}' is in no year's batch", "实施单位「{unit}」不在任何年度批次中"),
    "property.entity": _("no entity '{entity}'", "没有评价对象「{entity}」"),
    "property.input": _("entity '{entity}' has no input '{name}'", "评价对象「{entity}」没有输入「{name}」"),
    "property.input/numeric": _(
        "a monotonic relation needs a numeric input; '{name}' is {type}",
        "单调关系需要数字输入；「{name}」是 {type} 类型",
    ),
    "property.direction": _(
        "a monotonic relation needs direction: increasing or decreasing",
        "单调关系需要 direction：increasing（递增）或 decreasing（递减）",
    ),
    # -- expressions (engine/language/expressions.py), shown as "<what>: ... in `<text>`" -----
    "expr.type": _("an expression must be text, a number or true/false", "表达式必须是文本、数字或 true/false"),
    "expr.empty": _("{what}: the expression is empty in `{text}`", "{what}为空：`{text}`"),
    "expr.syntax": _(
        "{what}: the expression does not parse: {parser} in `{text}`",
        "{what}无法解析（Python 原文：{parser}）：`{text}`",
    ),
    "expr.syntax/bytes": _("{what}: byte strings are not allowed in `{text}`", "{what}中不允许使用字节串：`{text}`"),
    "expr.number": _(
        "{what}: cannot read the number {number} in `{text}`", "{what}中的数字 {number} 无法读取：`{text}`"
    ),
    "expr.number/complex": _(
        "{what}: complex numbers are not allowed ({number}) in `{text}`", "{what}中不允许使用复数（{number}）：`{text}`"
    ),
    "expr.limit/number": _(
        "{what}: the number {number} is beyond the allowed size (about 10**154) in `{text}`",
        "{what}中的数字 {number} 超出允许范围（约 10**154）：`{text}`",
    ),
    "expr.limit/chars": _(
        "{what}: the expression is longer than {limit} characters in `{text}`", "{what}超过 {limit} 个字符：`{text}`"
    ),
    "expr.limit/nesting": _("{what}: the expression is nested too deeply in `{text}`", "{what}嵌套过深：`{text}`"),
    "expr.limit/depth": _(
        "{what}: the expression is nested deeper than {limit} levels in `{text}`", "{what}嵌套超过 {limit} 层：`{text}`"
    ),
    "expr.limit/parts": _(
        "{what}: the expression has more than {limit} parts in `{text}`", "{what}超过 {limit} 个部分：`{text}`"
    ),
    "expr.limit/chain": _("{what}: too many chained comparisons in `{text}`", "{what}中连续比较过多：`{text}`"),
    "expr.limit/computed": _(
        "{what}: cannot be computed: {reason} in `{text}`", "{what}超出限制，无法计算：{reason}：`{text}`"
    ),
    "expr.limit/entity": _(
        "entity {entity} is too large to compile into one function ({detail})",
        "评价对象 {entity} 过大，无法编译为一个函数（{detail}）",
        "split the entity's values or shorten its expressions",
        "请拆分该评价对象的取值，或缩短表达式",
    ),
    "expr.constant": _(
        "{what}: cannot be computed: {reason} in `{text}`", "{what}中的常量部分无法计算：{reason}：`{text}`"
    ),
    "expr.unknown-function": _(
        "{what}: unknown function '{name}' in `{text}`", "{what}中有未知的函数「{name}」：`{text}`"
    ),
    "expr.unknown-name": _("{what}: unknown name '{name}' in `{text}`", "{what}中有未声明的名称「{name}」：`{text}`"),
    "expr.forbidden": _(
        "{what}: {node} is not allowed in an expression in `{text}`", "{what}中不允许使用 {node}：`{text}`"
    ),
    "expr.forbidden/ellipsis": _("{what}: '...' is not allowed in `{text}`", "{what}中不允许使用「...」：`{text}`"),
    "expr.forbidden/attribute": _(
        "{what}: attributes and methods (a.b) are not allowed in `{text}`",
        "{what}中不允许使用属性或方法（a.b）：`{text}`",
    ),
    "expr.forbidden/subscript": _(
        "{what}: indexing (a[0]) is not allowed; use a function such as min() or len() in `{text}`",
        "{what}中不允许使用下标（a[0]），请用 min()、len() 等函数：`{text}`",
    ),
    "expr.forbidden/lambda": _("{what}: lambda is not allowed in `{text}`", "{what}中不允许使用 lambda：`{text}`"),
    "expr.forbidden/comprehension": _(
        "{what}: comprehensions are not allowed; use cap(), count(), sum() in `{text}`",
        "{what}中不允许使用推导式，请用 cap()、count()、sum()：`{text}`",
    ),
    "expr.forbidden/dict": _("{what}: dictionaries are not allowed in `{text}`", "{what}中不允许使用字典：`{text}`"),
    "expr.forbidden/walrus": _(
        "{what}: assignment (:=) is not allowed in `{text}`", "{what}中不允许赋值（:=）：`{text}`"
    ),
    "expr.forbidden/f-string": _(
        "{what}: f-strings are not allowed in `{text}`", "{what}中不允许使用 f 字符串：`{text}`"
    ),
    "expr.forbidden/shift": _("{what}: bit shifts are not allowed in `{text}`", "{what}中不允许使用移位运算：`{text}`"),
    "expr.forbidden/bit-and": _(
        "{what}: '&' is not allowed; use 'and' in `{text}`", "{what}中不允许使用「&」，请用 and：`{text}`"
    ),
    "expr.forbidden/bit-or": _(
        "{what}: '|' is not allowed; use 'or' in `{text}`", "{what}中不允许使用「|」，请用 or：`{text}`"
    ),
    "expr.forbidden/bit-xor": _(
        "{what}: '^' is not allowed; use '**' for powers in `{text}`",
        "{what}中不允许使用「^」，乘方请用「**」：`{text}`",
    ),
    "expr.forbidden/invert": _("{what}: '~' is not allowed in `{text}`", "{what}中不允许使用「~」：`{text}`"),
    "expr.forbidden/matmult": _("{what}: '@' is not allowed in `{text}`", "{what}中不允许使用「@」：`{text}`"),
    "expr.forbidden/call": _(
        "{what}: only the documented functions can be called in `{text}`", "{what}中只能调用文档列出的函数：`{text}`"
    ),
    "expr.forbidden/keyword": _(
        "{what}: keyword arguments are not allowed in `{text}`", "{what}中不允许使用关键字参数：`{text}`"
    ),
    "expr.forbidden/star": _(
        "{what}: '*' arguments are not allowed in `{text}`", "{what}中不允许使用「*」参数：`{text}`"
    ),
    "expr.forbidden/underscore": _(
        "{what}: names starting with '_' are not allowed ({name}) in `{text}`",
        "{what}中不允许使用以「_」开头的名称（{name}）：`{text}`",
    ),
    "expr.forbidden/function-name": _(
        "{what}: '{name}' is a function; call it with () in `{text}`",
        "{what}中的「{name}」是函数，请加 () 调用：`{text}`",
    ),
    # -- why a computation failed (eval.*), inside record.compute and expr.constant ----------
    "eval.size": _("a number grew beyond the allowed size (about 10**154)", "数值超出允许范围（约 10**154）"),
    "eval.power-size": _("a power grew beyond the allowed size (about 10**154)", "乘方结果超出允许范围（约 10**154）"),
    "eval.needs-numbers": _("{what} needs numbers, got {got}", "{what} 需要数字，实为{got}"),
    "eval.division-by-zero": _("division by zero", "除数为零"),
    "eval.add": _("cannot add {a} and {b}", "无法把{a}与{b}相加"),
    "eval.add-date": _("use add_days(date, n) to move a date", "移动日期请用 add_days(日期, 天数)"),
    "eval.power-whole": _("a power must be a whole number", "乘方的指数必须是整数"),
    "eval.needs-list": _("{name}() needs a list, got {got}", "{name}() 需要列表，实为{got}"),
    "eval.empty": _("{name}() of an empty list", "{name}() 的列表为空"),
    "eval.round-places": _("round() takes 0 to 12 decimal places", "round() 的小数位数只能是 0 到 12"),
    "eval.not-a-date": _("{value} is not a date (write 2021-06-30)", "{value} 不是日期（请写成 2021-06-30）"),
    "eval.add-days-date": _("add_days() needs a date, got {got}", "add_days() 需要日期，实为{got}"),
    "eval.add-days-whole": _("add_days() needs a whole number of days", "add_days() 的天数必须是整数"),
    "eval.days-between": _("days_between() needs two dates", "days_between() 需要两个日期"),
    "eval.wrong-kind": _("values of the wrong kind; is an optional input empty?", "值的类型不对；是否有可选输入为空？"),
    "eval.too-large": _("the computation grew too large", "计算量过大"),
    "eval.other": _("the computation failed ({kind})", "计算失败（{kind}）"),
    "eval.compare-empty": _("cannot compare an empty value", "无法比较空值"),
    "eval.in-empty": _("'in' needs a list, got an empty value", "in 需要列表，实为空值"),
    "eval.empty-value": _("{name}() of an empty value", "{name}() 中有空值"),
    "eval.date-parts": _("date() needs whole numbers, got {got}", "date() 需要整数，实为{got}"),
    "eval.date-text": _(
        "date() needs text such as '2021-06-30', got {got}", "date() 需要形如 '2021-06-30' 的文本，实为{got}"
    ),
    "eval.not-a-real-date": _("{value} is not a real date", "{value} 不是实际存在的日期"),
    "eval.needs-date": _("{name}() needs a date, got {got}", "{name}() 需要日期，实为{got}"),
    "eval.needs-whole": _("{name}() needs a whole number", "{name}() 需要整数"),
    "eval.calendar": _(
        "{name}() went past the calendar (years 1 to 9999)", "{name}() 超出了日历范围（公元 1 年至 9999 年）"
    ),
    "eval.field-name": _("{name}() needs a field name", "{name}() 需要字段名"),
    "eval.within-bounds": _("within() needs both bounds, got an empty value", "within() 需要上下两个界限，实为空值"),
    "eval.no-tier": _("{value} is outside every tier of the table", "{value} 不在分档表的任何一档中"),
    "eval.share-of-none": _("{name}: share of no members", "{name}：没有成员，无法计算占比"),
    # -- records (engine/runtime) ------------------------------------------------------------
    "record.missing": _("field {field} ({label}) is missing", "字段 {field}（{label}）缺失"),
    "record.missing/unlabelled": _("field {field} is missing", "字段 {field} 缺失"),
    "record.missing/needed": _(
        "field {field} ({label}) is missing but a rule needs it", "字段 {field}（{label}）缺失，但有规则需要它"
    ),
    "record.missing/needed/unlabelled": _(
        "field {field} is missing but a rule needs it", "字段 {field} 缺失，但有规则需要它"
    ),
    "record.invalid": _("field {field} ({label}) {reason}", "字段 {field}（{label}）取值无效：{reason}"),
    "record.invalid/unlabelled": _("field {field} {reason}", "字段 {field} 取值无效：{reason}"),
    # issue 12: a refused value read from a sheet names its cell, from a CSV file its line and column
    "record.invalid/cell": _(
        "field {field} ({label}), cell {cell}: {reason}", "字段 {field}（{label}）的单元格 {cell} 取值无效：{reason}"
    ),
    "record.invalid/unlabelled-cell": _(
        "field {field}, cell {cell}: {reason}", "字段 {field} 的单元格 {cell} 取值无效：{reason}"
    ),
    "record.invalid/line": _(
        "field {field} ({label}) on line {line}, column {column}: {reason}",
        "字段 {field}（{label}）第 {line} 行第 {column} 列取值无效：{reason}",
    ),
    "record.invalid/unlabelled-line": _(
        "field {field} on line {line}, column {column}: {reason}",
        "字段 {field} 第 {line} 行第 {column} 列取值无效：{reason}",
    ),
    "record.members": _(
        "{name} is computed from the members of {entity}",
        "{name} 由 {entity} 的成员汇总得出",
        "evaluate {entity} from its members' records (kaohe evaluate --members FILE)",
        "请用成员的记录评价 {entity}（kaohe evaluate --members 文件）",
    ),
    "record.members-rejected": _(
        "{count} of {total} member records of {entity} ({label}) '{group}' were rejected ({names}); "
        "the {entity} is not judged as if they did not exist",
        "{label}（{entity}）「{group}」的 {total} 条成员记录中有 {count} 条被拒绝（{names}），不能当作没有这些成员来评定",
        "fix those member records, or declare members: {{rejected: fail}} or {{rejected: exclude}} in the policy",
        "请改正这些成员记录，或在政策的 members 中声明 rejected: fail（记为不合格）或 rejected: exclude（不计）",
    ),
    "record.compute": _("cannot compute {name}: {reason}", "无法计算 {name}：{reason}"),
    "record.compute/members": _("cannot compute {name} from members: {reason}", "无法由成员汇总计算 {name}：{reason}"),
    "record.compute/decide": _("cannot decide the grade or consequences: {reason}", "无法判定等级或后果：{reason}"),
    "record.name": _("'{name}' has no value", "「{name}」没有值"),
    "record.shape": _("a record must be a mapping of fields, got {kind}", "每条记录必须是字段的映射，实为 {kind}"),
    "record.group": _(
        "member records without '{by}' belong to no {entity}", "缺少「{by}」的成员记录不属于任何 {entity}"
    ),
    # -- why a field's value is refused (engine/language/kinds.py), inside record.invalid -----
    "value.empty": _("is empty", "为空"),
    "value.not-a-number": _("{value} is not a number", "{value} 不是数字"),
    "value.not-finite": _("{value} is not a finite number", "{value} 不是有限的数"),
    "value.too-large": _(
        "{value} is too large or too precise (at most about 10**154)",
        "{value} 数值过大或位数过多（至多约 10**154）",
    ),
    "value.not-a-number/digit": _(
        "{value} is not a number: {char} is not a digit 0-9",
        "{value} 不是数字：{char} 不是 0-9 的数字",
        "write the number with the digits 0-9 (full-width ０-９ are read too); a footnote mark goes in another column",
        "请用 0-9 书写数字（全角 ０-９ 也可）；脚注标记请写在其他列",
    ),
    "value.not-a-number/comma": _(
        "{value} is not a number: a comma is not a decimal point",
        "{value} 不是数字：逗号不能作小数点",
        "write the decimal point as '.': 60.5",
        "小数点请写作“.”：60.5",
    ),
    "value.percent": _(
        "{value} has a percent sign, but this field is not a percentage",
        "{value} 带有百分号，但该字段不是百分比",
        'write the number alone (a policy makes an input a ratio with unit: "%")',
        "请只写数字（只有政策声明为百分比的输入项才接受百分号）",
    ),
    "value.list-comma": _(
        "{value}: a comma in a list of numbers may be a decimal comma or a separator",
        "{value}：数字列表中的逗号既可能是小数点也可能是分隔符",
        "separate the items with ';' (60.5;70) or write [60.5, 70]",
        "请用“;”分隔各项（60.5;70），或写成 [60.5, 70]",
    ),
    "value.yes-no-not-number": _("expected a number, got a yes/no value", "应为数字，实为是/否"),
    "value.number-kind": _("expected a number, got {kind}", "应为数字，实为 {kind}"),
    "value.not-whole": _("expected a whole number, got {value}", "应为整数，实为 {value}"),
    "value.not-yes-no": _(
        "expected yes/no (true/false, 是/否, 1/0), got {value}", "应为是/否（true/false、是/否、1/0），实为 {value}"
    ),
    "value.not-yes-no/words": _(
        "expected yes/no (true/false, 是/否, 1/0, or {words}), got {value}",
        "应为是/否（true/false、是/否、1/0 或 {words}），实为 {value}",
    ),
    "value.text-kind": _("expected text, got {kind}", "应为文本，实为 {kind}"),
    "value.date-kind": _("expected a date such as 2021-06-30, got {value}", "应为日期（如 2021-06-30），实为 {value}"),
    "value.not-a-date": _(
        "{value} is not a date; write 2021-06-30, 2021/6/30 or 2021年6月30日",
        "{value} 不是日期，请写成 2021-06-30、2021/6/30 或 2021年6月30日",
    ),
    "value.not-a-real-date": _("{value} is not a real date", "{value} 不是真实存在的日期"),
    "value.out-of-range": _("{value} is outside the allowed range {range}", "{value} 超出允许范围 {range}"),
    "value.not-allowed": _("{value} is not one of {allowed}", "{value} 不是可选值之一（{allowed}）"),
    "value.not-allowed/aliases": _(
        "{value} is not one of {allowed} (or {aliases})", "{value} 不是可选值之一（{allowed}；或 {aliases}）"
    ),
    "value.not-a-list": _("is not a valid list; write [1, 2, 3] or 1;2;3", "不是有效的列表，请写成 [1, 2, 3] 或 1;2;3"),
    "value.list-kind": _("expected a list, got {kind}", "应为列表，实为 {kind}"),
    "value.too-many-items": _("has {count} items, more than {limit}", "有 {count} 项，超过上限 {limit}"),
    "value.item": _("item {index}: {reason}", "第{index}项：{reason}"),
    "value.record-kind": _(
        "expected a record with fields {fields}, got {kind}", "应为含字段 {fields} 的记录，实为 {kind}"
    ),
    "value.record-unknown-field": _(
        "has the unknown field '{name}' (fields: {fields})", "有未声明的字段「{name}」（字段有：{fields}）"
    ),
    "value.record-missing-field": _("field '{name}' is missing", "缺少字段「{name}」"),
    "value.record-field": _("field '{name}': {reason}", "字段「{name}」：{reason}"),
    # -- using a policy (engine/runtime/policy.py) ----------------------------------------------
    "usage.entity": _("policy {policy} has no entity '{entity}'", "政策 {policy} 中没有评价对象「{entity}」"),
    "usage.period": _(
        "{day} is outside the effective period of {policy} ({start} to {end})",
        "{day} 不在 {policy} 的有效期内（{start} 至 {end}）",
        "pass as_of= a day inside the period, or allow_outside=True to evaluate anyway",
        "请用 as_of= 指定有效期内的日期，或传 allow_outside=True 强制评价",
    ),
    "usage.period/open": _(
        "{day} is outside the effective period of {policy} ({start} to open-ended)",
        "{day} 不在 {policy} 的有效期内（{start} 起）",
        "pass as_of= a day inside the period, or allow_outside=True to evaluate anyway",
        "请用 as_of= 指定有效期内的日期，或传 allow_outside=True 强制评价",
    ),
    "usage.group-by": _("'{name}' is not an input of {entity}", "「{name}」不是 {entity} 的输入"),
    # -- case files (engine/tools/cases.py) -----------------------------------------------------
    "cases.shape": _("a case file needs 'policy:' and a list 'cases:'", "用例文件需要「policy:」和列表「cases:」"),
    "cases.case": _("a case needs name, entity and expect", "每个用例都需要 name、entity 和 expect"),
    "cases.case/record-or-members": _(
        "case '{name}' needs exactly one of record or members", "用例「{name}」需要 record 或 members，且只能有其一"
    ),
    "cases.expect": _(
        "case '{name}': unknown expectation(s) {unknown}",
        "用例「{name}」：未知的预期项 {unknown}",
        "expect: {known}",
        "expect 可用：{known}",
    ),
    "cases.entity": _("case '{name}': no entity '{entity}'", "用例「{name}」：没有评价对象「{entity}」"),
    "cases.as-of": _("as_of: {reason}", "as_of：{reason}"),
    "usage.lang": _(
        "kaohe writes results in zh or en, not {lang}",
        "kaohe 只能用 zh 或 en 写出结果，不能用 {lang}",
        "call to_dict() for the policy's own language, or to_dict(lang='zh') / to_dict(lang='en')",
        "调用 to_dict() 使用政策自己的语言，或用 to_dict(lang='zh') / to_dict(lang='en')",
    ),
    "usage.as-of": _(
        "as_of must be a date or a string such as '2020-01-10', not {value}",
        "as_of 应为日期或形如 '2020-01-10' 的字符串，不能是 {value}",
        "pass as_of=datetime.date(2020, 1, 10) or as_of='2020-01-10'",
        "请传 as_of=datetime.date(2020, 1, 10) 或 as_of='2020-01-10'",
    ),
    "usage.loader": _(
        "loader must be a function of the extends reference, not {kind}",
        "loader 应为以 extends 引用为参数的函数，不能是 {kind}",
        "pass loader=lambda ref: texts.get(ref), returning YAML text, a mapping or None",
        "请传 loader=lambda ref: texts.get(ref)，返回 YAML 文本、映射或 None",
    ),
    "record.ambiguous": _(
        "'{first}' and '{second}' both give the field {field}, with different values",
        "「{first}」和「{second}」都给出字段 {field}，且取值不同",
        "keep one of the two keys",
        "请只保留其中一个键",
    ),
    "policy.mapping": _("the mapping is not plain data: {parser}", "该映射不是纯数据（解析器原文：{parser}）"),
    "extends.loader": _(
        "the loader could not give {reference}: {kind}: {error}",
        "loader 无法给出 {reference}（{kind}：{error}）",
    ),
    "usage.members": _(
        "entity '{entity}' is not evaluated from members",
        "评价对象「{entity}」不是由成员汇总评价的",
        "declare members: {{entity: ..., by: ...}} in the policy",
        "请在政策中声明 members: {{entity: ..., by: ...}}",
    ),
    # -- input files (engine/io) -----------------------------------------------------------------
    "input.unreadable": _("cannot open the file", "无法打开文件"),
    "input.unreadable/not-found": _("cannot open the file: no such file", "无法打开文件：文件不存在"),
    "input.unreadable/directory": _("cannot open the file: it is a folder", "无法打开文件：这是一个文件夹"),
    "input.unreadable/permission": _("cannot open the file: permission denied", "无法打开文件：没有读取权限"),
    "input.unreadable/parquet": _(
        "cannot read the Parquet file: {reason}", "无法读取 Parquet 文件（读取器原文：{reason}）"
    ),
    "input.unreadable/detail": _("cannot read the detail table: {reason}", "无法读取明细表（读取器原文：{reason}）"),
    # -- kaohe evaluate --detail NAME=FILE (engine/io/tables.py) -------------------------------
    "input.columns": _(
        "the detail table needs the columns {key} and {name}",
        "明细表需要 {key} 和 {name} 两列",
        "one row per item: {key} (the record's key) and {name} (the item)",
        "每项一行：{key}（记录的编号）和 {name}（该项的值）",
    ),
    "input.columns/no-input": _(
        "{entity} has no input '{name}'",
        "{entity} 没有输入「{name}」",
        "--detail NAME=FILE names a list input of the entity",
        "--detail NAME=FILE 中的 NAME 应为评价对象的列表输入",
    ),
    "input.format": _(
        "cannot tell the format of {path}",
        "无法判断 {path} 的格式",
        "use a .jsonl, .json, .csv or .xlsx file",
        "请使用 .jsonl、.json、.csv 或 .xlsx 文件",
    ),
    "input.encoding": _(
        "line {line} is neither UTF-8 nor GBK text and cannot be read",
        "第{line}行既不是 UTF-8 也不是 GBK 编码，无法读取",
        "re-export the sheet, or fix the damaged row",
        "请重新导出表格，或修复损坏的行",
    ),
    "input.encoding/utf-16": _(
        "the file is UTF-16 text, not UTF-8 or GBK",
        "文件是 UTF-16 编码，不是 UTF-8 或 GBK",
        "save it again as 'CSV UTF-8' (or CSV), or as JSON Lines in UTF-8",
        "请另存为「CSV UTF-8」（或 CSV），或 UTF-8 编码的 JSON Lines",
    ),
    "input.encoding/jsonl-line": _(
        "line {line} is not UTF-8",
        "第{line}行不是 UTF-8 编码",
        "JSON Lines files must be UTF-8",
        "JSON Lines 文件必须是 UTF-8 编码",
    ),
    "input.encoding/json": _("the file is not UTF-8", "文件不是 UTF-8 编码"),
    "input.line-too-long": _("line {line} is longer than {mib} MiB", "第{line}行超过 {mib} MiB"),
    "input.line-too-long/item": _(
        "item {index} of the array is longer than {mib} MiB", "数组第{index}项超过 {mib} MiB"
    ),
    "input.too-deep": _(
        "the record at line {line} nests its values more than {limit} levels deep",
        "第{line}行（项）的记录中，值的嵌套超过 {limit} 层",
        "a record holds flat fields and lists of values; fix or remove the nested value",
        "一条记录只含普通字段和数值列表；请改正或删除嵌套的值",
    ),
    "input.field-too-long": _(
        "line {line}: the field {field} is {length} characters long, more than {limit}",
        "第{line}行（项）的字段 {field} 长 {length} 个字符，超过上限 {limit}",
        "check the column or the export; a text field holds a short text",
        "请检查该列或导出过程；文本字段只含简短的文字",
    ),
    "input.field-too-long/id": _(
        "line {line}: the id ({field}) is {length} characters long, more than {limit}",
        "第{line}行（项）的编号（{field}）长 {length} 个字符，超过上限 {limit}",
        "an id is a short code; check the column or the export",
        "编号是简短的代码；请检查该列或导出过程",
    ),
    "input.too-large": _(
        "the .json file is larger than {mib} MiB, which kaohe reads whole",
        ".json 文件超过 {mib} MiB，无法整体读取",
        "write one record per line as JSON Lines (.jsonl): kaohe streams those, however large",
        "请改用 JSON Lines（.jsonl，每行一条记录），kaohe 可流式读取任意大小",
    ),
    "input.cut-line": _(
        "line {line} is the last line and has no line end: the file may be cut short, and this record may hold a cut value",
        "第{line}行是最后一行且没有换行符：文件可能被截断，本条记录的值可能不完整",
        "check that the file was copied or exported whole; with --strict such a record is refused",
        "请确认文件是完整复制或导出的；加 --strict 时此类记录被拒绝",
    ),
    "output.disk-full": _(
        "cannot write {path}: the disk is full",
        "无法写入 {path}：磁盘已满",
        "free some space, or write to another disk",
        "请清理磁盘空间，或写到另一块磁盘",
    ),
    "output.disk-full/quota": _(
        "cannot write {path}: the disk quota is used up",
        "无法写入 {path}：磁盘配额已用完",
        "free some space, or write to another disk",
        "请清理磁盘空间，或写到另一块磁盘",
    ),
    "output.too-large": _(
        "cannot write {path}: the file grew beyond the largest file allowed here (a file size limit, ulimit -f)",
        "无法写入 {path}：文件超过了允许的大小上限（ulimit -f）",
        "raise the limit (ulimit -f), or write to another disk",
        "请提高上限（ulimit -f），或写到另一块磁盘",
    ),
    "output.read-only": _(
        "cannot write {path}: the folder is on a read-only disk",
        "无法写入 {path}：所在磁盘为只读",
        "write to a folder that can be written",
        "请写到可写入的文件夹",
    ),
    "output.denied": _(
        "cannot write {path}: permission denied",
        "无法写入 {path}：没有权限",
        "write to a folder you may write to",
        "请写到你有权限写入的文件夹",
    ),
    "output.is-directory": _(
        "cannot write {path}: it is a folder",
        "无法写入 {path}：这是一个文件夹",
        "give a file name, e.g. DIR/results.jsonl",
        "请给出文件名，例如 目录/结果.jsonl",
    ),
    "output.no-folder": _(
        "cannot write {path}: its folder does not exist",
        "无法写入 {path}：所在文件夹不存在",
        "create the folder first, or fix the path",
        "请先创建该文件夹，或改正路径",
    ),
    "output.no-folder/not-a-folder": _(
        "cannot write {path}: a part of its path is a file, not a folder",
        "无法写入 {path}：路径中的某一部分是文件而不是文件夹",
        "fix the path: every part before the file name must be a folder",
        "请改正路径：文件名之前的每一部分都必须是文件夹",
    ),
    "output.write-failed": _(
        "cannot write {path}: {reason}",
        "无法写入 {path}（系统原文：{reason}）",
        "check the disk and the folder",
        "请检查磁盘和文件夹",
    ),
    "input.json": _("line {line} is not valid JSON: {parser}", "第{line}行不是有效的 JSON（解析器原文：{parser}）"),
    "input.json/not-object": _("line {line} is not a JSON object", "第{line}行不是 JSON 对象"),
    "input.json/file": _(
        "the file is not valid JSON: {parser}",
        "文件不是有效的 JSON（解析器原文：{parser}）",
        "a .json input is one array of records; use .jsonl for one record per line",
        ".json 输入是一个记录数组；每行一条记录请用 .jsonl",
    ),
    "input.json/not-array": _("a .json input must be an array of records", ".json 输入必须是记录数组"),
    "input.json/item": _("item {index} of the array is not an object", "数组第{index}项不是对象"),
    "input.csv": _("line {line}: {parser}", "第{line}行无法读取（解析器原文：{parser}）"),
    "input.csv/header": _("cannot read the header: {parser}", "无法读取表头（解析器原文：{parser}）"),
    "input.csv/same-field": _(
        "columns {first} and {column} both give the field {field}; kaohe cannot tell which to use",
        "第{first}列和第{column}列都对应字段 {field}，无法判断用哪一列",
        "delete or rename one of the two columns",
        "请删除其中一列或改名",
    ),
    "input.csv/quote": _(
        'line {line} opens a quote (") that is not closed on that line; lines {next} to {last} are read on their own',
        '第{line}行的引号（"）在该行没有闭合；第{next}至{last}行按各自的行读取',
        'close the quote (") or remove it, then read the file again',
        '请补上或删除引号（"），再重新读取',
    ),
    "input.csv/quote-error": _(
        'line {line} cannot be read ({parser}): a quote (") is probably never closed; '
        "lines {next} to {last} are read on their own",
        '第{line}行无法读取（解析器原文：{parser}）：可能有引号（"）没有闭合；第{next}至{last}行按各自的行读取',
        'close the quote (") or remove it, then read the file again',
        '请补上或删除引号（"），再重新读取',
    ),
    "input.duplicate-key": _(
        "line {line} gives the field {field} twice",
        "第{line}行两次给出字段 {field}",
        "keep one of the two values; kaohe cannot tell which is meant",
        "请只保留其中一个值；kaohe 无法判断应取哪一个",
    ),
    "input.duplicate-key/item": _(
        "item {index} of the array gives the field {field} twice",
        "数组第{index}项两次给出字段 {field}",
        "keep one of the two values; kaohe cannot tell which is meant",
        "请只保留其中一个值；kaohe 无法判断应取哪一个",
    ),
    "input.duplicate-id/item": _(
        "item {line} of the array repeats {field} {id}, first given in item {first}",
        "数组第{line}项的 {field} {id} 与第{first}项重复",
        "remove one of the two records, or declare the entity unique_key: false if one key may have several records",
        "请删去其中一条记录；若同一编号可有多条记录，请在实体中声明 unique_key: false",
    ),
    "input.duplicate-id": _(
        "line {line} repeats {field} {id}, first given on line {first}",
        "第{line}行的 {field} {id} 与第{first}行重复",
        "remove one of the two records, or declare the entity unique_key: false if one key may have several records",
        "请删去其中一条记录；若同一编号可有多条记录，请在实体中声明 unique_key: false",
    ),
    "input.ragged": _(
        "line {line} has {cells} cells but the header has {width}",
        "第{line}行有 {cells} 个单元格，表头只有 {width} 列",
        "a value probably contains an unquoted comma",
        "可能有值中含有未加引号的逗号",
    ),
    "input.ragged/xlsx": _(
        "row {line} has a value in column {column}, beyond the last header column {last}",
        "第{line}行在 {column} 列有值，超出了最后一个有表头的列 {last}",
        "give that column a header, or clear the cell",
        "请给该列加上表头，或清空该单元格",
    ),
    "input.xlsx": _(
        "cannot read the workbook ({reader})",
        "无法读取工作簿（读取器原文：{reader}）",
        "save it again in Excel as 'Excel Workbook (*.xlsx)', or as CSV UTF-8",
        "请在 Excel 中另存为「Excel 工作簿（*.xlsx）」，或 CSV UTF-8",
    ),
    "input.xlsx/xls": _(
        "cannot read the workbook ({reader})",
        "无法读取工作簿（读取器原文：{reader}）",
        "this is an old .xls workbook; save it again in Excel as 'Excel Workbook (*.xlsx)', or as CSV UTF-8",
        "这是旧的 .xls 工作簿；请在 Excel 中另存为「Excel 工作簿（*.xlsx）」，或 CSV UTF-8",
    ),
    "input.xlsx/openpyxl": _(
        "reading and writing .xlsx files needs the optional package openpyxl, which is not installed",
        "读写 .xlsx 文件需要可选的 openpyxl 包，但它没有安装",
        "pip install 'kaohe[xlsx]'  (or save the sheet as CSV UTF-8 and read that)",
        "pip install 'kaohe[xlsx]'（或把表格另存为 CSV UTF-8 再读取）",
    ),
    "input.xlsx/no-sheets": _("the workbook has no sheets", "工作簿中没有工作表"),
    "input.xlsx/same-field": _(
        "columns {first} and {column} both give the field {field}; kaohe cannot tell which to use",
        "{first} 列和 {column} 列都对应字段 {field}，无法判断用哪一列",
        "delete or rename one of the two columns",
        "请删除其中一列或改名",
    ),
    "input.xlsx/cells": _(
        "row {line}: {cells}",
        "第{line}行：{cells}",
        "fix the formula or the cell in the workbook and read it again",
        "请在工作簿中修正公式或单元格，再重新读取",
    ),
    "input.xlsx/excel-error": _(
        "{header} ({cell}) holds the Excel error {error}", "{header}（{cell}）是 Excel 错误值 {error}"
    ),
    "input.xlsx/no-header": _(
        "cell {cell} has a value but its column has no header", "单元格 {cell} 有值，但所在列没有表头"
    ),
    "input.sheet": _("the workbook has no sheet named '{sheet}'", "工作簿中没有名为「{sheet}」的工作表"),
    # -- hints --------------------------------------------------------------------------------
    "hint.in-list": _(
        "the right side of 'in' must be a list, e.g. x in ['a', 'b']",
        "in 的右边必须是列表，例如 x in ['a', 'b']",
    ),
    "hint.date-as-text": _(
        "write a date as date('2021-06-30'), not as text", "日期请写成 date('2021-06-30')，不要写成文本"
    ),
    "hint.date-order": _(
        "a date compares only with a date; days_between() gives a number of days",
        "日期只能与日期比较；days_between() 给出相隔天数",
    ),
    "hint.where-given": _(
        "keep only the members that give it: where: given({name})",
        "请只保留给出该值的成员：where: given({name})",
    ),
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
    "hint.add-rule": _("add it under rules:", "请在 rules 下添加"),
    "hint.declare-unit": _("declare it under units:", "请在 units 下声明"),
    "hint.declare-name": _("declare it as an input or a value first", "请先把它声明为输入或取值"),
    "hint.functions": _("functions: {names}", "可用的函数：{names}"),
    "hint.fullwidth-operator": _(
        "a full-width character (（）：，％＝＜＞) was typed; use the ASCII one",
        "输入了全角字符（（）：，％＝＜＞），请改用半角",
    ),
    "hint.entities": _("entities: {names}", "评价对象：{names}"),
    "hint.period-cli": _(
        "pass --as-of with a day inside the period, or --allow-outside-period to evaluate anyway",
        "请用 --as-of 指定有效期内的日期，或加 --allow-outside-period 强制评价",
    ),
    "hint.sheets": _("sheets: {names}", "工作表：{names}"),
    "hint.sheets/close": _("did you mean '{suggestion}'? sheets: {names}", "是否应为「{suggestion}」？工作表：{names}"),
    "hint.equals": _("compare with '==', not '='", "比较相等请用「==」，不是「=」"),
    "hint.fullwidth-operator/char": _(
        "'{char}' ({code}) is a full-width or input-method character; write '{ascii}' instead",
        "「{char}」（{code}）是中文输入法打出的全角或特殊字符，请改写为「{ascii}」",
    ),
    "hint.invisible-char": _(
        "character {position} is an invisible {code} ({name}), pasted with the text; delete it",
        "第 {position} 个字符是看不见的 {code}（{name}），是随文字粘贴进来的，请删除",
    ),
    # -- words used inside other texts -----------------------------------------------------
    "word.expression": _("expression", "表达式"),
    "word.grade-condition": _("grade condition", "等级条件"),
    "word.consequence-condition": _("consequence condition", "后果条件"),
    "word.credit-amount": _("credit amount", "学分数额"),
    "word.aggregate": _("aggregate", "汇总表达式"),
    "word.aggregate-filter": _("aggregate filter", "汇总筛选条件"),
    "word.of-type.integer": _("integer", "整数"),
    "word.of-type.decimal": _("decimal", "小数"),
    "word.of-type.ratio": _("ratio", "分数"),
    "word.of-type.days": _("days", "天数"),
    "word.of-type.boolean": _("yes/no", "是/否"),
    "word.of-type.code": _("code ({values})", "代码（{values}）"),
    "word.of-type.text": _("text", "文本"),
    "word.of-type.date": _("date", "日期"),
    "word.of-type.list": _("list of {item}", "{item}列表"),
    "word.of-type.record": _("record ({fields})", "记录（{fields}）"),
    "word.of-type.null": _("an empty value (None)", "空值（None）"),
    "word.of-type.any": _("any", "任意类型"),
    "word.of-type.maybe-empty": _("{type} (may be empty)", "{type}（可能为空）"),
    "word.part.each-side": _("each side of '{op}'", "「{op}」的每一侧"),
    "word.part.if": _("the condition of 'if'", "「if」的条件"),
    "word.part.grade": _("the condition of grade '{code}'", "等级「{code}」的条件"),
    "word.part.consequence": _("the condition of '{id}'", "「{id}」的条件"),
    "word.part.where": _("an aggregate's 'where'", "汇总的 where 条件"),
    "word.part.over": _("'over' of aggregate '{aggregate}'", "汇总「{aggregate}」的 over"),
    "word.part.places": _("{name}'s places", "{name} 的小数位数"),
    "word.part.year": _("{name}'s year", "{name} 的年份"),
    "word.part.month": _("{name}'s month", "{name} 的月份"),
    "word.part.day": _("{name}'s day", "{name} 的日"),
    "word.part.count": _("{name}'s count", "{name} 的数量"),
    "word.kind.empty": _("an empty value", "空值"),
    "word.kind.yes-no": _("yes/no", "是/否"),
    "word.kind.text": _("text {value}", "文本 {value}"),
    "word.kind.list": _("a list", "列表"),
    "word.kind.number": _("a number", "数字"),
    "word.kind.mapping": _("a mapping", "映射"),
    "word.kind.date": _("a date", "日期"),
    "word.kind.other": _("{name}", "{name}"),
    "word.type.string": _("string", "文本"),
    "word.type.number": _("number", "数字"),
    "word.type.integer": _("integer", "整数"),
    "word.type.boolean": _("boolean", "是/否"),
    "word.type.array": _("array", "列表"),
    "word.type.object": _("object", "映射"),
    "word.type.null": _("null", "空值"),
    # -- the command line's own sentences (engine/base/messages.py: cli_text) ------------------
    "cli.summary": _(
        "kaohe: {total} record(s): {evaluated} evaluated, {rejected} rejected",
        "kaohe：共 {total} 条记录，已评价 {evaluated} 条，拒绝 {rejected} 条",
    ),
    "cli.validate-ok": _(
        "{path}: ok ({id} {version}: {rules} rules, {entities} entities: {names}{layers})",
        "{path}：通过（{id} {version}：{rules} 条规则，{entities} 个评价对象：{names}{layers}）",
    ),
    "cli.built-on": _(", built on {base}", "，基于 {base}"),
    "cli.cases-ok": _("{path}: ok ({count} test cases for {id})", "{path}：通过（{id} 的 {count} 个测试用例）"),
    "cli.policy-invalid": _("kaohe: policy invalid ({count} problem(s))", "kaohe：政策文件有 {count} 处问题"),
    "cli.unknown-column": _(
        "{path}: column '{header}' is not an input of {entity} and is not read{hint}",
        "{path}：列「{header}」不是 {entity} 的输入，不会读取{hint}",
    ),
    "cli.unknown-column-hint": _("; did you mean '{suggestion}'?", "；是否应为「{suggestion}」？"),
    "cli.missing-column": _(
        "{path}: no column for the required input {name}: add a column '{header}'",
        "{path}：缺少必填输入 {name} 的列，请添加列「{header}」",
    ),
    "cli.lint-count": _("{path}: {count} warning(s)", "{path}：{count} 条警告"),
    "lint.unreachable-level": _(
        "grade level '{level}' of {entity} can never be reached: every record that meets `{condition}` already "
        "meets the earlier level '{earlier}' (`{earlier_condition}`)",
        "{entity} 的等级「{level}」永远不会被评到：满足 `{condition}` 的记录都已满足前面的等级「{earlier}」（`{earlier_condition}`）",
        "put the stricter level first",
        "请把条件更严的等级放在前面",
    ),
    "lint.unreachable-level/example": _(
        "grade level '{level}' of {entity} can never be reached: every record that meets `{condition}` already "
        "meets the earlier level '{earlier}' (`{earlier_condition}`); for example {example} meets it and gets "
        "'{earlier}'",
        "{entity} 的等级「{level}」永远不会被评到：满足 `{condition}` 的记录都已满足前面的等级「{earlier}」"
        "（`{earlier_condition}`）；例如记录 {example} 满足它，却被评为「{earlier}」",
        "put the stricter level first",
        "请把条件更严的等级放在前面",
    ),
    "lint.unreachable-level/false": _(
        "grade level '{level}' has a condition that is always false", "等级「{level}」的条件永远不成立"
    ),
    "lint.never-fires": _(
        "consequence '{consequence}' can never fire: its condition is always false",
        "后果「{consequence}」永远不会发生：其条件永远不成立",
    ),
    "lint.never-fires/grade": _(
        "consequence '{consequence}' needs grade '{grade}', which no record can reach",
        "后果「{consequence}」需要等级「{grade}」，而没有记录能评到该等级",
    ),
    "lint.percent-as-ratio": _(
        "`{text}` compares the ratio {name} with {number}: a ratio is at most 1 where the document's percentages "
        "are meant",
        "`{text}` 把比例 {name} 与 {number} 比较：比例至多为 1，这里应写文件中的百分比对应的小数",
        "did you mean {ratio}? (40% is 0.40)",
        "是否应为 {ratio}？（40% 写作 0.40）",
    ),
    "lint.percent-as-ratio/tiers": _(
        "the tiers of {name} look up the ratio {text} but have bounds up to {number}",
        "{name} 的分档按比例 {text} 查表，但分档上限写到了 {number}",
        "write 40% as 0.40 in tier bounds",
        "分档边界中的 40% 请写作 0.40",
    ),
    "lint.unread-input": _(
        "input '{name}' of {entity} is read by no rule",
        "{entity} 的输入「{name}」没有被任何规则读取",
        "remove it, or use it in the rule it belongs to",
        "请删除它，或在它所属的规则中使用它",
    ),
    "lint.rule-not-encoded": _(
        "rule {rule_id} is in the catalogue but no element encodes it",
        "规则 {rule_id} 在规则目录中，但没有任何元素编码它",
        "fine for a descriptive rule; say so in its note",
        "描述性规则可以如此；请在其 note 中说明",
    ),
    "prove.solver": _(
        "kaohe prove needs the SMT solver z3, which is not installed",
        "kaohe 的证明功能需要 SMT 求解器 z3，但它没有安装",
        "pip install 'kaohe[prove]'",
        "请运行 pip install 'kaohe[prove]'",
    ),
    "prove.cannot-encode": _("cannot encode {reason}", "无法编码：{reason}（求解器原文）"),
    "prove.undecided": _("{reason}", "未能判定：{reason}（求解器原文）"),
    "prove.gave-up": _("the solver gave up ({reason})", "求解器放弃了（{reason}）"),
    "prove.unconfirmed": _(
        "no confirmed record for a change the solver allows", "求解器认为可能有变化，但没有找到经引擎确认的记录"
    ),
    "prove.tiers-gap": _(
        "a record whose {text} falls in no row of the table", "存在一条记录，其 {text} 不落在分档表的任何一档"
    ),
    "prove.gaps": _("gaps: {reason}", "空档未能判定：{reason}"),
    "prove.tiers-one-row": _(
        "every accepted record's {text} falls in exactly one row", "每条被接受的记录，其 {text} 恰好落在一档"
    ),
    "prove.overlaps": _("overlaps: {reason}", "重叠未能判定：{reason}"),
    "prove.overlaps/two-rows": _("overlaps: two rows can both hold", "重叠：两档可能同时成立"),
    "prove.level-given": _("grade '{level}' is given to this record", "这条记录被评为「{level}」"),
    "prove.level-avoided": _("grade '{level}' is avoided by this record", "这条记录没有被评为「{level}」"),
    "prove.level-unreachable": _(
        "no accepted record gets grade '{level}' (levels in order: {levels})",
        "没有任何被接受的记录能被评为「{level}」（等级依次为：{levels}）",
    ),
    "prove.level-unavoidable": _(
        "every accepted record gets grade '{level}' (levels in order: {levels})",
        "每条被接受的记录都被评为「{level}」（等级依次为：{levels}）",
    ),
    "prove.follows": _("consequence '{consequence}' follows for this record", "这条记录引起后果「{consequence}」"),
    "prove.does-not-follow": _(
        "consequence '{consequence}' does not follow for this record", "这条记录不引起后果「{consequence}」"
    ),
    "prove.never-follows": _(
        "consequence '{consequence}' follows for no accepted record", "没有任何被接受的记录会引起后果「{consequence}」"
    ),
    "prove.always-follows": _(
        "consequence '{consequence}' follows for every accepted record", "每条被接受的记录都会引起后果「{consequence}」"
    ),
    "prove.property-kind": _("properties of kind {kind} are not encoded yet", "尚不能编码 {kind} 类的承诺"),
    "prove.property-holds": _("holds for every pair of accepted records {note}", "对每一对被接受的记录都成立 {note}"),
    "prove.property-broken": _(
        "raising {name} lowers the grade from '{before}' to '{after}' {note}",
        "提高 {name} 反而使等级从「{before}」降为「{after}」 {note}",
    ),
    "prove.property-broken/lowering": _(
        "lowering {name} lowers the grade from '{before}' to '{after}' {note}",
        "降低 {name} 反而使等级从「{before}」降为「{after}」 {note}",
    ),
    "prove.same/grade": _(
        "both versions give every accepted record the same grade", "两个版本对每条被接受的记录给出相同的等级"
    ),
    "prove.same/credits": _(
        "both versions give every accepted record the same credits", "两个版本对每条被接受的记录给出相同的学分"
    ),
    "prove.same/sanctions": _(
        "both versions give every accepted record the same sanctions", "两个版本对每条被接受的记录给出相同的处分"
    ),
    "prove.changes/grade": _(
        "grade changes from {before} to {after} for this record", "这条记录的等级从 {before} 变为 {after}"
    ),
    "prove.changes/credits": _(
        "credits change from {before} to {after} for this record", "这条记录的学分从 {before} 变为 {after}"
    ),
    "prove.changes/sanctions": _(
        "sanctions change from {before} to {after} for this record", "这条记录的处分从 {before} 变为 {after}"
    ),
    "cli.signalled": _(
        "kaohe: stopped by {signal}; any --output file is left as it was",
        "kaohe：收到 {signal} 信号，已停止；--output 文件保持原样",
    ),
    "cli.stale-temp": _(
        "kaohe: removed {path}, a temporary file left by an earlier run that was killed",
        "kaohe：已删除此前被强行终止的运行遗留的临时文件 {path}",
    ),
    "cli.normalised": _(
        "kaohe: {count} value(s) read from another spelling: {kinds}",
        "kaohe：{count} 个值按其他写法读取：{kinds}",
    ),
    "cli.normalised-full-width": _("full-width digits {count}", "全角数字 {count} 个"),
    "cli.normalised-thousands": _("thousands separators {count}", "千位分隔符 {count} 个"),
    "cli.normalised-date-form": _("dates not written as 2021-06-30 {count}", "非 2021-06-30 格式的日期 {count} 个"),
    "cli.normalised-gbk": _("lines decoded as GBK {count}", "按 GBK 解码的行 {count} 行"),
    "cli.cut-summary": _(
        "kaohe: warning: {path} line {line} has no line end; the file may be cut short (record {record})",
        "kaohe：警告：{path} 第{line}行没有换行符，文件可能被截断（第{record}条记录）",
    ),
    "cli.interrupted": _(
        "kaohe: interrupted; any --output file is left as it was", "kaohe：已中断；--output 文件保持原样"
    ),
    "cli.engine-row-only": _(
        "kaohe: --engine {engine} evaluates --input files without --trace; using the row engine",
        "kaohe：--engine {engine} 只用于不带 --trace 的 --input 文件；本次使用逐条引擎",
    ),
    "cli.detail-form": _("--detail takes NAME=FILE, got '{item}'", "--detail 的格式应为 NAME=FILE，实为「{item}」"),
    "cli.parquet-needs-files": _(
        "--format parquet needs --input FILE and --output FILE.parquet",
        "--format parquet 需要 --input FILE 和 --output FILE.parquet",
    ),
    "cli.parquet-needs-output": _(
        "--format parquet needs --output FILE.parquet", "--format parquet 需要 --output FILE.parquet"
    ),
    "cli.sql-dialect": _(
        "unknown SQL dialect '{dialect}' (sqlglot's names: duckdb, spark, trino, postgres, ...)",
        "未知的 SQL 方言「{dialect}」（sqlglot 的名称：duckdb、spark、trino、postgres 等）",
    ),
    # -- the columnar engine's notices (engine/io/tables.py) and its reasons (engine/columnar/plan.py)
    "columnar.row-engine": _(
        "kaohe: entity {entity} runs on the row engine because the columnar plan cannot express {reason}",
        "kaohe：评价对象 {entity} 改用逐条引擎，因为列式计划无法表达：{reason}",
    ),
    # -- the Spark engine (engine/columnar/spark.py, engine/columnar/spark_submit.py) --------------
    "columnar.spark-missing": _(
        "--engine spark needs pyspark, which is not installed",
        "--engine spark 需要 pyspark，但它没有安装",
        "pip install 'kaohe[spark]' (pyspark; Spark also needs Java 17 or later)",
        "请运行 pip install 'kaohe[spark]'（即 pyspark；Spark 还需要 Java 17 或更高版本）",
    ),
    "columnar.spark-java": _(
        "--engine spark needs Java (17 or later), and no java command was found",
        "--engine spark 需要 Java（17 或更高版本），但找不到 java 命令",
        "install a JDK (on Debian or Ubuntu: apt-get install openjdk-17-jre-headless), or set JAVA_HOME",
        "请安装 JDK（Debian 或 Ubuntu 上：apt-get install openjdk-17-jre-headless），或设置 JAVA_HOME",
    ),
    "columnar.spark-start": _(
        "Spark could not start: {reason}",
        "Spark 无法启动（原文：{reason}）",
        "check --master and that Java 17 or later is installed",
        "请检查 --master 的取值，并确认已安装 Java 17 或更高版本",
    ),
    "columnar.spark-plan": _(
        "entity {entity} cannot run on Spark because the columnar plan cannot express {reason}",
        "评价对象 {entity} 无法在 Spark 上评价，因为列式计划无法表达：{reason}",
        "evaluate it with kaohe evaluate --engine row",
        "请用 kaohe evaluate --engine row 评价",
    ),
    "columnar.spark-output": _(
        "give --output PATH (a Parquet folder) or --output-table NAME, not both",
        "请给出 --output 路径（Parquet 文件夹）或 --output-table 表名，二者只取其一",
    ),
    "columnar.spark-failed": _("Spark stopped: {reason}", "Spark 运行中止（原文：{reason}）"),
    "columnar.spark-memory": _(
        "Spark ran out of memory, or its Java process stopped: {reason}",
        "Spark 内存不足，或其 Java 进程已停止（原文：{reason}）",
        "give Spark more memory (a local run: SPARK_DRIVER_MEMORY=8g; a cluster: spark.executor.memory), "
        "or evaluate on one machine with --engine duckdb",
        "请给 Spark 更多内存（本机运行：设 SPARK_DRIVER_MEMORY=8g；集群：设 spark.executor.memory），"
        "或在单机上用 --engine duckdb 评价",
    ),
    "columnar.spark-table": _("cannot read the table: {reason}", "无法读取数据表（原文：{reason}）"),
    "columnar.spark-input": _(
        "give --input PATH (Parquet) or --table NAME (a Hive table), not both",
        "请给出 --input 路径（Parquet）或 --table 表名（Hive 表），二者只取其一",
    ),
    "columnar.constant": _("the constant {value}", "常量 {value}"),
    "columnar.bound": _("numbers that could grow beyond 10**36", "可能超过 10**36 的数"),
    "columnar.number-column": _("a number column of type {type}", "类型为 {type} 的数字列"),
    "columnar.column": _("{name}: a {type} read from a column of kind {kind}", "{name}：从 {kind} 类型的列读取 {type}"),
    "columnar.input-type": _("{name}: inputs of type {type}", "{name}：类型为 {type} 的输入"),
    "columnar.node": _("{node} in an expression", "表达式中的 {node}"),
    "columnar.name": _("the name {name}", "名称 {name}"),
    "columnar.condition": _("a condition that is not yes/no", "不是是/否的条件"),
    "columnar.sign": _("a sign on a non-number", "非数字的正负号"),
    "columnar.arithmetic": _("arithmetic on non-numbers", "非数字的算术运算"),
    "columnar.operator": _("the operator {op}", "运算符 {op}"),
    "columnar.in-constants": _("'in' over something other than constants", "in 的右边不是常量"),
    "columnar.in-text": _("'in' over non-text", "对非文本使用 in"),
    "columnar.compare-kinds": _(
        "a comparison of values of different or unordered kinds", "比较类型不同或无大小顺序的值"
    ),
    "columnar.if-kinds": _("an 'if' whose branches differ in kind", "两个分支类型不同的条件表达式"),
    "columnar.call": _("this call", "这种函数调用"),
    "columnar.argument": _("{name}() of this argument", "以这种参数调用 {name}()"),
    "columnar.cap": _("capped_sum() with a computed cap", "上限为计算值的 capped_sum()"),
    "columnar.cap/finer": _("capped_sum() with a cap finer than the list", "上限比列表数值更精细的 capped_sum()"),
    "columnar.function": _("the function {name}()", "函数 {name}()"),
    "columnar.computed-constant": _("a computed constant", "计算出的常量"),
    "columnar.unknown-kind": _("a value of unknown kind", "类型未知的值"),
    "columnar.members": _("aggregates over members", "对成员的汇总"),
    "columnar.members-key": _("members grouped by {name}, which is not text", "按非文本的 {name} 对成员分组"),
    "columnar.schedule": _("a rollout schedule it cannot join on the record's key", "无法按记录的键连接的分批实施安排"),
    "columnar.default": _("the default of {name}", "{name} 的默认值"),
    "columnar.tiers": _("a tier table over non-numbers", "非数字的分档表"),
    "columnar.tiers/mixed": _("a tier table of mixed values", "取值类型混杂的分档表"),
    "columnar.credit": _("a credit amount that is not a number", "不是数字的学分数额"),
    "columnar.reported-list": _("a reported list", "输出的列表值"),
    # -- progress bars (engine/io/progress.py): a label, then the time left ------------------
    "cli.progress.evaluate": _("evaluating {name}", "正在评估 {name}"),
    "cli.progress.members": _("evaluating {name} from its members", "正在按成员评估 {name}"),
    "cli.progress.read": _("reading {name}", "正在读取 {name}"),
    "cli.progress.report": _("reading {name} for the report", "正在为报告读取 {name}"),
    "cli.progress.diff": _("comparing on {name}", "正在用 {name} 比较两个版本"),
    "cli.progress.check": _("checking {name}", "正在检查 {name}"),
    "cli.progress.test": _("running tests", "正在运行测试"),
    "cli.progress.prove": _("proving {name}", "正在证明 {name}"),
    "cli.progress.left": _(" ({eta} left)", "（剩余 {eta}）"),
    # -- kaohe test, report, fmt and the internal-error lines (cli.py) ------------------------
    "cli.test.ok": _("  ok    {tag}{name}", "  通过  {tag}{name}"),
    "cli.test.fail": _("  FAIL  {tag}{name}  ({location})", "  失败  {tag}{name}（{location}）"),
    "cli.test.expected": _(
        "        {what}: expected {expected}, got {got}", "        {what}：应为 {expected}，实为 {got}"
    ),
    "cli.test.summary": _(
        "{count} case file(s): {passed} passed, {failed} failed", "{count} 个用例文件：{passed} 个通过，{failed} 个失败"
    ),
    "cli.test.coverage-low": _("kaohe: coverage below {percent}% for: {ids}", "kaohe：覆盖率低于 {percent}%：{ids}"),
    "cli.report.not-grouped": _(
        "kaohe: warning: no record has an input or a column '{group}'; the report is not grouped",
        "kaohe：警告：没有记录带有输入项或列「{group}」，报告未分组",
    ),
    "cli.report.wrote": _("wrote {path}", "已写入 {path}"),
    "cli.report.rosters": _("wrote {count} roster files in {folder}", "已在 {folder} 写入 {count} 份名册"),
    # issue 12: the report counts the values read from another spelling, like the run summary
    "cli.report.normalised": _("Values read from another spelling", "按其他写法读取的值"),
    "cli.report.normalised-note": _(
        "{count} value(s) in the input were not written in the plain spelling and were read as the value they "
        "spell; check the source file if a count is unexpected.",
        "输入中有 {count} 个值不是标准写法，已按其所表示的值读取；如数量出乎意料，请核对源文件。",
    ),
    "cli.report.normalised-none": _(
        "Every value was written in the plain spelling; none was converted.", "所有值均为标准写法，未作转换。"
    ),
    "cli.report.normalised-kind": _("Spelling", "写法"),
    "cli.report.normalised-count": _("Values", "个数"),
    "cli.report.normalised.full-width": _("full-width digits (３５ read as 35)", "全角数字（３５ 读作 35）"),
    "cli.report.normalised.thousands": _("thousands separators (1,200 read as 1200)", "千位分隔符（1,200 读作 1200）"),
    "cli.report.normalised.date-form": _(
        "dates not written as 2021-06-30 (2021/6/30, 2021年6月30日)",
        "非 2021-06-30 格式的日期（2021/6/30、2021年6月30日）",
    ),
    "cli.report.normalised.gbk": _("lines of a CSV file decoded as GBK", "按 GBK 编码读取的 CSV 行"),
    "cli.fmt.would": _("would reformat {path}", "需要重排 {path}"),
    "cli.fmt.done": _("reformatted {path}", "已重排 {path}"),
    "cli.fmt.summary": _(
        "kaohe fmt: {count} of {total} file(s) would change; run `kaohe fmt` on them",
        "kaohe fmt：{total} 个文件中有 {count} 个需要重排；请对它们运行 `kaohe fmt`",
    ),
    "cli.internal": _("kaohe: internal error: {kind}: {error}", "kaohe：内部错误：{kind}：{error}"),
    "cli.internal-hint": _(
        "kaohe: this is a bug in kaohe; set KAOHE_DEBUG=1 for details and report it",
        "kaohe：这是 kaohe 的缺陷；设置 KAOHE_DEBUG=1 可看详情，请报告此问题",
    ),
    # -- kaohe's own usage errors, shown by click after "Error:" (cli.py) ---------------------
    "cli.usage.input-or-members": _(
        "give exactly one of --input or --members", "--input 和 --members 须给出且只给出其一"
    ),
    "cli.usage.xlsx-output": _("--format xlsx needs --output FILE.xlsx", "--format xlsx 需要 --output 文件.xlsx"),
    "cli.usage.xlsx-members": _(
        "--format xlsx works with --input; with --members use jsonl, json, csv or table",
        "--format xlsx 只能与 --input 连用；用 --members 时请选 jsonl、json、csv 或 table",
    ),
    "cli.usage.members-differ": _("these levels have different members ({names})", "这些层级的成员不同（{names}）"),
    "cli.usage.no-cases": _(
        "no case files found (they are named <policy>.tests.yaml)", "没有找到用例文件（文件名应为 <政策>.tests.yaml）"
    ),
    "cli.usage.diff-needs": _(
        "diff needs --entity and --input (or --prove)", "diff 需要 --entity 和 --input（或 --prove）"
    ),
    "cli.usage.record-json": _("not valid JSON: {error}", "不是有效的 JSON：{error}"),
    "cli.usage.no-entity": _("no entity {entity!r} in {path}", "{path} 中没有对象 {entity!r}"),
    # -- the tools', the service's and the API's own sentences, in both languages (task: voice) ---
    # tools (engine/tools: fmt, check, report, new, schema)
    "file.encoding": _(
        "the file is not valid UTF-8", "文件不是 UTF-8 编码", "save the file as UTF-8", "请把文件另存为 UTF-8 编码"
    ),
    "fmt.yaml": _(
        "{parser}",
        "YAML 格式错误（解析器原文：{parser}）",
        "check the indentation and the ':' after each key",
        "请检查缩进，以及每个键后面的「:」",
    ),
    "fmt.meaning": _(
        "formatting this file would change what it says; it was left as it is",
        "重排会改变此文件的含义，文件保持原样",
        "please report the file; format it by hand meanwhile",
        "请报告此文件；在修复之前请手工整理格式",
    ),
    "usage.check": _(
        "kaohe check needs the package {name}, which is not installed",
        "kaohe check 需要软件包 {name}，但它没有安装",
        "python -m pip install 'kaohe[check]'",
        "请运行 python -m pip install 'kaohe[check]'",
    ),
    "usage.rosters": _(
        "rosters must be auto, inline, split or none, not '{rosters}'",
        "rosters 须为 auto、inline、split 或 none，不能是「{rosters}」",
    ),
    "usage.rosters/render": _(
        "render_report writes rosters inline or none, not '{rosters}'",
        "render_report 只能写 inline 或 none 的名册，不能写「{rosters}」",
        "write split rosters with write_report",
        "分文件的名册请用 write_report 写出",
    ),
    "usage.group-by/several": _(
        "'{name}' is the label of several inputs of {entity}: {inputs}",
        "「{name}」是 {entity} 多个输入项的标签：{inputs}",
        "name the input itself: {inputs}",
        "请直接写输入项的名称：{inputs}",
    ),
    "report.folder": _(
        "{folder} exists and was not written by kaohe; the rosters would go there",
        "{folder} 已存在且不是 kaohe 写的；名册本要写在那里",
        "move it away, or write the report under another name",
        "请把它移走，或给报告另起一个文件名",
    ),
    "report.no-browser": _(
        "PDF output needs a headless Chromium or Chrome, and none was found",
        "输出 PDF 需要无界面的 Chromium 或 Chrome，但没有找到",
        "install one (Debian/Ubuntu: apt-get install chromium), set KAOHE_BROWSER to its path, "
        "or write the report as .html and print it from a browser",
        "请安装一个（Debian/Ubuntu：apt-get install chromium），或把 KAOHE_BROWSER 设为它的路径，"
        "或把报告写成 .html 后用浏览器打印",
    ),
    "report.no-browser/named": _(
        "PDF output needs a headless Chromium or Chrome: KAOHE_BROWSER={browser} is not a program",
        "输出 PDF 需要无界面的 Chromium 或 Chrome：KAOHE_BROWSER={browser} 不是可运行的程序",
        "install one (Debian/Ubuntu: apt-get install chromium), set KAOHE_BROWSER to its path, "
        "or write the report as .html and print it from a browser",
        "请安装一个（Debian/Ubuntu：apt-get install chromium），或把 KAOHE_BROWSER 设为它的路径，"
        "或把报告写成 .html 后用浏览器打印",
    ),
    "report.pdf": _(
        "{browser} could not be started: {error}",
        "无法启动 {browser}：{error}",
        "write the report as .html and print it from a browser",
        "请把报告写成 .html 后用浏览器打印",
    ),
    "report.pdf/timeout": _(
        "{browser} did not finish printing the report within {seconds} s",
        "{browser} 在 {seconds} 秒内没有打印完报告",
        "write the report as .html and print it from a browser",
        "请把报告写成 .html 后用浏览器打印",
    ),
    "report.pdf/no-pdf": _(
        "{browser} did not write a PDF (exit status {status}){detail}",
        "{browser} 没有写出 PDF（退出码 {status}）{detail}",
        "write the report as .html and print it from a browser",
        "请把报告写成 .html 后用浏览器打印",
    ),
    "new.id": _(
        "'{pid}' is not a valid policy id",
        "「{pid}」不是有效的政策编号",
        "lower-case letters, digits and '-', e.g. zhejiang-xx-2023",
        "只能用小写字母、数字和「-」，例如「zhejiang-xx-2023」",
    ),
    "new.exists": _(
        "{path} already exists", "{path} 已存在", "choose another id or pass --force", "请换一个编号，或加 --force 覆盖"
    ),
    "new.base": _(
        "base policy {base} not found: no file {base} here or in {folder}, and no installed policy of that name",
        "找不到基础政策「{base}」：当前目录和 {folder} 中都没有文件「{base}」，也没有这个名称的已安装政策",
        "give a path, or one of the installed policies: {installed} (see `kaohe policies`)",
        "请给出文件路径，或已安装政策之一：{installed}（用 kaohe policies 查看）",
    ),
    # the API (engine/language/layers.py, engine/io/frames.py)
    "usage.policy-source": _(
        "a policy is YAML text or a mapping, not {kind}",
        "政策应是 YAML 文本或映射，不能是 {kind}",
        "pass the policy's text (str) or its data (dict); load_policy() takes a path or a name",
        "请传入政策的文本（str）或数据（dict）；load_policy() 接受路径或名称",
    ),
    "usage.pandas": _(
        "the DataFrame helpers need pandas, which is not installed",
        "DataFrame 辅助函数需要 pandas，但它没有安装",
        "pip install 'kaohe[pandas]'",
        "请运行 pip install 'kaohe[pandas]'",
    ),
    "usage.frame": _(
        "evaluate_frame needs a pandas DataFrame, not {kind}",
        "evaluate_frame 需要 pandas 的 DataFrame，不能是 {kind}",
        "for a list of dicts, call policy.evaluate_many(rows, entity)",
        "字典列表请用 policy.evaluate_many(rows, entity) 评价",
    ),
    "usage.frame/keep": _(
        "keep names columns the DataFrame does not have: {missing}",
        "keep 中的列在 DataFrame 中不存在：{missing}",
        "columns: {columns}",
        "已有的列：{columns}",
    ),
    # the service (engine/service)
    "request.not-found": _(
        "no such endpoint", "没有这个接口", "GET /docs lists the endpoints", "GET /docs 列出了所有接口"
    ),
    "request.method": _(
        "this endpoint does not take that method",
        "这个接口不接受该请求方法",
        "GET /docs lists the endpoints",
        "GET /docs 列出了所有接口",
    ),
    "request.http": _(
        "the request cannot be answered (HTTP {status})",
        "无法应答此请求（HTTP {status}）",
        "GET /docs lists the endpoints",
        "GET /docs 列出了所有接口",
    ),
    "request.invalid": _("the request is not valid: {details}", "请求无效：{details}"),
    "request.field": _("{where}: {kind}", "{where}：{kind}"),  # kind: pydantic's code for the error
    "request.field/missing": _("{where}: required", "{where}：缺少此项"),
    "request.lang": _("lang must be zh or en, not '{lang}'", "lang 须为 zh 或 en，不能是「{lang}」"),
    "request.cases": _("/test needs the case file's text in 'cases'", "/test 需要在「cases」中给出用例文件的文本"),
    "request.record": _("the record must be a JSON object", "记录必须是 JSON 对象"),
    "usage.as-of/query": _(
        "as_of: '{value}' is not a day",
        "as_of：「{value}」不是日期",
        "give a day as YYYY-MM-DD",
        "请写成 YYYY-MM-DD 形式的日期",
    ),
    "input.upload": _(
        "a multipart upload needs its file in the field 'file'", "multipart 上传须把文件放在字段「file」中"
    ),
    "input.format/upload": _(
        "cannot tell the format of {name}",
        "无法判断「{name}」的格式",
        "upload a .xlsx, .csv, .json, .jsonl or .parquet file",
        "请上传 .xlsx、.csv、.json、.jsonl 或 .parquet 文件",
    ),
    "input.format/body": _(
        "cannot read a request body of type {type}",
        "无法读取类型为 {type} 的请求体",
        "send application/json, application/x-ndjson, text/csv, application/vnd.apache.parquet or a multipart upload",
        "请发送 application/json、application/x-ndjson、text/csv、application/vnd.apache.parquet 或 multipart 上传",
    ),
    "input.json/explain": _(
        "explain takes exactly one record, as a JSON object", "explain 只接受一条记录，须是 JSON 对象"
    ),
    "limit.records": _(
        "more than {limit} records in one request",
        "一次请求超过 {limit} 条记录",
        "split the file, or use the command line (kaohe evaluate) for large files",
        "请拆分文件；大文件请用命令行（kaohe evaluate）",
    ),
    "limit.time": _(
        "the request took longer than {seconds} s and was stopped",
        "请求超过 {seconds} 秒，已停止",
        "send fewer records per request",
        "请每次少发一些记录",
    ),
    "limit.policy-time": _(
        "checking the policy took longer than {seconds} s and was stopped",
        "检查政策超过 {seconds} 秒，已停止",
        "make the policy smaller, or split it with extends",
        "请精简政策，或用 extends 拆分",
    ),
    "limit.upload": _("the request body is larger than {limit} bytes", "请求体超过 {limit} 字节"),
    "auth.token": _(
        "this server needs 'Authorization: Bearer <token>' on every request",
        "此服务器要求每个请求都带「Authorization: Bearer <token>」",
    ),
    "auth.localhost": _(
        "without a token this server answers only this machine (localhost)",
        "未设令牌时，此服务器只应答本机（localhost）",
    ),
    "internal": _(
        "internal error; the server log has the details under request id {request_id}",
        "内部错误；服务器日志中请求编号 {request_id} 下有详情",
    ),
    "policy.unknown": _(
        "no policy with id '{policy}'",
        "没有编号为「{policy}」的政策",
        "GET /policies lists them",
        "GET /policies 列出了所有政策",
    ),
    "policy.unknown/close": _(
        "no policy with id '{policy}'",
        "没有编号为「{policy}」的政策",
        "did you mean '{close}'? GET /policies lists them",
        "是不是「{close}」？GET /policies 列出了所有政策",
    ),
    "serve.policies": _("{directory} is not a folder", "{directory} 不是文件夹"),
    "serve.duplicate": _(
        "policy id {policy} is given by {first} and {second}",
        "政策编号 {policy} 同时由 {first} 和 {second} 给出",
        "give each policy its own id, or leave one of the folders out",
        "请给每个政策不同的编号，或去掉其中一个文件夹",
    ),
    "serve.token": _("the token must be at least 16 characters long", "令牌至少要有 16 个字符"),
    "serve.open": _(
        "binding to {host} makes the server reachable from other machines: give --token or set KAOHE_TOKEN, "
        "and every request must then carry 'Authorization: Bearer <token>'",
        "绑定到 {host} 会让其他机器也能访问此服务器：请给出 --token 或设置 KAOHE_TOKEN，"
        "此后每个请求都须带「Authorization: Bearer <token>」",
    ),
    # words inside explanations (engine/tools/explain.py)
    "word.consequence.credit": _("credit", "学分"),
    "word.consequence.sanction": _("sanction", "处分"),
    "word.consequence.obligation": _("obligation", "义务"),
    "word.consequence.award": _("award", "奖励"),
    # the command line's sentences of kaohe new, serve, check, test --coverage and diff
    "cli.new.next": _(
        "next: kaohe validate {policy} && kaohe test {cases}", "下一步：kaohe validate {policy} && kaohe test {cases}"
    ),
    "cli.serve.extra": _(
        "kaohe serve needs its extra: pip install 'kaohe[serve]' ({name} is missing)",
        "kaohe serve 需要扩展：pip install 'kaohe[serve]'（缺少 {name}）",
    ),
    "cli.check.head": _(
        "{policy} {version} ({path}): entities {entities}; {examples} examples per property, seed {seed}",
        "{policy} {version}（{path}）：评价对象 {entities}；每条性质 {examples} 个样例，随机种子 {seed}",
    ),
    "cli.check.hold": _("all properties hold", "所有性质都成立"),
    "cli.check.broken": _("{count} properties do not hold:", "{count} 条性质不成立："),
    "cli.check.broken-one": _("1 property does not hold:", "1 条性质不成立："),
    "cli.check.failure": _("{number}. {property} — entity {entity}", "{number}. {property} — 评价对象 {entity}"),
    "cli.check.counterexample": _("   counterexample: {record}", "   反例：{record}"),
    "cli.check.as-of": _("   as of: {day}", "   评价日期：{day}"),
    "cli.check.try": _("   try: {command}", "   可运行：{command}"),
    "cli.check.monotonic/raising": _(
        "raising {input} from {start} to {end} lowers the grade from {before} to {after} "
        "(the policy says the grade is {direction} in {input})",
        "把 {input} 从 {start} 提高到 {end}，等级却从 {before} 降为 {after}（政策声明等级对 {input} 是 {direction}）",
    ),
    "cli.check.monotonic/lowering": _(
        "lowering {input} from {start} to {end} lowers the grade from {before} to {after} "
        "(the policy says the grade is {direction} in {input})",
        "把 {input} 从 {start} 降低到 {end}，等级却从 {before} 降为 {after}（政策声明等级对 {input} 是 {direction}）",
    ),
    "cli.coverage.head": _("{policy}: coverage {percent}%", "{policy}：覆盖率 {percent}%"),
    "cli.coverage.rules": _("rules", "规则"),
    "cli.coverage.tiers": _("tiers", "分档"),
    "cli.coverage.levels": _("levels", "等级"),
    "cli.coverage.consequences": _("consequences", "后果"),
    "cli.coverage.missing": _("    not exercised: {kind} {item}", "    未覆盖的{kind}：{item}"),
    "cli.coverage.rule": _("rule", "规则"),
    "cli.coverage.tier": _("tier", "分档"),
    "cli.coverage.level": _("level", "等级"),
    "cli.coverage.consequence": _("consequence", "后果"),
    "cli.coverage.descriptive": _(
        "  descriptive rules (no element to exercise): {rules}", "  说明性规则（没有可覆盖的元素）：{rules}"
    ),
    "cli.test.result": _("result", "结果"),
    "cli.test.a-result": _("a result", "一个评价结果"),
    "cli.test.error": _("error {code}: {message}", "错误 {code}：{message}"),
    "cli.test.no-group": _("no such group among the members", "成员中没有这个分组"),
    "cli.test.no-accounting": _(
        "no member accounting (not judged from members)", "没有成员统计（不是由成员汇总评价的）"
    ),
    "cli.diff.head": _("{count} record(s) evaluated under both versions", "{count} 条记录已在两个版本下评价"),
    "cli.diff.changed": _("  {what} changed for {count} record(s)", "  {what}{count} 条记录有变化"),
    "cli.diff.examples": _("  examples ({what}):", "  示例（{what}）："),
    "cli.diff.grade": _("grade", "等级"),
    "cli.diff.credit_total": _("credits", "学分"),
    "cli.diff.sanctions": _("sanctions", "处分"),
    "cli.diff.rejected -> graded": _("rejected -> graded", "被拒 -> 已评定"),
    "cli.diff.graded -> rejected": _("graded -> rejected", "已评定 -> 被拒"),
    "cli.diff.error": _("errors", "错误"),
    "cli.diff.rejected": _("rejected", "被拒"),
    # -- pass-through columns named in a policy (compiler.py: pass_through) and carried (cli.py)
    "pass-through.input": _(
        "pass-through column '{column}' is the input {input} ({label}): the policy reads it, so it is not passed through",
        "附带列「{column}」是输入 {input}（{label}）：政策读取该列，不能作为附带列",
        "remove it from pass_through; list only columns the policy does not read (姓名, 学校 ...)",
        "请从 pass_through 中删去；只列出政策不读取的列（姓名、学校等）",
    ),
    "pass-through.duplicate": _(
        "pass-through column '{column}' is named twice (first at line {line})",
        "附带列「{column}」重复列出（首次在第 {line} 行）",
        "keep one of the two",
        "请只保留一处",
    ),
    "cli.pass-through-missing": _(
        "kaohe: warning: pass-through column '{column}' is missing from {missing} of {total} record(s) of {path}; "
        "its cells are left empty",
        "kaohe：警告：附带列「{column}」在 {path} 的 {total} 条记录中有 {missing} 条没有，对应单元格留空",
    ),
    # -- kaohe serve: engines, PDF reports (engine/service/app.py; task: serve2) ------------------------
    "serve.engine": _(
        "engine must be one of {choices}, not '{given}'",
        "engine 须为 {choices} 之一，而不是「{given}」",
        "auto chooses by itself; the results are the same on every engine",
        "auto 会自动选择；各引擎的结果相同",
    ),
    "serve.report-format": _(
        "format must be html or pdf, not '{given}'",
        "format 须为 html 或 pdf，而不是「{given}」",
    ),
    "serve.no-browser": _(
        "this server cannot print PDF: it has no headless Chromium or Chrome",
        "本服务器无法生成 PDF：未安装无界面的 Chromium 或 Chrome 浏览器",
        "ask for the HTML report (format=html) and print it from a browser; or the server's operator "
        "installs Chromium (Debian/Ubuntu: apt-get install chromium) or sets KAOHE_BROWSER to its path",
        "请改要 HTML 报告（format=html）并在浏览器中打印；或请服务器管理员安装 Chromium"
        "（Debian/Ubuntu：apt-get install chromium），或把 KAOHE_BROWSER 设为其路径",
    ),
    "serve.pdf": _(
        "the server's browser could not print the report as PDF",
        "服务器的浏览器未能把报告打印为 PDF",
        "ask for the HTML report (format=html) and print it from a browser; the server's log says why",
        "请改要 HTML 报告（format=html）并在浏览器中打印；原因见服务器日志",
    ),
}
