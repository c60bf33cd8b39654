"""The reading page in a real headless Chromium against a real `thuvien serve`: Mirador starts, loads the
manifest, draws the page with OpenSeadragon, searches inside, without a JavaScript error or a failed
request, on a phone (390 × 844) and on a desktop. Screenshots are kept (pytest temporary directory, or
THUVIEN_SCREENSHOT_DIR) for a human to look at.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time

import pytest

from thuvien.testing import THUVIEN, demo_env, serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("headless Chromium not installed (Debian package `chromium`)", allow_module_level=True)

PHONE = (390, 844)
DESKTOP = (1280, 800)

# One library, an open book of three rendered pages and a table of contents, made with the project's own
# helpers in the server's database and files; tesseract reads the pages when it is installed (the words'
# boxes are what search-inside highlights).
SETUP = r"""
import json, django
django.setup()
from thuvien.network.actions import add_library
from thuvien.digital.testing import make_object
from thuvien.digital.ocr import ocr_page, tesseract_available
library = add_library("VN-TST", "Thư viện tỉnh Thử Nghiệm", "provincial")
texts = [
    "Địa chí Ninh Bình. Lời nói đầu: đất và người cố đô Hoa Lư.",
    "Chương một. Chùa Bái Đính nằm ở phía tây bắc cố đô, trên sườn núi đá vôi.",
    "Chương hai. Làng nghề thêu ren Văn Lâm, nghề cổ truyền hơn bảy trăm năm.",
]
obj = make_object(library, title="Địa chí Ninh Bình", texts=texts, dpi=200)
obj.toc = [{"label": "Lời nói đầu", "page": 1}, {"label": "Chương một", "page": 2}, {"label": "Chương hai", "page": 3}]
obj.save(update_fields=["toc"])
ocr = tesseract_available()
if ocr:
    for page in obj.pages.all():
        ocr_page(page.pk, force=True)
print(json.dumps({"object": obj.pk, "ocr": ocr}))
"""

# Errors the page meets, collected from its first script on: uncaught exceptions, rejected promises,
# console.error calls (React and Mirador report there).
CATCH_ERRORS = r"""
(() => {
  if (window.__errors) return;
  window.__errors = [];
  addEventListener('error', e => window.__errors.push('error: ' + (e.message || e.target && e.target.src)), true);
  addEventListener('unhandledrejection', e => window.__errors.push('rejection: ' + String(e.reason)));
  const consoleError = console.error;
  console.error = function (...args) {
    window.__errors.push('console: ' + args.map(String).join(' '));
    return consoleError.apply(this, args);
  };
})();
"""

# Every request the page made (documents, scripts, manifest, info.json, tiles) with its HTTP status.
# (The site has no favicon yet; the browser asks for one on its own.)
FAILED_REQUESTS = r"""
performance.getEntriesByType('resource')
  .filter(r => !r.name.endsWith('/favicon.ico') && !r.name.startsWith('data:'))
  .filter(r => r.responseStatus >= 400 || r.responseStatus === 0)
  .map(r => r.name + ' → ' + r.responseStatus)
