"""`rainforest viz`: its options, and a server set up to need nothing from outside."""

from __future__ import annotations

import pytest
from rainforest.experiments.cli import build_parser, main
from rainforest.viz.serve import APP_PATH, assets_dir, is_loopback, server_command, server_env


def test_viz_listens_on_loopback_by_default():
    args = build_parser().parse_args(["viz"])
    assert (args.host, args.port) == ("127.0.0.1", 8765)
    args = build_parser().parse_args(["viz", "--host", "::1", "--port", "9000"])
    assert (args.host, args.port) == ("::1", 9000)


@pytest.mark.parametrize("port", ["70000", "-1", "http"])
def test_a_bad_port_is_bad_input(port, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["viz", "--port", port])
    assert exc.value.code == 2
    assert "--port" in capsys.readouterr().err


def test_the_server_serves_the_app_from_local_assets():
    command = server_command("127.0.0.1", 8800)
    assert str(APP_PATH) in command and APP_PATH.is_file()
    assert command[command.index("--host") + 1] == "127.0.0.1"
    assert command[command.index("--port") + 1] == "8800"
    assert {"--production", "--no-check-version", "--no-open"} <= set(command)
    env = server_env({})
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["SOLARA_ASSETS_PROXY"] == "True"
    assert env["SOLARA_THEME_SHOW_BANNER"] == "False"
    cdn = assets_dir()
    assert env["SOLARA_ASSETS_PROXY_CACHE_DIR"] == str(cdn)
    # what Solara's page template loads first: the Vuetify app and require.js
    assert (cdn / "requirejs@2.3.6" / "require.js").is_file()
    assert list(cdn.glob("@widgetti/solara-vuetify-app@*/dist/solara-vuetify-app*.js"))


@pytest.mark.parametrize(
    ("host", "loopback"),
    [("127.0.0.1", True), ("localhost", True), ("::1", True), ("0.0.0.0", False),
     ("192.168.1.4", False), ("example.org", False)],
)  # fmt: skip
def test_is_loopback(host, loopback):
    assert is_loopback(host) is loopback
