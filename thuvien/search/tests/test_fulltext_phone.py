"""Results with snippets in a real headless Chromium at phone width, against a real `thuvien serve`.

The same measures as the reader's other pages (tests/browser/test_pages_chromium.py): no sideways
scrolling, tap targets of at least 44 px, labelled links; and the snippet itself: the matched words
marked, "Trang N", the links to the viewer and to the page's text.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

from thuvien.testing import THUVIEN, demo_env, serving

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("headless Chromium not installed (Debian package `chromium`)", allow_module_level=True)

from tests.browser.cdp import Chromium  # noqa: E402 - only once Chromium is known to be there
from tests.browser.test_pages_chromium import MEASURE, PHONE, _check_page  # noqa: E402

# A public record with an open object whose page text holds a long passage (the snippet is cut from it).
SETUP = r"""
import json, django
django.setup()
from thuvien.catalog.actions import save_record
from thuvien.catalog.tests.factories import marc_record
from thuvien.digital.testing import make_object
from thuvien.network.actions import add_library
from thuvien.search.indexer import apply_outbox
library = add_library("VN-TST", "Thư viện tỉnh Thử Nghiệm", "provincial")
record = save_record(None, marc_record("Địa chí huyện Gia Viễn", "Ban biên soạn"), library=library)
text = ("Theo sách cũ, vùng đất này xưa kia là nơi hội tụ của nhiều dòng sông lớn nhỏ, " * 3
        + "trong đó có làng nghề chạm khắc đá Ninh Vân nổi tiếng khắp cả nước, "
        + "với những người thợ tài hoa truyền nghề qua nhiều thế hệ nối tiếp nhau. " * 3)
obj = make_object(library, record=record, title="Địa chí huyện Gia Viễn (bản số)",
                  texts=["Lời nói đầu.", text])
apply_outbox()
print(json.dumps({"object": obj.pk, "record": record.pk}))
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    data = tmp_path_factory.mktemp("snippet-data")
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


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium = Chromium(CHROMIUM, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield chromium
    finally:
        chromium.close()


def test_a_snippet_on_a_phone(site, browser, tmp_path):
    base, ids = site
    browser.viewport(*PHONE, mobile=True)
    assert browser.goto(base + "/search?" + urllib.parse.urlencode({"q": "cham khac da ninh van"})) == 200
    page = browser.evaluate(MEASURE)
    # Kept for a human to look at, where the other browser tests keep theirs.
    shots = Path(os.environ.get("THUVIEN_SCREENSHOT_DIR") or tmp_path)
    shots.mkdir(parents=True, exist_ok=True)
    browser.screenshot(shots / "results-snippet-360.png")
    _check_page(page, "results with a snippet", phone=True)
    snippet = browser.evaluate(
        "(() => { const li = document.querySelector('.snippets li');"
        " return li && {text: li.innerText, marks: [...li.querySelectorAll('mark')].map(m => m.textContent),"
        " links: [...li.querySelectorAll('a')].map(a => a.getAttribute('href'))}; })()"
    )
    assert snippet, page["text"][:500]
    assert snippet["marks"] == ["chạm", "khắc", "đá", "Ninh", "Vân"]
    assert snippet["text"].startswith("Trang 2") and "… " in snippet["text"]
    assert snippet["links"] == [f"/so-hoa/{ids['object']}/", f"/so-hoa/{ids['object']}/trang/2/"]
