"""kaohe: a declarative policy engine for grading teachers' IT-training under the
Information Technology Application Ability Improvement Project 2.0.

The stable API::

    import kaohe        # ``import engine`` in a repository checkout: the same package
    policy = kaohe.load_policy("national")         # an installed policy's name, or a path
    result = policy.evaluate({"id": "T1", ...}, entity="teacher")
    result.grade, result.to_dict()
    for outcome in policy.evaluate_many(records, entity="teacher"):
        outcome.to_dict()          # a Result, or a Failure with an "error"
"""

from typing import Any

from .base.errors import Diagnostic, InputError, KaoheError, Location, OutputError, PolicyError, Problem, RecordError
from .base.messages import cli_text, translation
from .columnar.table import evaluate_table
from .language.kinds import parse_date
from .language.registry import PolicyNotFound, find_policy, installed_policies
from .runtime.policy import FAST, REFERENCE, PeriodError, Policy, load_policy, parse_policy
from .runtime.result import Failure, Result

__version__ = "0.1.0"


# policy.evaluate_table(table, entity): the columnar stage sits above runtime, so the method
# is attached here, on every Policy however it was made (load_policy, parse_policy, workers).
def _evaluate_table(policy, table, entity, *, as_of=None, allow_outside=False, members=False):
    """Evaluate every row of ``table`` (an Arrow table or a DataFrame) and return the result
    table (see engine.columnar.table). Rows are checked as the file readers check records:
    one over the shared limits, or repeating an earlier row's key, is refused with the
    readers' code and text. ``members=True``: the rows are the member records of group
    ``entity`` (teachers for a school), and the result has a row per group, in order of each
    group's first member, as ``evaluate_members`` gives them."""
    from .columnar.table import as_arrow
    from .io.tables import table_failures

    table = as_arrow(table)
    ent = policy.runtime(entity).entity
    if members:
        from .columnar.members import members_table

        if ent.members is None:
            raise KaoheError(Diagnostic.of("usage.members", ent.location, entity=entity))
        member = policy.spec.entities[ent.members.entity]
        failures = table_failures(table, member, "<table>")
        return members_table(policy, table, entity, as_of=as_of, allow_outside=allow_outside, failures=failures)
    failures = table_failures(table, ent, "<table>")
    return evaluate_table(policy, table, entity, as_of=as_of, allow_outside=allow_outside, failures=failures)


Policy.evaluate_table = _evaluate_table  # type: ignore[attr-defined]


__all__ = [
    "FAST",
    "REFERENCE",
    "Diagnostic",
    "Failure",
    "InputError",
    "KaoheError",
    "Location",
    "OutputError",
    "PeriodError",
    "Policy",
    "PolicyError",
    "PolicyNotFound",
    "Problem",
    "RecordError",
    "Result",
    "__version__",
    "cli_text",
    "find_policy",
    "installed_policies",
    "load_policy",
    "parse_date",
    "parse_policy",
    "translation",
]


def __getattr__(name: str) -> Any:
    """``engine.testing`` on first use only: it imports hypothesis, an optional extra."""
    if name == "testing":
        import importlib

        return importlib.import_module(f"{__name__}.testing")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
