"""Reading one record's fields against its entity's input declarations.

Values arrive as schools export them: strings from CSV, numbers from JSON, Chinese
booleans, full-width digits. Each declared type has one coercer, built once per input
when the policy loads. A coercer returns the exact value or raises :class:`InvalidValue`
(a ``ValueError``): a ``value.*`` catalogue key and its parameters, never a sentence.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import math
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

from ..base.errors import Problem
from ..base.limits import MAX_BITS, MAX_MAGNITUDE, decimal_fits
from ..base.numbers import ExactList, exact, format_number, over_common_denominator, ratio
from .model import Input

__all__ = [
    "FALSE_WORDS",
    "NORMALISED",
    "TRUE_WORDS",
    "InvalidValue",
    "build_coercer",
    "count_normalised",
    "parse_date",
]


class InvalidValue(Problem, ValueError):
    """Why a field's value is refused: a ``value.*`` catalogue key and its parameters."""


#: the one documented list of yes/no words (English case-insensitive); a boolean input may
#: add its own with ``yes_words`` / ``no_words``. Nothing else is taken as yes or no.
TRUE_WORDS = frozenset({"true", "yes", "1", "是"})
FALSE_WORDS = frozenset({"false", "no", "0", "否"})
_THOUSANDS = re.compile(r"^[-+]?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]+)?$", re.ASCII)
_DATE_FORMS = (
    re.compile(r"^([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})$", re.ASCII),
    re.compile(r"^([0-9]{4})/([0-9]{1,2})/([0-9]{1,2})$", re.ASCII),
    re.compile(r"^([0-9]{4})\.([0-9]{1,2})\.([0-9]{1,2})$", re.ASCII),
    re.compile(r"^([0-9]{4})年([0-9]{1,2})月([0-9]{1,2})日?$", re.ASCII),
)
_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", re.ASCII)

#: full-width digits, point, signs, comma, percent and space, folded to ASCII in numbers and
#: dates; no other character is folded (NFKC would read the footnote mark in 6¹ as a digit)
_WIDE = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "．": ".", "－": "-", "＋": "+",
                       "，": ",", "％": "%", "\u3000": " "})  # fmt: skip
_WIDE_CHARS = frozenset(map(chr, _WIDE))

#: how many field values were read from another spelling than the plain one, by kind
#: (``full-width``, ``thousands``, ``date-form``, ``gbk``): the run summary shows them. A
#: worker process sends its counts back with its results.
NORMALISED: collections.Counter = collections.Counter()


def count_normalised(kind: str, count: int = 1) -> None:
    NORMALISED[kind] += count


def _folded(value: str) -> str:
    """A number's or date's text with full-width forms folded to ASCII (counted), trimmed."""
    if not value.isascii() and not _WIDE_CHARS.isdisjoint(value):
        folded = value.translate(_WIDE)
        if folded != value:
            NORMALISED["full-width"] += 1
        value = folded
    return value.strip()


def text_value(value: str) -> str:
    """Full-width digits, letters and signs folded to ASCII; spaces trimmed."""
    return unicodedata.normalize("NFKC", value).strip()


