"""Puts ``cli.py`` inside the installed ``kaohe`` package as ``kaohe/cli.py``.

The repository keeps the layout its design fixes: the ``engine/`` folder and ``cli.py`` beside
it, imported as ``engine`` and ``cli`` by the tests. Installed, the ``engine/`` folder becomes
the ``kaohe`` package (``package-dir`` in pyproject.toml), so nothing named ``engine`` or
``cli`` is installed to clash with a user's own modules. This step copies ``cli.py`` into
that package and points its absolute ``engine`` imports at ``kaohe``; everything inside
``engine/`` imports relatively and needs no change.
"""

from __future__ import annotations

import re
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def installed_cli(source: str) -> str:
    """``cli.py`` as ``kaohe/cli.py``: ``import engine`` -> ``import kaohe as engine`` and
    ``from engine... import`` -> ``from kaohe... import``."""
    source = re.sub(r"^(\s*)import engine$", r"\1import kaohe as engine", source, flags=re.MULTILINE)
    return re.sub(r"^(\s*)from engine(\.|\s)", r"\1from kaohe\2", source, flags=re.MULTILINE)


class BuildWithCli(build_py):
    def run(self):
        super().run()
        target = Path(self.build_lib, "kaohe", "cli.py")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(installed_cli((HERE / "cli.py").read_text(encoding="utf-8")), encoding="utf-8")

    def get_outputs(self, include_bytecode=True):
        return [*super().get_outputs(include_bytecode), str(Path(self.build_lib, "kaohe", "cli.py"))]


setup(cmdclass={"build_py": BuildWithCli})
