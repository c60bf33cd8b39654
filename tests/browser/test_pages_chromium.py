"""The reader's pages in a real headless Chromium against a real `thuvien serve` on a small demo network.

Phone (360 px) and desktop (1280 px) widths: no horizontal overflow, tap targets of at least 44 px on
the phone, one <h1>, a <main>, labelled controls, headings in order, images with alt text, Vietnamese by
default and English after the switch in the header. Screenshots of every page at both widths are kept in
the pytest temporary directory (or THUVIEN_SCREENSHOT_DIR) for a human to look at.
"""

from __future__ import annotations

import shutil
import struct
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from thuvien.lib.vn_text import fold
from thuvien.testing import THUVIEN, demo_env, serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("headless Chromium not installed (Debian package `chromium`)", allow_module_level=True)


PHONE = (360, 740)
DESKTOP = (1280, 800)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("browser-data")
    env = demo_env(data)
    demo = subprocess.run(
        [str(THUVIEN), "demo", "--no-serve", "--records", "300", "--no-ocr"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert demo.returncode == 0, demo.stderr[-2000:]
    with serving(env, data) as base:
        yield base


@pytest.fixture(scope="module")
def record_url(server, browser):
    """The record page of a demo title with copies, found the way a reader would: through a search."""
    browser.viewport(*DESKTOP, mobile=False)
    assert browser.goto(server + "/search?q=hoa+binh") == 200
    href = browser.evaluate("document.querySelector('.hit a[href^=\"/record/\"]').getAttribute('href')")
    return server + href


def _png_width(path: Path) -> int:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">I", header[16:20])[0]


# What a phone reader needs from a page, measured in the page itself.
MEASURE = r"""
(() => {
  const viewport = document.documentElement.clientWidth;
  const describe = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
      (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '');
  const clippedByAncestor = el => {
    for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      if (getComputedStyle(p).overflowX !== 'visible') return true;
    }
    return false;
  };
  const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const overflowing = [];
  for (const el of document.body.querySelectorAll('*')) {
    if (!shown(el)) continue;
    const r = el.getBoundingClientRect();
    if (r.right > viewport + 0.5 && !clippedByAncestor(el)) overflowing.push(`${describe(el)} ends at ${Math.round(r.right)}px`);
  }
  // Sideways scrolling inside a box (a table too wide for its card) hides columns just as well.
  const scrollsInside = [...document.body.querySelectorAll('*')].filter(el => shown(el) &&
      ['auto', 'scroll'].includes(getComputedStyle(el).overflowX) && el.scrollWidth > el.clientWidth + 1)
    .map(el => `${describe(el)} holds ${el.scrollWidth}px in ${el.clientWidth}px`);
  const named = el => (el.getAttribute('aria-label') || '').trim() || (el.getAttribute('aria-labelledby') || '') ||
      (el.labels && [...el.labels].some(l => l.textContent.trim())) || (el.title || '').trim();
  const controls = [...document.querySelectorAll('input, select, textarea')].filter(el => el.type !== 'hidden');
  // Targets a thumb must hit: controls, navigation, and links standing alone in lists (titles, libraries,
  // tools, facets, pages). Links inside running text are exempt (WCAG 2.5.8 "inline" exception).
  const targets = [...document.querySelectorAll(
      'button, input:not([type=hidden]), select, summary, header a, main li a, .pagination a, .skip')]
    .filter(el => shown(el) && !el.closest('.visually-hidden') && !el.matches('.skip:not(:focus)'))
    .map(el => ({what: describe(el) + ' "' + (el.textContent || el.value || '').trim().slice(0, 30) + '"',
                 height: el.getBoundingClientRect().height, width: el.getBoundingClientRect().width}));
  return {
    viewport,
    scrollWidth: document.documentElement.scrollWidth,
    overflowing: overflowing.slice(0, 15),
    scrollsInside,
    lang: document.documentElement.getAttribute('lang'),
    title: document.title,
    h1: [...document.querySelectorAll('h1')].map(h => h.textContent.trim().replace(/\s+/g, ' ')),
    mains: document.querySelectorAll('main').length,
    headings: [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')].filter(shown)
      .map(h => [Number(h.tagName[1]), h.textContent.trim().replace(/\s+/g, ' ').slice(0, 40)]),
    unlabelled: controls.filter(el => !named(el)).map(el => el.outerHTML.slice(0, 120)),
    unnamed: [...document.querySelectorAll('a[href], button')].filter(el => shown(el) &&
      !(el.textContent.trim() || (el.getAttribute('aria-label') || '').trim())).map(el => el.outerHTML.slice(0, 120)),
    imagesWithoutAlt: [...document.querySelectorAll('img')].filter(i => !i.hasAttribute('alt')).map(i => i.src),
    small: targets.filter(t => t.height < 44 || t.width < 44),
    text: document.body.innerText,
  };
})()
"""


def _check_page(page: dict, name: str, phone: bool) -> None:
    where = f"{name} at {page['viewport']} px"
    assert page["scrollWidth"] <= page["viewport"], f"{where} scrolls sideways: {page['overflowing']}"
    assert not page["overflowing"], f"{where}: elements wider than the screen: {page['overflowing']}"
    assert not page["scrollsInside"], f"{where}: content scrolls sideways inside: {page['scrollsInside']}"
    assert page["mains"] == 1, f"{where}: {page['mains']} <main> elements"
    assert len(page["h1"]) == 1, f"{where}: <h1> elements: {page['h1']}"
    levels = [level for level, _text in page["headings"]]
    assert levels and levels[0] == 1, f"{where}: the first heading is not the <h1>: {page['headings']}"
    skips = [(a, b) for a, b in zip(page["headings"], page["headings"][1:], strict=False) if b[0] > a[0] + 1]
    assert not skips, f"{where}: headings skip a level: {skips}"
    assert not page["unlabelled"], f"{where}: form controls without a label: {page['unlabelled']}"
    assert not page["unnamed"], f"{where}: links or buttons without an accessible name: {page['unnamed']}"
    assert not page["imagesWithoutAlt"], f"{where}: images without alt: {page['imagesWithoutAlt']}"
    if phone:
        assert not page["small"], f"{where}: tap targets under 44 px: {page['small']}"


def _visit(browser, url: str, name: str, shots: Path) -> dict:
    pages = {}
    for size, phone in ((PHONE, True), (DESKTOP, False)):
        browser.viewport(*size, mobile=phone)
        assert browser.goto(url) == 200, url
        page = browser.evaluate(MEASURE)
        shot = browser.screenshot(shots / f"{name}-{size[0]}.png")
        assert _png_width(shot) == size[0]
        _check_page(page, name, phone)
        pages[size[0]] = page
    return pages


def test_home(server, browser, shots):
    page = _visit(browser, server + "/", "home", shots)[360]
    assert page["lang"] == "vi"
    assert "Tìm sách trong toàn bộ mạng lưới thư viện" in page["h1"][0]


def test_results_for_a_query_typed_without_diacritics(server, browser, shots):
    url = server + "/search?" + urllib.parse.urlencode({"q": "hoa binh"})
    page = _visit(browser, url, "results", shots)[360]
    assert page["lang"] == "vi" and "kết quả" in page["h1"][0]
    titles = browser.evaluate(
        "[...document.querySelectorAll('.hit a[href^=\"/record/\"]')].map(a => a.textContent)"
    )
    spelled = " | ".join(titles)
    # Both tone placements of the same word are found from the unaccented query.
    assert "Hòa Bình" in spelled and "Hoà Bình" in spelled, titles
    assert all("hoa binh" in fold(t) for t in titles[:2]), titles


def test_record(server, browser, shots, record_url):
    page = _visit(browser, record_url, "record", shots)[360]
    assert page["lang"] == "vi"
    assert "hoa binh" in fold(page["h1"][0])
    assert "Thư viện có tài liệu này" in page["text"]


def test_library_list_and_a_library(server, browser, shots):
    page = _visit(browser, server + "/libraries/", "libraries", shots)[360]
    assert page["h1"] == ["Các thư viện trong mạng lưới"]
    first = browser.evaluate(
        "[...document.querySelectorAll('table.register th a')].find(a => a.textContent.startsWith('Thư viện')).href"
    )
    library = _visit(browser, first, "library", shots)[360]
    assert library["h1"][0].startswith("Thư viện") and "Giờ mở cửa" in library["text"]


def test_staff_login(server, browser, shots):
    page = _visit(browser, server + "/staff/login/", "login", shots)[360]
    assert "Đăng nhập" in page["text"]


def test_english_switch_in_the_header(server, browser, shots, record_url):
    """Choose English in the header's select (the form posts to set_language), as a reader does."""
    browser.viewport(*PHONE, mobile=True)
    try:
        assert browser.goto(record_url) == 200
        browser.submit_and_wait(
            "const s = document.getElementById('lang-select'); s.value = 'en'; s.dispatchEvent(new Event('change'));"
        )
        assert browser.evaluate("location.href") == record_url  # back where the reader was
        page = browser.evaluate(MEASURE)
        browser.screenshot(shots / "record-en-360.png")
        _check_page(page, "record (English)", phone=True)
        assert page["lang"] == "en"
        assert "Libraries holding this title" in page["text"] and "Call number" in page["text"]
        assert "Available" in page["text"] or "On loan" in page["text"]
        # The choice sticks: the next pages are English too, and the switch names each language in itself.
        assert browser.goto(server + "/search?q=hoa+binh") == 200
        results = browser.evaluate(MEASURE)
        assert results["lang"] == "en" and "results for" in results["h1"][0]
        options = browser.evaluate(
            "[...document.querySelectorAll('#lang-select option')].map(o => o.textContent)"
        )
        assert options == ["Tiếng Việt", "English"]
        assert browser.goto(server + "/staff/login/") == 200
        login = browser.evaluate(MEASURE)
        browser.screenshot(shots / "login-en-360.png")
        _check_page(login, "staff login (English)", phone=True)
        assert "Sign in" in login["text"]
    finally:
        browser.call("Network.clearBrowserCookies")
