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
    # -- compiling a policy (engine/language/compiler.py) ------------------------------------
    "rule.unknown": _(
        "rule '{rule_id}' is not in this policy's rules catalogue", "规则「{rule_id}」不在本政策的 rules 目录中"
    ),
    "interval.invalid": _("{detail}", "区间写法不对：{detail}"),
    "date.invalid": _("{value} is not a real date", "{value} 不是真实存在的日期"),
    "date.invalid/source": _("the source date is not a real date", "文件日期不是真实存在的日期"),
    "date.order": _("the effective period ends before it starts", "有效期的结束日期早于开始日期"),
    "input.range": _("'range' applies to numbers, not to type {type}", "range 只适用于数字，不适用于 {type} 类型"),
    "input.enum": _("input '{name}' of type enum needs 'values'", "枚举类型的输入「{name}」需要 values"),
    "input.enum/not-enum": _(
        "'values' and 'aliases' apply to type enum only", "values 和 aliases 只适用于枚举（enum）类型"
    ),
    "input.alias": _(
        "alias '{alias}' points to '{target}', which is not one of {values}",
        "别名「{alias}」指向「{target}」，但它不是可选值（{values}）之一",
    ),
    "input.items": _("input '{name}' of type list needs 'items'", "列表类型的输入「{name}」需要 items"),
    "input.items/not-list": _("'items' applies to type list only", "items 只适用于列表（list）类型"),
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
    "schedule.unknown": _(
        "schedule '{schedule}' is not defined under schedules:", "安排表「{schedule}」没有在 schedules 中定义"
    ),
    "grade.duplicate": _("grade code '{code}' is used twice", "等级代码「{code}」重复"),
    "consequence.duplicate": _("consequence id '{id}' is used twice", "后果编号「{id}」重复"),
    "expr.unknown-code": _(
        "'{name}' can never be '{value}' (it is one of: {allowed})",
        "「{name}」不可能等于「{value}」（可能的值：{allowed}）",
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
    "eval.no-tier": _("{value} is outside every tier of the table", "{value} 不在分档表的任何一档中"),
    "eval.share-of-none": _("{name}: share of no members", "{name}：没有成员，无法计算占比"),
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
    "hint.add-rule": _("add it under rules:", "请在 rules 下添加"),
    "hint.declare-unit": _("declare it under units:", "请在 units 下声明"),
    "hint.declare-name": _("declare it as an input or a value first", "请先把它声明为输入或取值"),
    "hint.functions": _("functions: {names}", "可用的函数：{names}"),
    "hint.fullwidth-operator": _(
        "a full-width character (（）：，％＝＜＞) was typed; use the ASCII one",
        "输入了全角字符（（）：，％＝＜＞），请改用半角",
    ),
    "hint.equals": _("compare with '==', not '='", "比较相等请用「==」，不是「=」"),
    # -- words used inside other texts -----------------------------------------------------
    "word.expression": _("expression", "表达式"),
    "word.grade-condition": _("grade condition", "等级条件"),
    "word.consequence-condition": _("consequence condition", "后果条件"),
    "word.credit-amount": _("credit amount", "学分数额"),
    "word.amount": _("amount", "数额"),
    "word.aggregate": _("aggregate", "汇总表达式"),
    "word.aggregate-filter": _("aggregate filter", "汇总筛选条件"),
    "word.kind.empty": _("an empty value", "空值"),
    "word.kind.yes-no": _("yes/no", "是/否"),
    "word.kind.text": _("text {value}", "文本 {value}"),
    "word.kind.list": _("a list", "列表"),
    "word.kind.date": _("a date", "日期"),
    "word.kind.other": _("{name}", "{name}"),
    "word.type.string": _("string", "文本"),
    "word.type.number": _("number", "数字"),
    "word.type.integer": _("integer", "整数"),
    "word.type.boolean": _("boolean", "是/否"),
    "word.type.array": _("array", "列表"),
    "word.type.object": _("object", "映射"),
    "word.type.null": _("null", "空值"),
}
