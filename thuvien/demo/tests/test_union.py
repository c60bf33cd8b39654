"""The demo's union catalogue: the university library's catalogue joins the provincial records."""

from __future__ import annotations

import pytest

from thuvien.catalog.models import Collection, Item, RecordMerge
from thuvien.catalog.queries import public_records
from thuvien.demo.loader import create_network, load_records
from thuvien.demo.union import SAME, create_collections, load_member_catalogue

pytestmark = pytest.mark.django_db


def test_the_member_catalogue_attaches_to_the_provincial_records_it_duplicates():
    libraries = create_network(1)
    load_records(libraries, 600, 1)
    before = public_records().count()
    report = load_member_catalogue(libraries)
    assert report.rejected == 0 and report.imported > 0
    # Every retyped copy of a provincial record attaches; look-alikes mostly wait for a cataloger.
    retyped = [line for line in report.lines if line.position <= SAME]
    assert retyped and all(line.attached_to for line in retyped)
    if report.imported > SAME:
        assert report.review > 0
    assert public_records().count() == before + report.imported - report.attached
    union = RecordMerge.objects.filter(automatic=True).values_list("survivor_id", flat=True)
    libraries_of = {
        code for code in Item.objects.filter(record_id__in=union).values_list("library__code", flat=True)
    }
    assert "VN-NB-DHHL" in libraries_of and len(libraries_of) > 1
    counts = create_collections(libraries)
    assert Collection.objects.get(code="sach-quy").kind == "rare"
    assert counts["dia-chi"] == Collection.objects.get(code="dia-chi").records.count()
