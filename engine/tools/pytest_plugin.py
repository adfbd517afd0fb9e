"""A pytest plugin that runs a repository's policy case files (``*.tests.yaml``).

Installed with kaohe (entry point ``kaohe`` in the ``pytest11`` group), it stays inactive
until a repository asks for it, so a suite that already runs its case files (kaohe's own
``tests/test_policy_cases.py``) never runs them twice. A county's repository turns it on with
the command-line flag or the ini setting::

    pytest --kaohe-cases                # on the command line, or
    [tool.pytest.ini_options]           # in pyproject.toml (pytest.ini: [pytest])
    kaohe_cases = true

Then every ``*.tests.yaml`` pytest collects (under its ``testpaths`` or the paths given) is
a test file: each case is one test item named by the case's name, run with the runner
``kaohe test`` uses (:func:`engine.tools.cases.run_case`). A failing case shows what
differed (``values.usage_points: expected 21, got 18``) and the trace of the rules that fired;
a broken case file or policy is a collection error naming file, line and column.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from ..base.errors import KaoheError, Problem
from .cases import Case, CaseOutcome, load_cases, run_case

if TYPE_CHECKING:
    from _pytest._code.code import TerminalRepr, TracebackStyle

    from ..runtime.policy import Policy

__all__ = ["CaseFailure", "KaoheCaseFile", "KaoheCaseItem", "pytest_addoption", "pytest_collect_file"]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("kaohe", "kaohe policy cases")
    group.addoption(
        "--kaohe-cases",
        action="store_true",
        default=None,
        help="collect and run *.tests.yaml policy case files (kaohe)",
    )
    parser.addini("kaohe_cases", "collect and run *.tests.yaml policy case files (kaohe)", type="bool", default=False)


def _active(config) -> bool:
    flag = config.getoption("kaohe_cases", default=None)
    return bool(flag) if flag is not None else bool(config.getini("kaohe_cases"))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> KaoheCaseFile | None:
    if file_path.name.endswith((".tests.yaml", ".tests.yml")) and _active(parent.config):
        return KaoheCaseFile.from_parent(parent, path=file_path)
    return None


class CaseFileError(Exception):
    """A case file (or the policy it names) that cannot be loaded."""


class CaseFailure(Exception):
    """A case whose result differs from what it expects."""

    def __init__(self, outcome: CaseOutcome) -> None:
        super().__init__(outcome.case.name)
        self.outcome = outcome


class KaoheCaseFile(pytest.File):
    """One ``*.tests.yaml``: its policy is loaded once, each case is an item."""

    def collect(self) -> Iterator[KaoheCaseItem]:
        try:
            policy, cases = load_cases(self.path)
        except KaoheError as exc:
            raise CaseFileError("\n".join(d.render("en") for d in exc.diagnostics)) from None
        for case in cases:
            yield KaoheCaseItem.from_parent(self, name=case.name, policy=policy, case=case)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: TracebackStyle | None = None
    ) -> str | TerminalRepr:
        if isinstance(excinfo.value, CaseFileError):
            return f"kaohe: cannot load the case file\n{excinfo.value}"
        return super().repr_failure(excinfo)


class KaoheCaseItem(pytest.Item):
    """One case: evaluate its record (or members) and compare with ``expect``."""

    def __init__(self, *, policy: Policy, case: Case, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.policy = policy
        self.case = case
        if case.rule:
            self.user_properties.append(("rule", case.rule))

    def runtest(self) -> None:
        outcome = run_case(self.policy, self.case)
        if not outcome.ok:
            raise CaseFailure(outcome)

    def repr_failure(
        self, excinfo: pytest.ExceptionInfo[BaseException], style: TracebackStyle | None = None
    ) -> str | TerminalRepr:
        if not isinstance(excinfo.value, CaseFailure):
            return super().repr_failure(excinfo, style)
        outcome = excinfo.value.outcome
        case = outcome.case
        lines = [f"case '{case.name}' ({case.location.file}:{case.location.line}, entity {case.entity})"]
        if case.rule:
            lines[0] += f", rule {case.rule}"
        for what, expected, got in outcome.problems:
            what, expected, got = (v.render("en") if isinstance(v, Problem) else v for v in (what, expected, got))
            lines.append(f"  {what}: expected {expected!r}, got {got!r}")
        if outcome.explanation:
            lines += ["", "trace:", outcome.explanation]
        return "\n".join(lines)

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, max(self.case.location.line - 1, 0), f"case: {self.name}"
