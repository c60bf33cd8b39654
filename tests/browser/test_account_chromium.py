"""The reader's account in a real headless Chromium against a real `thuvien serve`: sign in, place a hold
from a record page, and the account, registration and privacy pages measured at 360 px (and 1280 px).

The demo data is the same small network as test_pages_chromium; one reader is added with
`thuvien readers import` before the server starts.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from .test_pages_chromium import (
    DESKTOP,
    MEASURE,
    PHONE,
    THUVIEN,
    _check_page,
    _visit,
    demo_env,
    serving,
)

CARD, PIN = "BROWSER0001", "2580"
DEMO_READER, DEMO_PIN = "Lê Minh Khôi", "1234"  # the README's demo reader
server_info: dict = {}


def _run(env, *args, timeout=180):
    done = subprocess.run([str(THUVIEN), *args], env=env, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, f"thuvien {' '.join(args)}:\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}"
    return done.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data = tmp_path_factory.mktemp("account-browser-data")
    env = demo_env(data)
    _run(env, "demo", "--no-serve", "--records", "300", "--no-ocr")
    libraries = json.loads(_run(env, "libraries", "--json"))
    root = next(lib["code"] for lib in libraries if not lib.get("parent"))
    csv = data / "reader.csv"
    csv.write_text(
        "card,pin,name,category,library,email,birth_date,phone,address\n"
        f"{CARD},{PIN},Nguyễn Thị Thử Trình Duyệt,adult,{root},thu@example.vn,1990-05-01,0912345678,"
        '"12 Lê Lợi, phường Hoa Lư"\n',
        encoding="utf-8",
    )
    _run(env, "readers", "import", str(csv))
    # The demo's own reader (loans overdue and due soon, fines, holds, a parcel), when the demo has one.
    demo = [r for r in json.loads(_run(env, "readers", "list", "--json")) if r.get("name") == DEMO_READER]
    server_info["demo_card"] = demo[0]["card"] if demo else None
    with serving(env, data) as base:
        yield base


def test_sign_in_place_a_hold_and_see_the_account_on_a_phone(server, browser, shots):
    browser.call("Network.clearBrowserCookies")
    browser.viewport(*PHONE, mobile=True)
    # Signed out, the account sends the reader to sign in; the header link is there on every page.
    assert browser.goto(server + "/ban-doc/") == 200
    assert browser.evaluate("location.pathname") == "/ban-doc/dang-nhap/"
    page = browser.evaluate(MEASURE)
    browser.screenshot(shots / "account-sign-in-360.png")
    _check_page(page, "reader sign-in", phone=True)
    assert browser.evaluate("document.activeElement.name") == "card"  # ready to type or scan the card
    browser.submit_and_wait(
        f"document.getElementById('id_card').value = '{CARD}';"
        f"document.getElementById('id_pin').value = '{PIN}';"
        "document.querySelector('form.account-form').requestSubmit();"
    )
    assert browser.evaluate("location.pathname") == "/ban-doc/"

    # A title found the way a reader finds it, then "Đặt giữ" on its page.
    assert browser.goto(server + "/search?q=hoa+binh") == 200
    record = browser.evaluate("document.querySelector('.hit a[href^=\"/record/\"]').getAttribute('href')")
    assert browser.goto(server + record) == 200
    browser.submit_and_wait("document.querySelector('.borrow-actions a.button').click();")
    assert browser.evaluate("location.pathname").startswith("/ban-doc/dat-giu/")
    hold_form = browser.evaluate(MEASURE)
    browser.screenshot(shots / "account-hold-360.png")
    _check_page(hold_form, "place a hold", phone=True)
    browser.submit_and_wait("document.querySelector('form.account-form').requestSubmit();")
    assert browser.evaluate("location.pathname") == "/ban-doc/"

    account = _visit(browser, server + "/ban-doc/", "account", shots)[360]
    assert account["h1"] == ["Tài khoản bạn đọc"]
    assert "Đã đặt giữ" in account["text"] or "trong hàng chờ" in account["text"]
    assert "Yêu cầu giữ tài liệu (1)" in account["text"]
    for url, name in (("/ban-doc/quyen-rieng-tu/", "privacy"), ("/ban-doc/doi-ma-pin/", "pin"),
                      ("/ban-doc/lich-su/", "history")):  # fmt: skip
        _visit(browser, server + url, f"account-{name}", shots)


def test_registration_page_on_a_phone(server, browser, shots):
    browser.call("Network.clearBrowserCookies")
    page = _visit(browser, server + "/ban-doc/dang-ky/", "register", shots)[360]
    assert page["h1"] == ["Đăng ký thẻ bạn đọc"]
    # Sent empty, every error sits next to its field and the page still fits the phone.
    browser.viewport(*PHONE, mobile=True)
    browser.submit_and_wait("document.querySelector('form.account-form').requestSubmit();")
    errors = browser.evaluate(MEASURE)
    browser.screenshot(shots / "register-errors-360.png")
    _check_page(errors, "registration with errors", phone=True)
    assert browser.evaluate("document.querySelectorAll('[aria-invalid=true]').length") >= 5
    browser.viewport(*DESKTOP, mobile=False)


def test_the_demo_readers_full_account_on_a_phone(server, browser, shots):
    """Loans (one overdue), fines, holds in the queue and in transit, a parcel: the busiest account there is."""
    card = server_info.get("demo_card")
    if card is None:
        pytest.skip(f"the demo has no reader named {DEMO_READER}")
    browser.call("Network.clearBrowserCookies")
    browser.viewport(*PHONE, mobile=True)
    assert browser.goto(server + "/ban-doc/dang-nhap/") == 200
    browser.submit_and_wait(
        f"document.getElementById('id_card').value = '{card}';"
        f"document.getElementById('id_pin').value = '{DEMO_PIN}';"
        "document.querySelector('form.account-form').requestSubmit();"
    )
    assert browser.evaluate("location.pathname") == "/ban-doc/"
    page = _visit(browser, server + "/ban-doc/", "account-demo-reader", shots)[360]
    assert "Hạn trả:" in page["text"] and "Gửi sách qua bưu điện" in page["text"]
    _visit(browser, server + "/ban-doc/lich-su/", "account-demo-history", shots)
