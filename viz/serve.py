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
    return env


def server_command(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> list[str]:
    """``solara run viz/app.py`` with this project's settings, as an argv list."""
    return [
        sys.executable, "-m", "solara", "run", str(APP_PATH),
        "--host", host, "--port", str(port),
        "--production", "--no-open", "--no-check-version",
    ]  # fmt: skip


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT) -> int:
    """Run the server until it stops (Ctrl-C); its exit status."""
    process = subprocess.Popen(server_command(host, port), env=server_env())
    try:
        return process.wait()
    except KeyboardInterrupt:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        raise
