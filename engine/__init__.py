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

from .errors import Diagnostic, InputError, KaoheError, Location, PolicyError, RecordError
from .policy import FAST, REFERENCE, PeriodError, Policy, load_policy
from .result import Failure, Result

__version__ = "0.1.0"

__all__ = [
    "load_policy",
    "Policy",
    "Result",
    "Failure",
    "Diagnostic",
    "Location",
    "KaoheError",
    "PolicyError",
    "RecordError",
    "InputError",
    "PeriodError",
    "FAST",
    "REFERENCE",
    "__version__",
]
