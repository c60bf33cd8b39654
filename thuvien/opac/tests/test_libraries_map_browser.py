"""The register's map in a real headless Chromium against the live test server: Leaflet starts, draws one
SVG marker per library with a position, the list has its rows, no JavaScript error — with a tile server
that cannot be reached (there is no network in tests), without one, on a phone, and with JavaScript off.
Screenshots are kept (pytest temporary directory, or THUVIEN_SCREENSHOT_DIR) for a human to look at.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from thuvien.network.actions import add_library
from thuvien.network.models import Library

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("headless Chromium not installed (Debian package `chromium`)", allow_module_level=True)

from tests.browser.cdp import Chromium  # noqa: E402 - only once Chromium is known to be there

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)

PHONE = (360, 740)
DESKTOP = (1280, 900)
# Nothing listens on the discard port: every tile fails at once, as when the tile server is unreachable.
DEAD_TILES = "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png"
TILE_PREFIX = "http://127.0.0.1:9/"

# Errors the page meets, collected from its first script on: uncaught exceptions, rejected promises,
# console.error calls, and failed loads of scripts, styles and images (the capture listener sees those).
CATCH_ERRORS = r"""
(() => {
  if (window.__errors) return;
  window.__errors = [];
  addEventListener('error', e => window.__errors.push('error: ' + (e.message || (e.target && (e.target.src || e.target.href)))), true);
  addEventListener('unhandledrejection', e => window.__errors.push('rejection: ' + String(e.reason)));
  const consoleError = console.error;
  console.error = function (...args) {
    window.__errors.push('console: ' + args.map(String).join(' '));
    return consoleError.apply(this, args);
  };
})();
"""

FAILED_REQUESTS = r"""
performance.getEntriesByType('resource')
  .filter(r => !r.name.endsWith('/favicon.ico') && !r.name.startsWith('data:'))
  .filter(r => r.responseStatus >= 400 || r.responseStatus === 0)
  .map(r => r.name + ' → ' + r.responseStatus)
