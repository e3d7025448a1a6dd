"""The interactive view as a student uses it: a real server, a real (headless) browser.

The test starts ``rainforest viz`` on a free loopback port, opens the page in Debian's
Chromium through Playwright, and refuses every request that would leave the machine:
the page must render from the files ``solara-assets`` ships. It moves a plan's slider,
resets, steps a few quarters and checks that the step counter, the output chart and the
counters changed. The screenshot it saves shows what the student saw.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
LOOPBACK = "127.0.0.1"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SERVER_START_S = 90
UI_TIMEOUT_MS = 30_000


def _chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


INSPECTED_ORG = 0  # an institute: institutes never exit, so it is there at any tick


def _drawn_at(org_id: int) -> tuple[float, float]:
    """Where the page's default model draws an organisation, as fractions of the network
    picture from its top left."""
    from rainforest.viz.drawing import figure_png, network_figure, network_fraction
    from rainforest.viz.model import ViewModel

    model = ViewModel()
    fig = network_figure(model)
    figure_png(fig)  # drawing fixes the axes' box
    return network_fraction(fig, *model.layout.positions(model)[org_id])


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def chromium() -> str:
    pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    path = _chromium()
    if path is None:
        pytest.skip(
            "no Chromium found (/usr/bin/chromium): install Debian's chromium and "
            "chromium-driver packages, as .ci/run does"
        )
    return path


@pytest.fixture(scope="module")
def server(chromium: str):
    """``rainforest viz`` on a free loopback port; stopped, with its children, at the end."""
    port = _free_port()
    url = f"http://{LOOPBACK}:{port}/"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "rainforest.experiments.cli",
            "viz",
            "--host",
            LOOPBACK,
            "--port",
            str(port),
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: the Solara server is a child
    )
    try:
        deadline = time.monotonic() + SERVER_START_S
        while True:
            if process.poll() is not None:
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                pytest.fail(f"rainforest viz exited with {process.returncode}:\n{output}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"rainforest viz did not answer on {url} in {SERVER_START_S} s")
            time.sleep(0.5)
        yield url
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=15)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        if process.stdout:
            process.stdout.close()


def test_student_moves_a_slider_resets_and_steps(server: str, chromium: str, tmp_path: Path):
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=UI_TIMEOUT_MS)
    outside: list[str] = []
    failed: list[str] = []

    def only_loopback(route) -> None:
        if urlparse(route.request.url).hostname in (LOOPBACK, "localhost"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1500, "height": 1350})
            context.set_default_timeout(UI_TIMEOUT_MS)
            context.route("**/*", only_loopback)
            page = context.new_page()
            page.on(
                "response",
                lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None,
            )
            page.goto(server)

            expect(page.get_by_text("Time: 0.0", exact=True)).to_be_visible()
            expect(page.locator(".rf-network img").first).to_be_visible()
            expect(page.get_by_text("What the network shows.")).to_be_visible()
            plans = page.locator(".rf-plans")
            expect(plans).to_contain_text("Array (× 1.0: RMB 1.50 bn a year)")

            whatif = page.locator(".rf-whatif img")
            expect(whatif).to_be_visible()
            whatif_before = whatif.get_attribute("src")
            page.screenshot(path=str(tmp_path / "rainforest-viz-start.png"), full_page=True)

            # Click the middle of the Array plan's slider (0-3): 1.5. The what-if panel
            # follows at once, without Reset; then Reset rebuilds the animated model.
            slider = page.get_by_role("slider", name="Array plan budget ×")
            track = page.locator(".v-input", has=page.get_by_text("Array plan budget ×"))
            track.scroll_into_view_if_needed()
            box = track.locator(".v-slider__track-container").bounding_box()
            assert box is not None
            moved = time.perf_counter()
            page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            expect(slider).to_have_attribute("aria-valuenow", "1.5")
            expect(whatif).not_to_have_attribute("src", whatif_before)
            print(f"\nslider to updated what-if chart: {time.perf_counter() - moved:.2f} s")
            expect(page.get_by_text("Time: 0.0", exact=True)).to_be_visible()
            expect(plans).to_contain_text("Array (× 1.0: RMB 1.50 bn a year)")
            page.get_by_role("button", name="Reset").click()
            expect(plans).to_contain_text("Array (× 1.5: RMB 2.25 bn a year)")

            counters = page.locator(".rf-counters")
            output_image = page.locator(".rf-output img")
            counters_before = counters.inner_text()
            image_before = output_image.get_attribute("src")
            step = page.get_by_role("button", name="Step")
            for n in range(1, 12):  # the settling years 2021-2022, then into 2023
                step.click()
                expect(page.get_by_text(f"Time: {float(n)}", exact=True)).to_be_visible()
            expect(counters).to_contain_text("2023 Q3")
            expect(counters).not_to_have_text(counters_before)
            expect(page.locator(".rf-count-innovation_centers")).not_to_have_text("0 / 15")
            assert output_image.get_attribute("src") != image_before

            # Click an institute on the network: the inspector shows it.
            fx, fy = _drawn_at(INSPECTED_ORG)
            picture = page.locator(".rf-network-image")
            picture.scroll_into_view_if_needed()
            box = picture.bounding_box()
            assert box is not None
            page.mouse.click(box["x"] + fx * box["width"], box["y"] + fy * box["height"])
            expect(page.locator(".rf-inspector-title")).to_contain_text(
                f"Inspector: Institute {INSPECTED_ORG}: a "
            )
            page.screenshot(path=str(tmp_path / "rainforest-viz-inspector.png"), full_page=True)

            # Compare with a second scenario: both on the what-if chart and scorecard.
            compared = page.locator(".rf-whatif-compared")
            compare = page.locator(".v-input", has=page.get_by_text("Compare with"))
            compare.scroll_into_view_if_needed()
            compare.locator(".v-select__slot").click()
            page.get_by_role("option", name="baseline", exact=True).click()
            expect(compared).to_have_text("these settings | baseline unchanged")

            shot = tmp_path / "rainforest-viz.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 20_000
            if os.environ.get("RAINFOREST_SCREENSHOTS"):
                keep = Path(os.environ["RAINFOREST_SCREENSHOTS"])
                keep.mkdir(parents=True, exist_ok=True)
                for png in tmp_path.glob("rainforest-viz*.png"):
                    shutil.copy(png, keep / png.name)
        finally:
            browser.close()

    assert outside == [], f"the page asked for outside resources: {outside}"
    assert failed == [], f"requests that failed: {failed}"