def parse_date(value: object) -> dt.date:
    """A date from ``2021-06-30``, ``2021/6/30``, ``2021.6.30`` or ``2021年6月30日``."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise InvalidValue("value.date-kind", value=repr(value))
    text = _folded(value)
    for form in _DATE_FORMS:
        match = form.match(text)
        if match:
            year, month, number = map(int, match.groups())
            try:
                read = dt.date(year, month, number)
            except ValueError:
                raise InvalidValue("value.not-a-real-date", value=repr(value)) from None
            if not _ISO_DATE.match(text):
                NORMALISED["date-form"] += 1
            return read
    raise InvalidValue("value.not-a-date", value=repr(value))


#: A field's number is written in decimals: ``12``, ``-0.5``, ``4.5e2`` (after thousands
#: separators and a trailing % are taken off). ``1/3``, ``1_000``, ``0x10`` are not numbers
#: a school exports.
_DECIMAL = re.compile(r"^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$", re.ASCII)
# Every number kaohe computes with stays within engine.base.limits (below 2**512, about
# 10**154); a field beyond that is refused before it is converted, so ``1e999999999``
# cannot stall a batch.
_LIMIT = MAX_MAGNITUDE


def _bounded(number, shown=None):
    if type(number) is int:
        if number.bit_length() > MAX_BITS:
            raise InvalidValue("value.too-large", value=_shown(number if shown is None else shown))
    elif number.numerator.bit_length() > MAX_BITS or number.denominator.bit_length() > MAX_BITS:
        raise InvalidValue("value.too-large", value=_shown(number if shown is None else shown))
    return number


def _shown(value) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:40] + "..."


def _decimal_text(text: str, shown) -> Decimal:
    if not _DECIMAL.match(text):
        odd = next((c for c in text if not c.isascii()), None)
        if odd is not None and unicodedata.category(odd).startswith("N"):
            # a footnote mark (6¹), Arabic-Indic, Devanagari, circled or bold digits
            raise InvalidValue("value.not-a-number/digit", value=repr(shown), char=repr(odd))
        if re.match(r"^[-+]?[0-9]+,[0-9]+$", text, re.ASCII):
            raise InvalidValue("value.not-a-number/comma", value=repr(shown))
        raise InvalidValue("value.not-a-number", value=repr(shown))
    number = Decimal(text)  # lazy: the digits are not expanded yet
    if not decimal_fits(number):
        raise InvalidValue("value.too-large", value=_shown(shown))
    return number


def _number(value, percent: bool = False):
    """A number from a field; ``percent``: the input is a ratio (``unit: "%"``), and ``40%``
    is 2/5. Elsewhere a percent sign is refused: 40% of class hours means nothing."""
    kind = type(value)
    if kind is int or kind is Fraction:
        return _bounded(value)
    if kind is str:
        text = _folded(value)
        if not text:
            raise InvalidValue("value.empty")
        if _THOUSANDS.match(text):
            text = text.replace(",", "")
            NORMALISED["thousands"] += 1
        if text.endswith("%"):
            if not percent:
                raise InvalidValue("value.percent", value=repr(value))
            share = _bounded(Fraction(exact(_decimal_text(text[:-1].strip(), value)), 100), value)  # 40% is 2/5
            return share.numerator if share.denominator == 1 else share
        return _bounded(exact(_decimal_text(text, value)), value)
    if kind is bool:
        raise InvalidValue("value.yes-no-not-number")
    if kind is Decimal or kind is float:
        if not (value.is_finite() if kind is Decimal else math.isfinite(value)):
            raise InvalidValue("value.not-finite", value=str(value))
        if kind is Decimal:
            _decimal_text(str(value), str(value))
        return _bounded(exact(value))
    raise InvalidValue("value.number-kind", kind=kind_word(value))


def _integer(value):
    number = _number(value)
    if type(number) is not int:
        if type(number) is Fraction and number.denominator == 1:
            return number.numerator
        raise InvalidValue("value.not-whole", value=repr(value) if isinstance(value, str) else _show(number))
    return number


def _yes_no(yes: frozenset = TRUE_WORDS, no: frozenset = FALSE_WORDS) -> Callable:
    """A boolean field's reader: True/False, 1/0, or a word of ``yes`` / ``no`` (the
    documented list plus the input's own ``yes_words`` / ``no_words``), nothing else."""
    extra = sorted((yes | no) - TRUE_WORDS - FALSE_WORDS)

    def boolean(value):
        if value is True or value is False:
            return value
        if type(value) is int and value in (0, 1):
            return bool(value)
        if isinstance(value, str):
            word = _folded(value).lower()
            if word in yes:
                return True
            if word in no:
                return False
        if extra:
            raise InvalidValue("value.not-yes-no/words", value=repr(value), words=extra)
        raise InvalidValue("value.not-yes-no", value=repr(value))

    return boolean


_boolean = _yes_no()


def _string(value):
    if isinstance(value, str):
        return value.strip()
    if type(value) is int:
        return str(value)
    raise InvalidValue("value.text-kind", kind=kind_word(value))