"""

STATE = r"""
(() => {
  const map = document.querySelector('#library-map');
  return {
    loaded: map && map.dataset.loaded,
    markers: map ? map.querySelectorAll('path.leaflet-interactive').length : null,
    leaflet: !!(map && map.classList.contains('leaflet-container')),
    tilesFailed: !!(map && map.classList.contains('tiles-failed')),
    note: [...document.querySelectorAll('.register-map .map-note')].map(p => p.textContent).join(' '),
    mapHeight: map ? Math.round(map.getBoundingClientRect().height) : null,
    rows: [...document.querySelectorAll('table.register tbody tr')].map(tr => tr.dataset.code),
    legend: [...document.querySelectorAll('.map-legend li')].map(li => li.textContent.trim()),
    legendShown: !!document.querySelector('.map-legend') && document.querySelector('.map-legend').offsetParent !== null,
    scrollWidth: document.documentElement.scrollWidth,
    viewport: document.documentElement.clientWidth,
  };
})()
"""


@pytest.fixture
def places(network):
    """Five active libraries, four with a position, and an inactive one that must not show."""
    Library.objects.filter(code="VN-TST").update(
        latitude=20.254, longitude=105.974, address="Số 27 Lê Hồng Phong"
    )
    Library.objects.filter(code="VN-TST-XA").update(latitude=20.12, longitude=105.90, phone="0229 3873 610")
    Library.objects.filter(code="VN-KHAC").update(latitude=21.03, longitude=105.85)
    add_library(
        "VN-TST-AP", "Thư viện cộng đồng ấp Đông", "community", "VN-TST-XA", latitude=20.13, longitude=105.91
    )
    add_library("VN-TST-CU", "Thư viện đã đóng cửa", "commune", "VN-TST", latitude=20.3, longitude=105.7)
    Library.objects.filter(code="VN-TST-CU").update(active=False)
    # The school (VN-TST-THPT) has no position: listed, not on the map.
    return {"listed": 5, "mapped": 4}


@pytest.fixture
def browser(tmp_path):
    chromium = Chromium(CHROMIUM, tmp_path / "chromium-profile")
    chromium.call("Page.addScriptToEvaluateOnNewDocument", source=CATCH_ERRORS)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def shots(tmp_path) -> Path:
    path = Path(os.environ.get("THUVIEN_SCREENSHOT_DIR") or tmp_path / "screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _until(browser, expression: str, what: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        value = browser.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen in {timeout:.0f} s: {browser.evaluate(STATE)} "
                        f"{browser.evaluate('window.__errors || []')}")  # fmt: skip
        time.sleep(0.1)


def _open_map(browser, url: str, size, phone: bool) -> dict:
    browser.viewport(*size, mobile=phone)
    assert browser.goto(url) == 200, url
    _until(browser, "(document.querySelector('#library-map') || {dataset: {}}).dataset.loaded", "the markers")
    time.sleep(0.5)  # late requests and errors have their chance to show
    return browser.evaluate(STATE)


def _no_errors(browser, where: str) -> None:
    # A tile server that cannot be reached is expected here (no network in tests): its failures are not
    # the page's errors. Anything else is.
    errors = [e for e in browser.evaluate("window.__errors || []") if TILE_PREFIX not in e]
    assert errors == [], f"{where}: JavaScript errors: {errors}"
    failed = [r for r in browser.evaluate(FAILED_REQUESTS) if not r.startswith(TILE_PREFIX)]
    assert failed == [], f"{where}: failed requests: {failed}"


def test_the_map_page_with_an_unreachable_tile_server(live_server, places, browser, shots, settings):
    settings.MAP_TILE_URL = DEAD_TILES
    state = _open_map(browser, f"{live_server.url}/libraries/", DESKTOP, phone=False)
    _until(
        browser,
        "document.querySelector('#library-map').classList.contains('tiles-failed')",
        "the tile notice",
    )
    state = browser.evaluate(STATE)
    browser.screenshot(shots / "libraries-map-1280.png")
    _no_errors(browser, "desktop")
    assert state["loaded"] == "1" and state["leaflet"], state
    assert state["markers"] == places["mapped"], state
    assert len(state["rows"]) == places["listed"] and "VN-TST-CU" not in state["rows"], state
    assert state["tilesFailed"] and "Không tải được nền bản đồ" in state["note"], state
    assert state["legendShown"] and "Thư viện cấp tỉnh" in state["legend"], state
    # A marker's popup links to the library's profile.
    link = browser.evaluate(
        "(() => { const m = document.querySelectorAll('#library-map path.leaflet-interactive');"
        " m[0].dispatchEvent(new MouseEvent('click', {bubbles: true}));"
        " const a = document.querySelector('.leaflet-popup .map-popup-title'); return a && a.getAttribute('href'); })()"
    )
    assert link and "/libraries/VN-" in link, link


def test_a_filtered_map_on_a_phone_without_tiles(live_server, places, browser, shots, settings):
    settings.MAP_TILE_URL = ""
    state = _open_map(browser, f"{live_server.url}/libraries/?unit=&kind=commune", PHONE, phone=True)
    browser.screenshot(shots / "libraries-map-commune-360.png")
    _no_errors(browser, "phone")
    assert state["rows"] == ["VN-TST-XA"] and state["markers"] == 1, state
    assert state["scrollWidth"] <= state["viewport"], f"the page scrolls sideways on a phone: {state}"
    assert state["mapHeight"] >= 200 and not state["tilesFailed"], state
    tiles = browser.evaluate("document.querySelectorAll('#library-map .leaflet-tile').length")
    assert tiles == 0


def test_the_profile_map(live_server, places, browser, shots, settings):
    settings.MAP_TILE_URL = DEAD_TILES
    state = _open_map(browser, f"{live_server.url}/libraries/VN-TST-XA/", PHONE, phone=True)
    browser.screenshot(shots / "library-profile-360.png")
    _no_errors(browser, "profile")
    assert state["markers"] == 1 and state["scrollWidth"] <= state["viewport"], state


def test_the_list_without_javascript(live_server, places, browser, shots):
    browser.call("Emulation.setScriptExecutionDisabled", value=True)
    browser.viewport(*PHONE, mobile=True)
    # Chromium.goto waits on a promise, which a page without scripts never settles: navigate by hand.
    browser.call("Page.navigate", url=f"{live_server.url}/libraries/")
    browser.wait_for("Page.loadEventFired")
    state = browser.evaluate(STATE)
    browser.screenshot(shots / "libraries-nojs-360.png")
    assert len(state["rows"]) == places["listed"], state
    assert not state["leaflet"] and state["markers"] == 0, state
    assert not state["legendShown"] and state["mapHeight"] < 100, state  # no empty grey box
    assert "Bản đồ cần JavaScript" in state["note"], state
    assert state["scrollWidth"] <= state["viewport"], state
