"""Which records each dataset holds: the network's every public record, a library's those of its subtree."""

import pytest

from thuvien.catalog.tests.factories import import_records, marc_record
from thuvien.interop.opendata.dumps import Scope, rows, scopes

pytestmark = pytest.mark.django_db


def _ids(scope, size=1000):
    return [row.id for row in rows(scope, size=size)]


def test_each_dataset_has_exactly_the_records_of_its_subtree(catalogue, network):
    c = catalogue
    assert _ids(Scope.network()) == sorted([c.prov.pk, c.commune.pk, c.school.pk, c.other.pk])
    # Held (a copy not withdrawn) or contributed (source_library) by a library of the subtree.
    assert _ids(Scope.of(network["prov"])) == sorted([c.prov.pk, c.commune.pk, c.school.pk])
    assert _ids(Scope.of(network["commune"])) == sorted([c.prov.pk, c.commune.pk])
    assert _ids(Scope.of(network["school"])) == [c.school.pk]
    assert _ids(Scope.of(network["other_prov"])) == [c.other.pk]


def test_a_record_merged_away_leaves_its_library_the_record_it_went_into(network):
    from thuvien.catalog.actions import merge_records
    from thuvien.catalog.models import Record

    import_records([marc_record("Lão Hạc", "Nam Cao")], library=network["prov"], index=False)
    import_records([marc_record("Chí Phèo", "Nam Cao", year=1999)], library=network["school"], index=False)
    survivor, merged = Record.objects.order_by("pk")
    merge_records(survivor, merged)
    assert _ids(Scope.of(network["school"])) == [survivor.pk]


def test_chunks_of_any_size_give_the_same_records_once(network):
    # Copies and contributions interleave so that each stream's pages end at different ids.
    records = []
    for n in range(23):
        holdings = [("VN-TST-XA", f"B{n}", "1")] if n % 3 else []
        library = network["commune"] if n % 2 else network["prov"]
        records.append((marc_record(f"Sách số {n}", "Tác Giả", year=2000 + n, holdings=holdings), library))
    for record, library in records:
        import_records([record], library=library, index=False)
    scope = Scope.of(network["commune"])
    expected = sorted(scope.records().values_list("pk", flat=True))
    assert len(expected) == len([1 for n in range(23) if n % 3 or n % 2])
    for size in (1, 2, 3, 5, 7, 1000):
        assert _ids(scope, size) == expected
        assert _ids(Scope.network(), size) == sorted(r.pk for r in Scope.network().records())


def test_scopes_are_the_network_and_the_libraries_with_records(catalogue, network):
    assert [s.key for s in scopes()] == ["network", "VN-KHAC", "VN-TST", "VN-TST-THPT", "VN-TST-XA"]
    network["school"].active = False
    network["school"].save()
    assert "VN-TST-THPT" not in [s.key for s in scopes()]
