"""Mutated shipped policies: whatever small edit breaks a policy, only kaohe's own errors
escape ``engine.parse_policy``, each located (file:line:col) and short.

The edits are the ones officers and copy-paste make: a line deleted or duplicated, a
character turned full-width by a Chinese input method, a value replaced by ``.inf`` or
``.nan``, a zero-width space pasted into a key or an expression, a number too large.
"""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import engine
from engine.base.errors import KaoheError, PolicyError

POLICIES = Path(__file__).resolve().parent.parent / "policies"
TEXTS = {p.name: p.read_text(encoding="utf-8") for p in sorted(POLICIES.glob("*.yaml")) if ".tests." not in p.name}
NUMBER = re.compile(r"(?<=: )-?[0-9][0-9.]*(?=[,}\s]|$)", re.M)
BAD_NUMBERS = (".inf", "-.inf", ".nan", "!!float nan", "!!float inf", "1e400", "-1e-400")
INSERTS = (
    ".inf",
    "-.inf",
    ".nan",
    "\u200b",
    "\ufeff",
    "\u00a0",
    "1e999",
    "9" * 200,
    "＞",
    "１２",
    "（",
    "，",
    ": ",
    "'",
)


def _fullwidth(ch: str) -> str:
    return chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else "\u3000" if ch == " " else ch


@st.composite
def mutated(draw) -> tuple[str, str]:
    name = draw(st.sampled_from(sorted(TEXTS)))
    lines = TEXTS[name].split("\n")
    edits = draw(st.integers(0, 2))
    for _ in range(edits):
        row = draw(st.integers(0, len(lines) - 1))
        line = lines[row]
        edit = draw(st.sampled_from(["delete", "duplicate", "fullwidth", "insert", "value"]))
        if edit == "delete":
            del lines[row]
        elif edit == "duplicate":
            lines.insert(row, line)
        elif edit == "fullwidth" and line:
            col = draw(st.integers(0, len(line) - 1))
            lines[row] = line[:col] + _fullwidth(line[col]) + line[col + 1 :]
        elif edit == "insert":
            col = draw(st.integers(0, len(line)))
            lines[row] = line[:col] + draw(st.sampled_from(INSERTS)) + line[col:]
        elif edit == "value" and ": " in line:
            # the value after the first ': ' becomes a non-finite or out-of-range number
            key = line.split(": ", 1)[0]
            lines[row] = key + ": " + draw(st.sampled_from(BAD_NUMBERS))
        if not lines:
            lines = [""]
    text = "\n".join(lines)
    numbers = list(NUMBER.finditer(text))
    if numbers and (edits == 0 or draw(st.booleans())):
        # a number of the policy (a tier value, an amount, a limit) becomes non-finite or out of range
        found = draw(st.sampled_from(numbers))
        text = text[: found.start()] + draw(st.sampled_from(BAD_NUMBERS)) + text[found.end() :]
    return name, text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_only_kaohe_errors_escape_and_each_is_located_and_short(case):
    name, text = case
    try:
        engine.parse_policy(text, name=name)
    except PolicyError as exc:
        for diagnostic in exc.diagnostics:
            location = diagnostic.location
            assert location is not None and location.file == name and location.line >= 1, diagnostic.render("en")
            for lang in ("en", "zh"):
                rendered = diagnostic.render(lang)
                assert "internal error" not in rendered and "Traceback" not in rendered
                assert len(rendered) < 1500, rendered[:300]
    except KaoheError:
        pass  # kaohe's own error type for a problem that is not the policy's (none expected today)
