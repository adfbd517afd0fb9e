"""Finding policies by path, file name, id or short name.

A policy reference is, in this order:

1. a path to an existing file (relative to the current folder, or to ``relative_to``: the
   folder of the policy whose ``extends:`` names it);
2. when it has no folder part, the file name or short name (``national.yaml``, ``national``) or the ``id:``
   (``national-2019``) of an installed policy.

Installed policies are the ones shipped with kaohe (the ``policies/`` folder, installed as
package data) and those that other packages declare in the ``kaohe.policies`` entry-point
group. An entry point names a module (or package): every ``*.yaml`` file in its folder,
except ``*.tests.yaml``, is a policy. A county's own package declares, in its pyproject.toml::

    [project.entry-points."kaohe.policies"]
    zhejiang-xx = "kaohe_zhejiang_xx"      # the package whose folder holds the .yaml files

An entry point may also name a function returning folders or policy files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..base.errors import Diagnostic, InputError, Location

__all__ = ["ENTRY_POINT_GROUP", "InstalledPolicy", "PolicyNotFound", "find_policy", "installed_policies", "shipped_dir"]

ENTRY_POINT_GROUP = "kaohe.policies"

_PACKAGE = Path(__file__).resolve().parent.parent
_TOP = re.compile(r"^(id|version):\s*[\"']?([^\"'#\n]+?)[\"']?\s*(?:#.*)?$", re.MULTILINE)
_TITLE = re.compile(r"^title:\s*\n(?:\s+\w+:.*\n)*?\s+zh:\s*(.+)$|^title:\s*(\S.*)$", re.MULTILINE)


class PolicyNotFound(InputError):
    """No policy file of that path or name: not an invalid policy, a missing one."""


@dataclass(frozen=True)
class InstalledPolicy:
    name: str  # the short name: the file name without .yaml
    id: str
    version: str
    title: str
    path: Path
    source: str  # "kaohe" or the distribution that declares it


def shipped_dir(name: str = "policies") -> Path | None:
    """A folder of kaohe's package data (policies, examples, schemas): inside the installed
    package, or beside the ``engine/`` folder in a repository checkout."""
    for folder in (_PACKAGE / name, _PACKAGE.parent / name):
        if folder.is_dir():
            return folder
    return None


def _policy_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.yaml") if not p.name.endswith(".tests.yaml"))


def _entry_point_files() -> list[tuple[Path, str]]:
    import importlib.metadata  # only when policies are looked up by name: it costs start-up time

    found: list[tuple[Path, str]] = []
    for entry in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
        source = entry.dist.name if entry.dist else entry.name
        try:
            target = entry.load()
        except Exception:  # a broken third-party package must not break kaohe: it is just absent
            continue
        if callable(target) and not hasattr(target, "__path__") and not hasattr(target, "__file__"):
            try:
                places = [Path(p) for p in target()]
            except Exception:
                continue
        elif getattr(target, "__file__", None):
            places = [Path(target.__file__).parent]
        else:
            places = [Path(p) for p in getattr(target, "__path__", [])]
        for place in places:
            files = _policy_files(place) if place.is_dir() else [place] if place.is_file() else []
            found.extend((f, source) for f in files)
    return found


def _describe(path: Path, source: str) -> InstalledPolicy:
    """Name, id, version and Chinese title read from the head of the file (not compiled)."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")[:20_000]
    except OSError:
        text = ""
    top = {key: value.strip() for key, value in _TOP.findall(text)}
    title = _TITLE.search(text)
    title_text = (title.group(1) or title.group(2) or "").strip().strip("\"'") if title else ""
    return InstalledPolicy(path.stem, top.get("id", path.stem), top.get("version", ""), title_text, path, source)


def installed_policies() -> list[InstalledPolicy]:
    """Every installed policy: kaohe's own first, then the entry points', by name."""
    files: list[tuple[Path, str]] = []
    shipped = shipped_dir("policies")
    if shipped:
        files.extend((p, "kaohe") for p in _policy_files(shipped))
    files.extend(_entry_point_files())
    return [_describe(path, source) for path, source in files]


def find_policy(reference: str | Path, relative_to: str | Path | None = None) -> Path:
    """The policy file a reference names; :class:`PolicyNotFound` naming where it looked."""
    text = str(reference)
    places = [Path(relative_to) / text] if relative_to is not None else [Path(text)]
    for place in places:
        if place.is_file() or place.is_dir():
            return place  # a folder is the loader's to refuse (file.unreadable), not "not found"
    wanted = Path(text).name
    stem = wanted[: -len(".yaml")] if wanted.endswith(".yaml") else wanted
    policies = installed_policies()
    if wanted == text:  # a bare name: a path with folders names that file and no other
        for policy in policies:
            if stem in (policy.name, policy.id):
                return policy.path
    names = ", ".join(p.name for p in policies) or "none"
    looked = " and ".join(str(p) for p in places)
    raise PolicyNotFound(Diagnostic.of("policy.not-found", Location(text), policy=text, looked=looked, installed=names))