_PLAIN_INTS = re.compile(r"^\s*[0-9]{1,18}(?:\s*[;|\s]\s*[0-9]{1,18})*\s*$")
_PLAIN_DECIMALS = re.compile(r"^\s*[0-9]{1,18}(?:\.[0-9]{0,12})?(?:\s*[;|\s]\s*[0-9]{1,18}(?:\.[0-9]{0,12})?)*\s*$")
_LIST_SEP = re.compile(r"\s*[;|\s]\s*")


def _plain_decimal(text: str):
    """``45.5`` as 91/2, ``50.0`` as 50: the value the general reader gives, without it."""
    whole, _, decimals = text.partition(".")
    return ratio(int(whole + decimals), 10 ** len(decimals))


def _split_list(value: str, numeric: bool = False) -> list:
    """A list cell's items: ``[4, 3, 4]`` as JSON, else separated by ``;`` (``；``, ``|``, spaces;
    for a list of texts also commas and ``、``). A comma in a list of numbers is refused: in
    ``60,5;60,5`` it may be a decimal comma as well as a separator."""
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text, parse_float=Decimal)  # lazy: each item is checked by its coercer
        except ValueError:
            raise InvalidValue("value.not-a-list") from None
    if not text:
        return []
    if numeric:
        if "," in text or "，" in text:
            raise InvalidValue("value.list-comma", value=_shown(value))
        return [part for part in re.split(r"[;；\s|]+", text) if part != ""]
    return [part for part in re.split(r"[;；,，、\s|]+", text) if part != ""]


def build_coercer(spec: Input) -> Callable:
    """One function that turns a raw field into the declared type, or raises InvalidValue."""
    kind = spec.type
    interval = spec.range

    inside = interval.predicate() if interval is not None else None

    def in_range(x):
        if not inside(x):
            raise InvalidValue("value.out-of-range", value=_show(x), range=str(interval))
        return x

    if kind == "number":
        if spec.unit == "%":  # a ratio: 40% is 0.40, and so is 0.4

            def share(v):
                return _number(v, percent=True)

            return share if interval is None else (lambda v: in_range(share(v)))
        if interval is None:
            return _number
        return lambda v: in_range(_number(v))
    if kind == "integer":
        if interval is None:
            return _integer
        return lambda v: in_range(_integer(v))
    if kind == "boolean":
        if spec.yes_words or spec.no_words:
            return _yes_no(
                TRUE_WORDS | {w.lower() for w in spec.yes_words}, FALSE_WORDS | {w.lower() for w in spec.no_words}
            )
        return _boolean
    if kind == "string":
        return _string
    if kind == "date":
        return parse_date
    if kind == "enum":
        allowed = {v: v for v in spec.values}
        allowed.update(spec.aliases)
        folded = {k.lower(): v for k, v in allowed.items()}

        def enum(value):
            if isinstance(value, str):
                text = text_value(value)
                if text in allowed:
                    return allowed[text]
                if text.lower() in folded:
                    return folded[text.lower()]
            if spec.aliases:
                raise InvalidValue(
                    "value.not-allowed/aliases",
                    value=repr(value),
                    allowed=list(spec.values),
                    aliases=list(spec.aliases),
                )
            raise InvalidValue("value.not-allowed", value=repr(value), allowed=list(spec.values))

        return enum
    if kind == "record":
        return _record_coercer(spec)
    if kind == "list":
        assert spec.items is not None  # the compiler gives every list its item declaration
        item = build_coercer(spec.items)
        item_type = spec.items.type
        item_range = spec.items.range
        limit = spec.max_items if spec.max_items is not None else 100_000
        numeric = item_type in ("integer", "number")
        item_holds = item_range.ratio_predicate() if item_range is not None else None
        # whole numbers 0..255 are all allowed: bytes() checks a list of them in one C pass
        small_ok = item_range is None or item_range.covers(0, 255)
        only_int = {int}
        exact_kinds = only_int if item_type == "integer" else {int, Fraction}

        def as_list(value):
            if isinstance(value, str):
                if item_type == "integer" and _PLAIN_INTS.match(value):  # 4;3;4;0;... from a CSV cell
                    value = list(map(int, _LIST_SEP.split(value.strip())))
                elif item_type == "number" and _PLAIN_DECIMALS.match(value):  # 45.5;52.1;...
                    value = list(map(_plain_decimal, _LIST_SEP.split(value.strip())))
                else:
                    value = _split_list(value, numeric)
            if not isinstance(value, list):
                raise InvalidValue("value.list-kind", kind=kind_word(value))
            if len(value) > limit:
                raise InvalidValue("value.too-many-items", count=len(value), limit=limit)
            # fast path: a list already of exact numbers is checked as a whole, by its
            # smallest and largest item, instead of item by item
            if value and numeric:
                kinds = set(map(type, value))
                if kinds == only_int:  # not bool: True is refused item by item below
                    if small_ok:
                        try:
                            bytes(value)  # every item is a whole number from 0 to 255
                            return value
                        except ValueError:
                            pass
                    low, high = min(value), max(value)
                    if (
                        low > -_LIMIT
                        and high < _LIMIT
                        and (item_holds is None or (item_holds(low, 1) and item_holds(high, 1)))
                    ):
                        return value
                elif kinds <= exact_kinds and item_holds is not None:
                    # compare whole numbers over one common denominator
                    scaled, common = over_common_denominator(value)
                    low, high = min(scaled), max(scaled)
                    # a number beyond 2**512 takes the slow path, which names its item
                    if (
                        common < _LIMIT
                        and low > -_LIMIT
                        and high < _LIMIT
                        and item_holds(low, common)
                        and item_holds(high, common)
                    ):
                        checked = ExactList(value)
                        checked.total = (sum(scaled), common)
                        return checked
            out = []
            for index, raw in enumerate(value):
                try:
                    out.append(item(raw))
                except InvalidValue as exc:
                    raise InvalidValue("value.item", index=index + 1, reason=exc) from None
            return out

        return as_list
    raise ValueError(f"unknown input type {kind}")  # the schema allows no other type


