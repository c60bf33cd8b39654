"""Build the demo network in the database through the same actions a library would use."""

from __future__ import annotations

import io

import pymarc
from django.db import transaction

from thuvien.accounts.models import StaffRole, User
from thuvien.catalog.actions import ImportReport, import_marc
from thuvien.demo.circulation import build_circulation
from thuvien.demo.copycat import create_copycat_targets
from thuvien.demo.digital import build_digital
from thuvien.demo.generator import demo_people, generate_network, generate_records
from thuvien.demo.reports import build_reports
from thuvien.demo.union import create_collections, load_member_catalogue
from thuvien.network.actions import add_library
from thuvien.network.models import Library
from thuvien.search.indexer import apply_outbox

DEFAULT_RECORDS = 6000


def demo_exists() -> bool:
    return Library.objects.exists()


@transaction.atomic
def create_network(seed: int = 1) -> list[dict]:
    libraries = generate_network(seed)
    for lib in libraries:
        extra = {k: v for k, v in lib.items() if k not in {"code", "name", "kind", "parent"}}
        add_library(lib["code"], lib["name"], lib["kind"], lib.get("parent"), **extra)
    return libraries


@transaction.atomic
def create_people(libraries: list[dict]) -> dict:
    people = demo_people(libraries)
    root = next(lib["code"] for lib in libraries if not lib.get("parent"))
    for person in people.get("staff", []):
        superuser = "admin" in person["roles"] and person["library"] == root
        user = User.objects.create_user(
            person["username"], password=person["password"], first_name=person.get("first_name", ""),
            last_name=person.get("last_name", ""), email=person.get("email", ""),
            # The network's administrator also gets the Django admin (users, libraries, audit log).
            is_staff=superuser, is_superuser=superuser,
        )  # fmt: skip
        library = Library.objects.get(code=person["library"])
        for role in person["roles"]:
            StaffRole.objects.create(user=user, library=library, role=role)
    return people


def load_records(libraries: list[dict], count: int = DEFAULT_RECORDS, seed: int = 1) -> ImportReport:
    buffer = io.BytesIO()
    writer = pymarc.MARCWriter(buffer)
    for record in generate_records(count, libraries, seed=seed):
        writer.write(record)
    root = next(lib for lib in libraries if not lib.get("parent"))
    return import_marc(buffer.getvalue(), library=Library.objects.get(code=root["code"]), filename="demo")


def build_demo(
    count: int = DEFAULT_RECORDS,
    seed: int = 1,
    log=print,
    now=None,
    base_url: str = "http://127.0.0.1:8000",
    ocr: bool | None = None,
) -> dict | None:
    """Create the demo network, accounts, catalogue and circulation unless the database has libraries.

    OCR of the digitised pages runs now when tesseract is installed (OCR None or True), else is queued.

    Returns the demo accounts, with "circulation" (what the desks did) and "kiosk" (the SIP2 account).
    """
    if demo_exists():
        return None
    log("thuvien demo: creating the library network…")
    libraries = create_network(seed)
    people = create_people(libraries)
    log(f"thuvien demo: generating and importing {count} records…")
    report = load_records(libraries, count, seed)
    log(f"thuvien demo: {report.summary()}; the university library's own catalogue…")
    member = load_member_catalogue(libraries)
    if member is not None:
        log(f"thuvien demo: union catalogue {member.summary()}")
    people["collections"] = create_collections(libraries)
    people["copycat"] = [t.code for t in create_copycat_targets(base_url)]
    log("thuvien demo: readers, rules and circulation…")
    circulation = build_circulation(people, now=now, seed=seed, log=log)
    people["circulation"], people["kiosk"] = circulation, circulation.get("kiosk")
    log("thuvien demo: the digitised collection (pages rendered from text, ingest, OCR)…")
    people["digital"] = build_digital(people, log=log, ocr=ocr)
    log("thuvien demo: indexing…")
    apply_outbox()
    log("thuvien demo: the management information (profiles, staff, reports, inspections, indicators)…")
    people["reports"] = build_reports(people, now=now, log=log)
    return people
