"""The register profile: update_profile validates every field, writes the profile and the network's contact
fields with their audit entries, all or nothing; completeness and the online-services flag."""

from __future__ import annotations

import pytest

from thuvien.audit.models import AuditEntry
from thuvien.network.models import Library
from thuvien.reports import register
from thuvien.reports.models import LibraryProfile
from thuvien.reports.register import RegisterError

pytestmark = pytest.mark.django_db


def test_update_profile_and_contact(commune_librarian, network):
    library = network["commune"]
    profile = register.update_profile(
        library,
        commune_librarian,
        services=["lending", "online_catalogue", "reading_room"],
        description="Thư viện xã phục vụ bà con.",
        founded_year=1998,
        floor_area_m2="120",
        seats=40,
        governing_body="UBND xã Hòa Bình",
        address="Thôn Đông, xã Hòa Bình",
        phone="0203 3851 234",
        email="thuvien.hoabinh@example.vn",
        website="https://thuvien-hoabinh.example.vn",
        opening_hours="Thứ Hai – Thứ Sáu 7:30–17:00",
        latitude="21,0285",
        longitude=105.8542,
    )
    profile.refresh_from_db()
    library.refresh_from_db()
    # Kept in the order of the list of services, whatever order they came in.
    assert profile.services == ["online_catalogue", "reading_room", "lending"]
    assert profile.founded_year == 1998 and profile.floor_area_m2 == 120 and profile.seats == 40
    assert library.latitude == 21.0285 and library.longitude == 105.8542
    assert library.email == "thuvien.hoabinh@example.vn" and library.phone == "0203 3851 234"
    updated = AuditEntry.objects.get(type="network.library.updated")
    assert updated.actor == commune_librarian and updated.library == library
    assert updated.data["changes"]["latitude"] == "21.0285" and "address" in updated.data["changes"]
    entry = AuditEntry.objects.get(type="reports.profile.updated")
    assert entry.data["created"] and entry.data["online_services"] == ["online_catalogue"]
    assert "services" in entry.data["fields"]
    row = register.RegisterRow(library, profile, register.missing_fields(library, profile))
    assert row.missing == [] and row.percent == 100 and row.online


def test_nothing_changed_writes_no_contact_audit(commune_librarian, network):
    register.update_profile(network["commune"], commune_librarian, phone="0123")
    register.update_profile(network["commune"], commune_librarian, phone="0123", seats=None)
    assert AuditEntry.objects.filter(type="network.library.updated").count() == 1


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ({"latitude": "105.85", "longitude": "21.02"}, "latitude"),  # swapped
        ({"latitude": "48.85", "longitude": "2.35"}, "latitude"),  # Paris
        ({"latitude": "21.02", "longitude": "100.1"}, "longitude"),
        ({"latitude": "21.02", "longitude": ""}, "longitude"),  # half a pair
        ({"latitude": "", "longitude": "105.8"}, "latitude"),
        ({"latitude": "hai mươi mốt", "longitude": "105.8"}, "latitude"),
        ({"email": "khong-phai-thu"}, "email"),
        ({"website": "javascript:alert(1)"}, "website"),
        ({"website": "thuvien.example.vn"}, "website"),
        ({"founded_year": 3000}, "founded_year"),
        ({"founded_year": "năm ngoái"}, "founded_year"),
        ({"seats": -1}, "seats"),
        ({"services": ["online_catalogue", "teleport"]}, "services"),
        ({"phone": "0" * 61}, "phone"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_lost(commune_librarian, network, fields, bad):
    library = network["commune"]
    register.update_profile(library, None, address="Thôn Đông", latitude=21.0, longitude=105.8, seats=10)
    with pytest.raises(RegisterError) as err:
        register.update_profile(library, commune_librarian, address="Địa chỉ mới", **fields)
    assert bad in err.value.errors and err.value.errors[bad]
    library.refresh_from_db()
    assert library.address == "Thôn Đông" and library.latitude == 21.0 and library.longitude == 105.8
    assert LibraryProfile.objects.get(library=library).seats == 10


def test_swapped_coordinates_say_so(commune_librarian, network):
    with pytest.raises(RegisterError) as err:
        register.update_profile(network["commune"], commune_librarian, latitude="105.85", longitude="21.02")
    assert "bị đảo" in err.value.errors["latitude"]


def test_islands_are_inside_vietnam(commune_librarian, network):
    # Trường Sa Lớn: the special zone's library is on the map too.
    register.update_profile(network["commune"], commune_librarian, latitude="8.6453", longitude="111.9203")
    library = Library.objects.get(pk=network["commune"].pk)
    assert (library.latitude, library.longitude) == (8.6453, 111.9203)


def test_clearing_coordinates(commune_librarian, network):
    register.update_profile(network["commune"], commune_librarian, latitude=21.0, longitude=105.8)
    register.update_profile(network["commune"], commune_librarian, latitude="", longitude="")
    library = Library.objects.get(pk=network["commune"].pk)
    assert library.latitude is None and library.longitude is None


def test_who_edits_a_profile(
    commune_librarian, provincial_librarian, manager, inspector, other_library_staff, network
):
    register.update_profile(network["commune"], provincial_librarian, seats=1)  # an admin above
    register.update_profile(network["school"], manager, seats=2)  # the department
    for user, library in (
        (commune_librarian, network["prov"]),
        (commune_librarian, network["school"]),
        (inspector, network["commune"]),
        (other_library_staff, network["commune"]),
    ):
        with pytest.raises(RegisterError) as err:
            register.update_profile(library, user, seats=99)
        assert "__all__" in err.value.errors
    assert sorted(LibraryProfile.objects.values_list("seats", flat=True)) == [1, 2]


def test_unknown_fields_are_a_programming_error(network):
    with pytest.raises(TypeError):
        register.update_profile(network["commune"], None, name="Đổi tên")


def test_register_rows_scope_and_completeness(commune_librarian, manager, other_library_staff, network):
    register.update_profile(
        network["commune"], None, website="https://xa.example.vn", services=["remote_copy"]
    )
    register.update_profile(
        network["school"], None, services=["reading_room"], website="https://t.example.vn"
    )
    rows = {r.library.code: r for r in register.register_rows(manager)}
    assert set(rows) == {"VN-TST", "VN-TST-XA", "VN-TST-THPT"}
    assert rows["VN-TST-XA"].online and not rows["VN-TST-THPT"].online and not rows["VN-TST"].online
    assert "services" in rows["VN-TST"].missing and "services" not in rows["VN-TST-XA"].missing
    assert rows["VN-TST"].profile.pk is None  # no profile yet: an empty one, unsaved
    assert [r.library.code for r in register.register_rows(commune_librarian)] == ["VN-TST-XA"]
    assert [r.library.code for r in register.register_rows(other_library_staff)] == ["VN-KHAC"]
    assert [r.library.code for r in register.register_rows(manager, kind="school")] == ["VN-TST-THPT"]
    assert register.register_library_for(commune_librarian, "VN-TST") is None
    register.update_profile(
        network["commune"], None, address="a", phone="1", email="a@example.vn", opening_hours="h", latitude=21,
        longitude=105, description="d", founded_year=2000, floor_area_m2=1, seats=1, governing_body="g",
    )  # fmt: skip
    codes = [r.library.code for r in register.register_rows(manager, incomplete=True)]
    assert codes == ["VN-TST", "VN-TST-THPT"]
