"""The ``kaohe`` command and ``python -m kaohe``.

Installed from a wheel, the command line is ``kaohe/cli.py`` (the repository's ``cli.py``,
placed in the package at build time, see setup.py). An editable install of a repository
checkout has no such file: there the checkout's own ``cli.py`` runs, beside ``engine/``.
"""

import sys
from pathlib import Path


def main() -> int | None:
    try:
        from .cli import main as command
    except ModuleNotFoundError as missing:
        if missing.name != f"{__package__}.cli":
            raise
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from cli import main as command
    return command()


if __name__ == "__main__":
    sys.exit(main())
