"""Shared fixtures: an isolated search index per test, the corpus, a small network and a cast of users."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent
os.environ.setdefault("THUVIEN_DATA_DIR", str(REPO / "var" / "test"))
os.environ.setdefault("THUVIEN_TESTING", "1")


def corpus_dir() -> Path | None:
    path = Path(os.environ.get("THUVIEN_CORPUS") or REPO.parent / "shared" / "corpus")
    return path if path.is_dir() else None


@pytest.fixture
def corpus() -> Path:
    path = corpus_dir()
    if path is None:
        pytest.skip("test corpus not found: set THUVIEN_CORPUS to ../shared/corpus")
    return path


@pytest.fixture(autouse=True)
def search_index(request, tmp_path):
    """Give every test its own empty search index (when Django is loaded at all)."""
    if not request.config.pluginmanager.hasplugin("django"):
        yield None
        return
    settings = request.getfixturevalue("settings")
    from thuvien.search import index

    settings.SEARCH_INDEX_DIR = tmp_path / "index"
    # Queued jobs (e-mail notices) run at once in tests, so what they do can be asserted.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    # Digital files per test too; OCR on ingest only where a test asks for it (tesseract takes seconds).
    settings.DIGITAL_ROOT = tmp_path / "digital"
    settings.DIGITAL_CACHE_DIR = tmp_path / "cache"
    settings.DIGITAL_OCR_ON_INGEST = False
    index._reader.invalidate()
    yield settings.SEARCH_INDEX_DIR
    index._reader.invalidate()


@pytest.fixture
def network(db):
    """A provincial library with two member libraries, and a second, unrelated province."""
    from thuvien.network.actions import add_library

    libs = {
        "prov": add_library("VN-TST", "Thư viện tỉnh Thử Nghiệm", "provincial"),
        "other_prov": add_library("VN-KHAC", "Thư viện tỉnh Khác", "provincial"),
    }
    libs["commune"] = add_library("VN-TST-XA", "Thư viện xã Hòa Bình", "commune", "VN-TST")
    libs["school"] = add_library("VN-TST-THPT", "Thư viện Trường THPT Lê Quý Đôn", "school", "VN-TST")
    return libs


def _staff(username, library, role):
    from thuvien.accounts.models import StaffRole, User

    user = User.objects.create_user(username, password="mat-khau-thu-nghiem-1")  # noqa: S106
    StaffRole.objects.create(user=user, library=library, role=role)
    return user


@pytest.fixture
def provincial_librarian(network):
    return _staff("tinh", network["prov"], "admin")


@pytest.fixture
def commune_librarian(network):
    return _staff("xa", network["commune"], "cataloguer")


@pytest.fixture
def other_library_staff(network):
    """Staff of a library outside the test province: must be refused everywhere in it."""
    return _staff("khac", network["other_prov"], "admin")
