"""The English catalogue: complete, compiled, in step with the marked strings, and used by the pages."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.utils.translation.template import templatize

from thuvien.catalog.models import Item, Record
from thuvien.catalog.tests.factories import import_records, marc_record

PACKAGE = Path(__file__).resolve().parents[2]
PO = PACKAGE / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
REGENERATE = "regenerate with the commands at the top of thuvien/locale/en/LC_MESSAGES/django.po"


def parse_po(path: Path) -> list[dict]:
    """Return the entries of a .po file as dicts: context, id, plural, strs (list), flags."""
    entries, entry, field = [], None, None

    def finish():
        if entry is not None and "id" in entry:
            entries.append(entry)

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#~"):  # obsolete entries do not count
            continue
        if line.startswith("#,"):
            finish()
            entry, field = {"flags": {f.strip() for f in line[2:].split(",")}, "strs": {}}, None
            continue
        if line.startswith("#"):
            continue
        keyword, _, rest = line.partition(" ")
        if line.startswith('"'):
            entry[field] += ast.literal_eval(line)
            continue
        if keyword in ("msgctxt", "msgid") and (entry is None or "id" in entry):
            finish()
            entry = {"flags": set(), "strs": {}}
        if keyword == "msgctxt":
            entry["context"] = ast.literal_eval(rest)
            field = "context"
        elif keyword == "msgid":
            entry["id"] = ast.literal_eval(rest)
            field = "id"
        elif keyword == "msgid_plural":
            entry["plural"] = ast.literal_eval(rest)
            field = "plural"
        elif keyword.startswith("msgstr"):
            index = int(keyword[7:-1]) if "[" in keyword else 0
            entry[f"str{index}"] = ast.literal_eval(rest)
            field = f"str{index}"
        else:
            raise AssertionError(f"unexpected .po line: {raw!r}")
    finish()
    for e in entries:
        e["strs"] = [e.pop(k) for k in sorted(k for k in list(e) if re.fullmatch(r"str\d+", k))]
    return entries


@pytest.fixture(scope="module")
def entries():
    parsed = parse_po(PO)
    assert parsed and parsed[0]["id"] == "", "the .po must start with its header"
    return parsed


def test_every_message_has_an_english_translation(entries):
    header, messages = entries[0], entries[1:]
    assert "Language: en" in header["strs"][0]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["strs"][0]
    assert len(messages) > 200
    untranslated = [e["id"] for e in messages if not all(s.strip() for s in e["strs"])]
    assert not untranslated, f"empty msgstr: {untranslated}"
    fuzzy = [e["id"] for e in entries if "fuzzy" in e["flags"]]
    assert not fuzzy, f"fuzzy entries are not used at run time; review them: {fuzzy}"
    for e in messages:
        if "plural" in e:
            assert len(e["strs"]) == 2, f"English needs two plural forms: {e['id']!r}"


def test_placeholders_survive_translation(entries):
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]")
    for e in entries[1:]:
        wanted = sorted(placeholder.findall(e["id"]))
        for s in e["strs"]:
            assert sorted(placeholder.findall(s)) == wanted, f"{e['id']!r} → {s!r}"


def test_compiled_catalogue_matches_the_po(entries):
    assert MO.exists(), f"django.mo is missing: {REGENERATE}"
    with MO.open("rb") as fp:
        mo = gettext.GNUTranslations(fp)
    stale = []
    for e in entries[1:]:
        context = e.get("context")
        if "plural" in e:
            got = [
                mo.npgettext(context, e["id"], e["plural"], n)
                if context
                else mo.ngettext(e["id"], e["plural"], n)
                for n in (1, 2)
            ]
        else:
            got = [mo.pgettext(context, e["id"]) if context else mo.gettext(e["id"])]
        if got != e["strs"]:
            stale.append(e["id"])
    assert not stale, f"django.mo is older than django.po ({REGENERATE}): {stale}"


_STRING = r"""u?(?:'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*")"""
_CALL = re.compile(rf"\b(_|gettext|pgettext|ngettext|npgettext)\(\s*({_STRING}(?:\s*,\s*{_STRING})*)")
_GETTEXT_FUNCTIONS = {"_", "gettext", "gettext_lazy", "gettext_noop", "pgettext", "pgettext_lazy"}


def _marked_in_templates():
    for path in sorted((PACKAGE / "templates").rglob("*.html")):
        # Django's own extraction front end, so the ids are exactly what makemessages produces.
        for function, args in _CALL.findall(templatize(path.read_text(encoding="utf-8"), origin=str(path))):
            strings = ast.literal_eval(f"({args},)")
            if function in ("pgettext", "npgettext"):
                yield path, (strings[0], strings[1])
            else:
                yield path, (None, strings[0].replace("%%", "%") if function == "gettext" else strings[0])


def _marked_in_python():
    for path in sorted(PACKAGE.rglob("*.py")):
        if "tests" in path.parts or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in _GETTEXT_FUNCTIONS
                and node.args
                and all(isinstance(a, ast.Constant) and isinstance(a.value, str) for a in node.args[:2])
            ):
                if node.func.id.startswith("pgettext"):
                    yield path, (node.args[0].value, node.args[1].value)
                else:
                    yield path, (None, node.args[0].value)


