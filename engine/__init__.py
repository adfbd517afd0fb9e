"""kaohe: a declarative policy engine for grading teachers' IT-training under the
Information Technology Application Ability Improvement Project 2.0.

The stable API::

    import engine
    policy = engine.load_policy("policies/<region>.yaml")
    result = policy.evaluate({"id": "T1", ...}, entity="teacher")
    result.grade, result.to_dict()
    for outcome in policy.evaluate_many(records, entity="teacher"):
        outcome.to_dict()          # a Result, or a Failure with an "error"
"""

from .base.errors import Diagnostic, InputError, KaoheError, Location, PolicyError, RecordError
from .base.messages import cli_text
from .columnar.table import ColumnarPolicy as Policy
from .language.compiler import compile_file
from .language.kinds import parse_date
from .runtime.policy import FAST, REFERENCE, PeriodError
from .runtime.result import Failure, Result

__version__ = "0.1.0"


def load_policy(path) -> Policy:
    """Load, check and compile a policy file; raise :class:`PolicyError` with every problem."""
    return Policy(compile_file(path))


__all__ = [
    "FAST",
    "REFERENCE",
    "Diagnostic",
    "Failure",
    "InputError",
    "KaoheError",
    "Location",
    "PeriodError",
    "Policy",
    "PolicyError",
    "RecordError",
    "Result",
    "__version__",
    "cli_text",
    "load_policy",
    "parse_date",
]
