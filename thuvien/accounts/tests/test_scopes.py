import pytest

from thuvien.accounts.policies import CAN_CATALOGUE
from thuvien.accounts.queries import libraries_for

pytestmark = pytest.mark.django_db


def test_provincial_admin_manages_the_subtree(provincial_librarian, network):
    codes = set(libraries_for(provincial_librarian).values_list("code", flat=True))
    assert codes == {"VN-TST", "VN-TST-XA", "VN-TST-THPT"}


def test_commune_librarian_only_his_own(commune_librarian):
    assert list(libraries_for(commune_librarian, CAN_CATALOGUE).values_list("code", flat=True)) == [
        "VN-TST-XA"
    ]


def test_anonymous_and_other_province(other_library_staff, network):
    from django.contrib.auth.models import AnonymousUser

    assert not libraries_for(AnonymousUser()).exists()
    assert "VN-TST" not in set(libraries_for(other_library_staff).values_list("code", flat=True))
