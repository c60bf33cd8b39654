import pytest

from thuvien.catalog.models import Item, Record
from thuvien.catalog.tests.factories import import_records, marc_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue(network):
    import_records(
        [
            marc_record("Truyện Kiều", "Nguyễn Du", holdings=[("VN-TST-XA", "XA001", "895")]),
            marc_record("Tắt đèn", "Ngô Tất Tố", holdings=[("VN-TST-THPT", "TH001", "895")]),
        ],
        library=network["prov"],
    )
    return {r.title: r for r in Record.objects.all()}


def test_staff_pages_need_sign_in(client, catalogue):
    record = catalogue["Truyện Kiều"]
    for url in ("/staff/", "/staff/records/", f"/staff/records/{record.pk}/", "/staff/import/"):
        response = client.get(url)
        assert response.status_code == 302 and "/staff/login/" in response["Location"], url


def test_other_library_staff_is_refused(client, catalogue, other_library_staff):
    client.force_login(other_library_staff)
    record = catalogue["Truyện Kiều"]
    item = Item.objects.get(barcode="XA001")
    assert client.get(f"/staff/records/{record.pk}/").status_code == 403
    assert client.post(f"/staff/records/{record.pk}/", {"leader": "x"}).status_code == 403
    assert client.get(f"/staff/items/{item.pk}/").status_code == 403
    assert client.get("/staff/records/").status_code == 200
    assert "Truyện Kiều" not in client.get("/staff/records/").content.decode()


def test_commune_librarian_edits_own_items_not_others(client, catalogue, commune_librarian):
    client.force_login(commune_librarian)
    own = Item.objects.get(barcode="XA001")
    other = Item.objects.get(barcode="TH001")
    assert client.get(f"/staff/items/{own.pk}/").status_code == 200
    assert client.get(f"/staff/items/{other.pk}/").status_code == 403
    assert client.get(f"/staff/records/{catalogue['Tắt đèn'].pk}/").status_code == 403


def test_marc_editor_saves_validates_and_reindexes(client, catalogue, provincial_librarian):
    from thuvien.search.indexer import apply_outbox
    from thuvien.search.service import SearchRequest, search

    client.force_login(provincial_librarian)
    record = catalogue["Truyện Kiều"]
    page = client.get(f"/staff/records/{record.pk}/")
    assert page.status_code == 200 and "$aTruyện Kiều" in page.content.decode()
    bad = client.post(
        f"/staff/records/{record.pk}/",
        {
            "leader": "00000nam a2200000 i 4500",
            "tag": ["001", "245", "100"],
            "ind1": ["", "9", "0"],
            "ind2": ["", "0", "#"],
            "value": ["T1", "no subfield", "$aNguyễn Du"],
        },
    )
    assert bad.status_code == 200
    text = bad.content.decode()
    assert "chỉ thị 1" in text and "mã trường con" in text
    good = client.post(
        f"/staff/records/{record.pk}/",
        {
            "leader": "00000nam a2200000 i 4500",
            "tag": ["001", "245", "100"],
            "ind1": ["", "1", "0"],
            "ind2": ["", "0", "#"],
            "value": ["T1", "$aTruyện Kiều mới /$cNguyễn Du.", "$aNguyễn Du"],
        },
    )
    assert good.status_code == 302
    record.refresh_from_db()
    assert record.title == "Truyện Kiều mới"
    apply_outbox()
    assert search(SearchRequest(q="kieu moi")).total == 1


def test_new_record_and_item(client, network, provincial_librarian):
    client.force_login(provincial_librarian)
    response = client.post(
        "/staff/records/new/",
        {
            "leader": "00000nam a2200000 i 4500",
            "tag": ["245", "100"],
            "ind1": ["1", "0"],
            "ind2": ["0", ""],
            "value": ["$aSổ tay người thủ thư", "$aLê Văn An"],
        },
    )
    assert response.status_code == 302
    record = Record.objects.get(title="Sổ tay người thủ thư")
    response = client.post(
        f"/staff/records/{record.pk}/items/new/",
        {
            "barcode": "NEW001",
            "library": network["commune"].pk,
            "status": "available",
            "location": "KHO-MUON",
        },
    )
    assert response.status_code == 302
    assert record.items.get().barcode == "NEW001"
    dup = client.post(
        f"/staff/records/{record.pk}/items/new/",
        {
            "barcode": "NEW001",
            "library": network["commune"].pk,
            "status": "available",
        },
    )
    assert dup.status_code == 200


def test_import_page(client, network, provincial_librarian):
    import io

    import pymarc

    client.force_login(provincial_librarian)
    buffer = io.BytesIO()
    pymarc.MARCWriter(buffer).write(marc_record("Lịch sử Ninh Bình", "Trần Văn A"))
    upload = io.BytesIO(buffer.getvalue() + b"garbage-that-is-not-marc\x1d")
    upload.name = "lo.mrc"
    response = client.post(
        "/staff/import/", {"file": upload, "library": network["prov"].pk, "encoding": "auto"}
    )
    assert response.status_code == 200
    assert "imported=1" in response.content.decode()
    assert "rejected=1" in response.content.decode()


def test_import_into_another_librarys_catalogue_is_refused(
    client, network, other_library_staff, commune_librarian
):
    import io

    upload = io.BytesIO(b"00000")
    upload.name = "x.mrc"
    client.force_login(other_library_staff)
    response = client.post(
        "/staff/import/", {"file": upload, "library": network["prov"].pk, "encoding": "auto"}
    )
    assert response.status_code == 200 and "imported=" not in response.content.decode()
    client.force_login(commune_librarian)
    upload.seek(0)
    response = client.post(
        "/staff/import/", {"file": upload, "library": network["school"].pk, "encoding": "auto"}
    )
    assert "imported=" not in response.content.decode()