def test_catalogue_holds_every_marked_string(entries):
    known = {(e.get("context"), e["id"]) for e in entries}
    marked = list(_marked_in_templates()) + list(_marked_in_python())
    assert len(marked) > 200
    missing = sorted({f"{path.relative_to(PACKAGE)}: {key[1]!r}" for path, key in marked if key not in known})
    assert not missing, f"strings marked for translation but absent from django.po ({REGENERATE}): {missing}"


@pytest.fixture
def catalogue(network):
    import_records(
        [
            marc_record(
                "Truyện Kiều",
                "Nguyễn Du",
                subjects=["Thơ lục bát"],
                holdings=[("VN-TST", "B001", "895.9221 NG-D"), ("VN-TST-XA", "B002", "895.9221 NG-D")],
            ),
            marc_record(
                "Lục Vân Tiên",
                "Nguyễn Đình Chiểu",
                subjects=["Thơ lục bát"],
                holdings=[("VN-TST", "B003", "895")],
            ),
        ]
    )
    Item.objects.filter(barcode="B002").update(status="checked_out")
    return Record.objects.get(title="Truyện Kiều")


@pytest.fixture
def english(client):
    """Switch the way a reader does: the form in the header posts to set_language."""
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302 and client.cookies["django_language"].value == "en"
    return client


@pytest.mark.django_db
def test_pages_are_vietnamese_until_the_reader_switches(client, catalogue):
    page = client.get("/search", {"q": "tho luc bat"}).content.decode()
    assert '<html lang="vi">' in page and "2 kết quả cho" in page and "results for" not in page


@pytest.mark.django_db
def test_search_results_in_english(english, catalogue):
    page = english.get("/search", {"q": "tho luc bat"}).content.decode()
    assert '<html lang="en">' in page
    assert "2 results for" in page
    assert "1 copy on the shelf" in page and "Refine results" in page and "Material type" in page
    # The switch names each language in itself, whatever the page's language.
    assert ">Tiếng Việt</option>" in page and ">English</option>" in page
    assert "kết quả" not in page and "Thu hẹp" not in page


@pytest.mark.django_db
def test_record_page_in_english(english, catalogue):
    page = english.get(f"/record/{catalogue.pk}/").content.decode()
    assert "Available" in page and "On loan" in page
    assert "Call number" in page and "Barcode" in page and "Libraries holding this title" in page
    assert "1 copy on the shelf now" in page and "Similar titles" in page
    assert "Có sẵn" not in page and "Đang cho mượn" not in page


@pytest.mark.django_db
def test_staff_login_in_english(english):
    page = english.get("/staff/login/").content.decode()
    assert "Sign in for library staff" in page and "Username" in page and "Password" in page
    assert ">Sign in</button>" in page
    back = english.post("/i18n/setlang/", {"language": "vi", "next": "/staff/login/"}, follow=True)
    assert "Đăng nhập dành cho cán bộ thư viện" in back.content.decode()
