"""Stage 6: kaohe as a server, ``kaohe serve``: a REST API for other systems and a web page
for officers, on top of the same library as the command line. Needs ``pip install 'kaohe[serve]'``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from ..base.errors import Problem

__all__ = ["ServeError", "check_binding", "serve"]

TOKEN_VARIABLE = "KAOHE_TOKEN"


class ServeError(Problem):
    """The server cannot start as asked (a public address without a token): a catalogued
    problem, shown by ``kaohe serve`` in the output language."""


def check_binding(host: str, token: str | None) -> str | None:
    """The token to require: none on a loopback address; on any other address a token must
    be given (``--token`` or KAOHE_TOKEN), else ServeError."""
    from .guard import is_loopback

    token = token or os.environ.get(TOKEN_VARIABLE) or None
    if token is not None and len(token) < 16:
        raise ServeError("serve.token")
    if not is_loopback(host) and not token:
        raise ServeError("serve.open", host=host)
    return token


def serve(
    host: str,
    port: int,
    policies: Iterable[str | Path],
    token: str | None = None,
    log_level: str = "info",
    workers: int = 1,
) -> None:
    """Load the policies (installed ones and ``policies``), then answer on host:port until stopped.
    With ``workers`` > 1, uvicorn starts that many processes on the port, each building its app
    with :func:`~engine.service.app.from_environment` (the policies are checked here first, so a
    broken one stops the start before any process does)."""
    import uvicorn

    from .app import Settings, create_app
    from .catalog import Catalog, installed_policy_dirs

    token = check_binding(host, token)
    folders = [Path(p).resolve() for p in policies]
    if workers <= 1:
        app = create_app(Settings(policies=installed_policy_dirs() + folders, token=token))
        uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False, date_header=False)
        return
    Catalog.load(installed_policy_dirs() + folders)  # a broken policy stops the start here, once
    os.environ["KAOHE_POLICIES"] = os.pathsep.join(str(p) for p in folders)
    if token:
        os.environ[TOKEN_VARIABLE] = token
    uvicorn.run(
        f"{__name__}.app:from_environment",
        factory=True,
        workers=workers,
        host=host,
        port=port,
        log_level=log_level,
        server_header=False,
        date_header=False,
    )