def _record_coercer(spec: Input) -> Callable:
    """One activity (an item of a list of records): a mapping with the declared fields, each
    read by its own type; a field not declared is refused, so a misspelt one is not lost."""
    assert spec.fields is not None  # the compiler gives every record item its fields
    fields = [(name, build_coercer(f), f) for name, f in spec.fields.items()]
    declared = set(spec.fields)

    def record(value):
        if not isinstance(value, dict):
            raise InvalidValue("value.record-kind", fields=", ".join(spec.fields), kind=kind_word(value))
        unknown = sorted(set(value) - declared)
        if unknown:
            raise InvalidValue("value.record-unknown-field", name=unknown[0], fields=", ".join(spec.fields))
        out = {}
        for name, coerce, field in fields:
            raw = value.get(name)
            if raw is None or raw == "":
                if field.has_default:
                    out[name] = field.default
                    continue
                raise InvalidValue("value.record-missing-field", name=name)
            try:
                out[name] = coerce(raw)
            except InvalidValue as exc:
                raise InvalidValue("value.record-field", name=name, reason=exc) from None
        return out

    return record


def _show(x) -> str:
    return format_number(x) if isinstance(x, (int, Fraction)) else repr(x)


def kind_word(value: object) -> Problem:
    """What kind of value this is, in the officer's words (``word.kind.*``)."""
    if value is None:
        return Problem("word.kind.empty")
    if isinstance(value, bool):
        return Problem("word.kind.yes-no")
    if isinstance(value, (int, Fraction, Decimal, float)):
        return Problem("word.kind.number")
    if isinstance(value, str):
        return Problem("word.kind.text", value=repr(value))
    if isinstance(value, list):
        return Problem("word.kind.list")
    if isinstance(value, dict):
        return Problem("word.kind.mapping")
    if isinstance(value, dt.date):
        return Problem("word.kind.date")
    return Problem("word.kind.other", name=type(value).__name__)