"""
# React 19 reports a deprecation inside the pinned Mirador 4.0.0 bundle (its Material UI reads element.ref)
# through console.error. It is a warning about the library's own code, not a failure of this page; anything
# else logged as an error fails the test.
KNOWN_LIBRARY_WARNINGS = ("console: Accessing element.ref was removed in React 19.",)

STATE = r"""
(() => {
  const root = document.querySelector('#mirador');
  const canvas = root && root.querySelector('.openseadragon-canvas canvas');
  const rect = canvas ? canvas.getBoundingClientRect() : null;
  return {
    mirador: !!(root && root.querySelector('.mirador-viewer')),
    canvas: !!canvas,
    canvasSize: rect ? [Math.round(rect.width), Math.round(rect.height)] : null,
    viewerBox: root ? [Math.round(root.getBoundingClientRect().width), Math.round(root.getBoundingClientRect().height)] : null,
    scrollWidth: document.documentElement.scrollWidth,
    viewport: document.documentElement.clientWidth,
    tiles: performance.getEntriesByType('resource').filter(r => r.name.includes('/iiif/3/')).length,
    manifest: performance.getEntriesByType('resource').some(r => r.name.includes('/iiif/presentation/')),
    searchButton: !!root && [...root.querySelectorAll('button')].some(b => /tìm|search/i.test(b.getAttribute('aria-label') || '')),
  };
})()
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data = tmp_path_factory.mktemp("viewer-data")
    env = demo_env(data)
    migrate = subprocess.run([str(THUVIEN), "migrate", "--no-input"], env=env, capture_output=True, text=True,
                             timeout=300)  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    made = subprocess.run([sys.executable, "-c", SETUP], env={**env, "DJANGO_SETTINGS_MODULE": "thuvien.settings"},
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert made.returncode == 0, made.stderr[-2000:]
    ids = json.loads(made.stdout.strip().splitlines()[-1])
    with serving(env, data) as base:
        yield base, ids


def _until(browser, expression: str, what: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        value = browser.evaluate(expression)
        if value:
            return value
        if time.monotonic() > deadline:
            state = browser.evaluate(STATE)
            errors = browser.evaluate("window.__errors || []")
            pytest.fail(f"{what} did not happen in {timeout:.0f} s: {state} {errors}")
        time.sleep(0.2)


def _open(browser, url: str, size: tuple[int, int], phone: bool) -> dict:
    browser.viewport(*size, mobile=phone)
    browser.call("Page.addScriptToEvaluateOnNewDocument", source=CATCH_ERRORS)
    assert browser.goto(url) == 200, url
    _until(browser, "!!document.querySelector('#mirador .mirador-viewer')", "Mirador's start")
    _until(
        browser, "!!document.querySelector('#mirador .openseadragon-canvas canvas')", "OpenSeadragon's canvas"
    )
    # The page image arrives as tiles from the image server.
    _until(browser, "performance.getEntriesByType('resource').some(r => /\\/iiif\\/3\\/.*default\\.jpg/.test(r.name))",
           "a tile request")  # fmt: skip
    time.sleep(1.0)  # late requests and errors have their chance to show
    return browser.evaluate(STATE)


def _no_errors(browser, where: str) -> None:
    errors = [
        e for e in browser.evaluate("window.__errors || []") if not e.startswith(KNOWN_LIBRARY_WARNINGS)
    ]
    assert errors == [], f"{where}: JavaScript errors: {errors}"
    failed = browser.evaluate(FAILED_REQUESTS)
    assert failed == [], f"{where}: failed requests: {failed}"


def test_mirador_on_a_phone(site, browser, shots):
    base, ids = site
    state = _open(browser, f"{base}/so-hoa/{ids['object']}/", PHONE, phone=True)
    browser.screenshot(shots / "digital-viewer-390.png")
    _no_errors(browser, "phone")
    assert state["mirador"] and state["canvas"] and state["manifest"], state
    assert state["scrollWidth"] <= state["viewport"], f"the page scrolls sideways on a phone: {state}"
    width, height = state["viewerBox"]
    assert width >= PHONE[0] - 40 and height >= 0.7 * PHONE[1], f"the viewer is too small on a phone: {state}"
    assert state["canvasSize"][0] > 200 and state["canvasSize"][1] > 200, state
    # The no-JavaScript way in is there too: each page's text.
    links = browser.evaluate(
        "[...document.querySelectorAll('.page-list a')].map(a => a.getAttribute('href'))"
    )
    assert f"/so-hoa/{ids['object']}/trang/1/" in links


def test_mirador_on_a_desktop_with_search_inside(site, browser, shots):
    base, ids = site
    state = _open(browser, f"{base}/so-hoa/{ids['object']}/?q=Bai+Dinh", DESKTOP, phone=False)
    # The search panel opens with the query and asks the content search service.
    _until(browser, "performance.getEntriesByType('resource').some(r => r.name.includes('/iiif/search/1/'))",
           "a content search request")  # fmt: skip
    if ids["ocr"]:
        # The hit lists the words as the page has them, with their diacritics, though typed without.
        _until(browser, "(document.querySelector('#mirador .mirador-companion-window-left') || {}).innerText"
                        ".includes('Bái Đính')", "a search hit in the side panel")  # fmt: skip
    time.sleep(1.0)
    # Asked once (Mirador's defaultSearchQuery asks twice and lists each hit twice: viewer.js avoids it).
    asked = browser.evaluate("performance.getEntriesByType('resource').filter(r => r.name.includes('/iiif/search/'))"
                             ".map(r => r.name)")  # fmt: skip
    assert len(asked) == 1, asked
    browser.screenshot(shots / "digital-viewer-1280.png")
    _no_errors(browser, "desktop")
    assert state["mirador"] and state["canvas"], state
    assert state["scrollWidth"] <= state["viewport"], state


def test_the_digital_library_home_on_a_phone(site, browser, shots):
    base, ids = site
    browser.viewport(*PHONE, mobile=True)
    assert browser.goto(f"{base}/so-hoa/") == 200
    browser.screenshot(shots / "digital-home-390.png")
    state = browser.evaluate(
        "({scrollWidth: document.documentElement.scrollWidth, viewport: document.documentElement.clientWidth,"
        " covers: [...document.querySelectorAll('.digital-grid img')].map(i => i.complete && i.naturalWidth > 0)})"
    )
    assert state["scrollWidth"] <= state["viewport"], state
    assert state["covers"] == [True], state  # the thumbnail came from the image server
    _no_errors(browser, "home")
