"""Only requests addressed to the view's own address are answered.

A page on any web site can make the browser that shows it send requests to a name its
author controls, then point that name at 127.0.0.1 (DNS rebinding): the browser then
reaches the view on this machine, as the same site. Such a request still carries the
attacker's name in its ``Host`` header, so the server answers only requests whose
``Host`` names the address it is bound to (or ``localhost``, when that is a loopback
address); any other gets status 400 (a WebSocket, a refused handshake). Bound to every
interface (``0.0.0.0``), the view is open to the network anyway and any name is accepted.

``python -m rainforest.viz.hosts run APP --host HOST ...`` is Solara's ``solara run``
with this check in front of its app (``viz.serve`` starts the server this way).
"""

from __future__ import annotations

import ipaddress
import os
import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
ASGIApp = Callable[[Scope, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
                   Awaitable[None]]  # fmt: skip
REFUSED = b"refused: this server answers only requests addressed to its own address\n"


def allowed_hosts(bound: str) -> frozenset[str] | None:
    """The host names a request to a server bound to ``bound`` may carry; None where any
    may (bound to every interface)."""
    name = bound.strip().strip("[]").lower()
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        address = None
    if address is not None and address.is_unspecified:
        return None
    names = {name}
    if name == "localhost":
        names |= {"127.0.0.1", "::1"}
    elif address is not None and address.is_loopback:
        names.add("localhost")
    return frozenset(names)


def host_name(header: str) -> str:
    """The host in a ``Host`` header, without its port, in lower case: ``[::1]:8765`` is
    ``::1``, ``Example.org:80`` is ``example.org``."""
    text = header.strip().lower()
    if text.startswith("["):
        end = text.find("]")
        return text[1:end] if end > 0 else ""
    if text.count(":") == 1:
        return text.split(":", 1)[0]
    return text


class HostCheck:
    """ASGI middleware: requests (HTTP and WebSocket) whose ``Host`` is not one of
    ``hosts`` are refused before they reach ``app``."""

    def __init__(self, app: ASGIApp, hosts: frozenset[str]) -> None:
        self.app = app
        self.hosts = hosts

    async def __call__(self, scope: Scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket") and not self.allowed(scope):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await send({
                "type": "http.response.start", "status": 400,
                "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                            (b"content-length", str(len(REFUSED)).encode())],
            })  # fmt: skip
            await send({"type": "http.response.body", "body": REFUSED})
            return
        await self.app(scope, receive, send)

    def allowed(self, scope: Scope) -> bool:
        hosts = [value for key, value in scope.get("headers", ()) if key.lower() == b"host"]
        if len(hosts) != 1:
            return False
        return host_name(hosts[0].decode("latin-1")) in self.hosts


def run_solara(argv: list[str]) -> None:
    """``solara run`` with ``argv``'s options, its app behind ``HostCheck`` where the
    address it is bound to (``--host``) needs one."""
    bound = argv[argv.index("--host") + 1] if "--host" in argv else "localhost"
    hosts = allowed_hosts(bound)
    if hosts is not None:
        # Solara reads its app's path when its server module is imported: here, before
        # `solara run` would set it, so that the check is in place before the first request
        os.environ["SOLARA_APP"] = argv[argv.index("run") + 1]
        from solara.server.starlette import app

        app.add_middleware(HostCheck, hosts=hosts)
    from solara.__main__ import cli

    cli(argv, prog_name="solara")


if __name__ == "__main__":
    run_solara(sys.argv[1:])
