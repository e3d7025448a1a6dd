"""Serving the interactive view with Solara's server, with no network beyond the machine.

By default Solara's page loads its front-end (the Vuetify app, require.js, fonts) from a
public CDN, which offline machines and many secured research networks cannot reach: the
page then stays blank. The ``solara-assets`` package ships those files; the server is
pointed at them and serves them itself. Solara's usage telemetry and its version check
(both calls to outside hosts) are switched off, and the server runs in production mode,
whose page makes no call home either.
"""

from __future__ import annotations

import importlib.metadata
import ipaddress
import os
import signal
import subprocess
import sys
from pathlib import Path

APP_PATH = Path(__file__).with_name("app.py")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
_CDN_MARKER = "share/solara/cdn/"


def assets_dir() -> Path:
    """The folder of front-end files installed by ``solara-assets``."""
    try:
        dist = importlib.metadata.distribution("solara-assets")
    except importlib.metadata.PackageNotFoundError:
        raise RuntimeError(
            "solara-assets is not installed; without it the page loads its front-end from "
            "a public CDN and stays blank offline (pip install solara-assets)"
        ) from None
    for file in dist.files or ():
        text = str(file).replace("\\", "/")
        if _CDN_MARKER in text:
            head = text[: text.index(_CDN_MARKER) + len(_CDN_MARKER)]
            folder = Path(dist.locate_file(head)).resolve()
            if folder.is_dir():
                return folder
    raise RuntimeError("solara-assets is installed but its front-end files were not found")


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def server_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for Solara's server: local assets, no telemetry."""
    env = dict(os.environ if base is None else base)
    env["SOLARA_ASSETS_PROXY"] = "True"
    env["SOLARA_ASSETS_PROXY_CACHE_DIR"] = str(assets_dir())
    env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "False"
    env["SOLARA_THEME_SHOW_BANNER"] = "False"  # its corner badge covered the page's text
    return env


def server_command(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> list[str]:
    """``solara run viz/app.py`` with this project's settings, behind the check of each
    request's ``Host`` (``viz.hosts``), as an argv list."""
    return [
        sys.executable, "-m", "rainforest.viz.hosts", "run", str(APP_PATH),
        "--host", host, "--port", str(port),
        "--production", "--no-open", "--no-check-version",
    ]  # fmt: skip


class Stopped(Exception):
    """This process was asked to stop (SIGTERM, SIGHUP)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    """Run the server until it stops; its exit status. Ctrl-C, SIGTERM (``kill``) and
    SIGHUP (the terminal closed) stop the server with this process, never leaving it
    serving on the port: for a signal, the status is 128 + its number."""

    def stop(signum, frame) -> None:
        raise Stopped(signum)

    previous = _handle(dict.fromkeys(("SIGTERM", "SIGHUP")), stop)
    process = None
    try:
        process = subprocess.Popen(server_command(host, port), env=server_env())
        return process.wait()
    except Stopped as exc:
        return 128 + exc.signum
    finally:  # also on Ctrl-C, which reaches the server too, from the terminal
        _handle(previous)
        if process is not None:
            _end(process)


def _handle(signals: dict, handler=None) -> dict:
    """Set each of ``signals`` (names, as ``SIGTERM``) to ``handler``, or, with no handler,
    to the handler the dict gives it, where this thread may; the handlers they had."""
    earlier = {}
    for name, own in signals.items():
        signum = getattr(signal, name, None) if isinstance(name, str) else name
        action = handler or own
        if signum is None or action is None:
            continue  # not on this platform (SIGHUP on Windows), or not set from Python
        try:
            earlier[signum] = signal.signal(signum, action)
        except ValueError:  # not the main thread: signals keep their effect
            pass
    return earlier


def _end(process: subprocess.Popen) -> None:
    """Stop the server, if it still runs: SIGTERM, then SIGKILL after ten seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
