"""``engine.testing`` (``kaohe.testing`` when installed): hypothesis strategies and ready-made
properties for policy authors; see :mod:`engine.tools.testing`. Needs ``hypothesis`` (the
``test`` extra); importing ``engine`` alone does not import it."""

from .tools.testing import *  # noqa: F403
from .tools.testing import __all__  # noqa: F401
