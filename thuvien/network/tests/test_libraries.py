import json

import pytest
from django.core.management import call_command

from thuvien.network.actions import add_library, import_libraries_csv, move_library
from thuvien.network.exceptions import NetworkError
from thuvien.network.models import Library

pytestmark = pytest.mark.django_db


def test_tree_paths_and_subtrees(network):
    assert network["commune"].path == "/VN-TST/VN-TST-XA/"
    assert set(network["prov"].subtree().values_list("code", flat=True)) == {
        "VN-TST",
        "VN-TST-XA",
        "VN-TST-THPT",
    }
    assert [lib.code for lib in network["commune"].ancestors()] == ["VN-TST", "VN-TST-XA"]


def test_add_library_validates(network):
    with pytest.raises(NetworkError):
        add_library("VN-TST", "Trùng mã", "commune")
    with pytest.raises(NetworkError):
        add_library("VN-NEW", "Loại sai", "district")
    with pytest.raises(NetworkError):
        add_library("xx", "Mã sai", "commune")
    with pytest.raises(NetworkError):
        add_library("VN-NEW", "Không có cấp trên", "commune", "VN-NOPE")


def test_move_library_moves_its_subtree_and_refuses_cycles(network):
    child = add_library("VN-TST-XA-1", "Phòng đọc thôn", "community", "VN-TST-XA")
    move_library(network["commune"], network["other_prov"])
    child.refresh_from_db()
    assert child.path == "/VN-KHAC/VN-TST-XA/VN-TST-XA-1/"
    with pytest.raises(NetworkError):
        move_library(network["other_prov"], child)


def test_csv_import_reports_bad_rows_and_keeps_good_ones(db):
    text = (
        "code,name,kind,parent,latitude,longitude\n"
        "VN-B-1,Thư viện xã Một,commune,VN-B,20.1,105.9\n"  # child before its parent
        "VN-B,Thư viện tỉnh B,provincial,,20.2,106.0\n"
        "VN-B-2,Loại sai,district,VN-B,,\n"
        "VN-B-3,Không cha,commune,VN-NOPE,,\n"
    )
    result = import_libraries_csv(text)
    assert result.created == 2
    assert len(result.errors) == 2
    assert Library.objects.get(code="VN-B-1").parent.code == "VN-B"


def test_libraries_cli(db, tmp_path, capsys):
    call_command("libraries", "add", "VN-C", "Thư viện tỉnh C", "--kind", "provincial")
    call_command("libraries", "add", "VN-C-1", "Thư viện trường C1", "--kind", "school", "--parent", "VN-C")
    csv = tmp_path / "libs.csv"
    csv.write_text("code,name,kind,parent\nVN-C-2,Thư viện xã C2,commune,VN-C\n", encoding="utf-8")
    call_command("libraries", "import", str(csv))
    capsys.readouterr()
    call_command("libraries", "--json")
    rows = json.loads(capsys.readouterr().out)
    assert {"code": "VN-C-1", "name": "Thư viện trường C1", "kind": "school", "parent": "VN-C"} in rows
    assert {r["code"] for r in rows} == {"VN-C", "VN-C-1", "VN-C-2"}
