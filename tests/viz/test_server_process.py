"""`rainforest viz` as a real server on a free loopback port: it answers only requests
addressed to its own address (a page elsewhere cannot reach it by DNS rebinding), and a
SIGTERM to it ends its Solara server too, freeing the port. Every request goes to
127.0.0.1; each wait is bounded."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rainforest.viz.hosts import allowed_hosts, host_name

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"
SERVER_START_S = 90


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


def _status(port: int, host: str | None, path: str = "/readyz") -> int:
    connection = http.client.HTTPConnection(LOOPBACK, port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": host} if host is not None else {})
        return connection.getresponse().status
    finally:
        connection.close()


def _start(tmp_path: Path) -> Server:
    port = _free_port()
    log = tmp_path / f"viz-{port}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "rainforest.experiments.cli", "viz",
             "--host", LOOPBACK, "--port", str(port)],
            cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, the Solara server in it
        )  # fmt: skip
    server = Server(process, port, log)
    deadline = time.monotonic() + SERVER_START_S
    while True:
        if process.poll() is not None:
            pytest.fail(f"rainforest viz exited with {process.returncode}:\n{log.read_text()}")
        try:
            if _status(port, f"{LOOPBACK}:{port}") == 200:
                return server
        except OSError:
            pass
        if time.monotonic() > deadline:
            _stop_group(server)
            pytest.fail(f"rainforest viz did not answer on port {port} in {SERVER_START_S} s")
        time.sleep(0.5)


def _stop_group(server: Server) -> None:
    try:
        os.killpg(server.process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    server.process.wait(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    running = _start(tmp_path_factory.mktemp("viz"))
    try:
        yield running
    finally:
        _stop_group(running)


@pytest.mark.parametrize("host", ["{ip}:{port}", "localhost:{port}", "LOCALHOST", "{ip}"])
def test_requests_addressed_to_the_server_are_answered(server, host):
    assert _status(server.port, host.format(ip=LOOPBACK, port=server.port)) == 200


@pytest.mark.parametrize(
    "host",
    ["rebind.example:{port}", "rebind.example", "127.0.0.1.rebind.example:{port}",
     "localhost.:{port}", "[::1]:{port}", ""],
)  # fmt: skip
def test_requests_addressed_to_another_host_are_refused(server, host):
    for path in ("/readyz", "/"):
        assert _status(server.port, host.format(port=server.port), path) == 400


def test_a_websocket_addressed_to_another_host_is_refused(server):
    handshake = (
        "GET /jupyter/api/kernels/k/channels HTTP/1.1\r\n"
        f"Host: rebind.example:{server.port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    )
    with socket.create_connection((LOOPBACK, server.port), timeout=10) as sock:
        sock.sendall(handshake.encode())
        status_line = sock.recv(4096).split(b"\r\n", 1)[0]
    assert status_line.split()[1] == b"403", status_line  # no 101 Switching Protocols


def test_sigterm_to_viz_ends_its_server_and_frees_the_port(tmp_path, group_ended):
    server = _start(tmp_path)
    try:
        os.kill(server.process.pid, signal.SIGTERM)  # as `kill PID` does: viz alone
        status = server.process.wait(timeout=30)
        ended = group_ended(server.process.pid, 20)
    finally:
        _stop_group(server)
    assert status == 128 + signal.SIGTERM
    assert ended, "the Solara server outlived rainforest viz"
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection((LOOPBACK, server.port), timeout=5).close()
    assert "Traceback" not in server.log.read_text()


@pytest.mark.parametrize(
    ("bound", "allowed"),
    [("127.0.0.1", {"127.0.0.1", "localhost"}), ("::1", {"::1", "localhost"}),
     ("localhost", {"localhost", "127.0.0.1", "::1"}), ("192.168.1.4", {"192.168.1.4"}),
     ("0.0.0.0", None), ("::", None)],
)  # fmt: skip
def test_allowed_hosts(bound, allowed):
    assert allowed_hosts(bound) == (None if allowed is None else frozenset(allowed))


@pytest.mark.parametrize(
    ("header", "name"),
    [("127.0.0.1:8765", "127.0.0.1"), ("[::1]:8765", "::1"), ("[::1]", "::1"),
     ("Example.ORG", "example.org"), ("", ""), ("[::1", "")],
)  # fmt: skip
def test_host_name(header, name):
    assert host_name(header) == name
