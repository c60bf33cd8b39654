"""The management cast: the department's manager and inspector for the test province (see the root conftest)."""

import pytest

from conftest import _staff


@pytest.fixture
def manager(network):
    """A manager of the Department of Culture: reads the province, reviews reports, opens inspections."""
    return _staff("so.quanly", network["prov"], "manager")


@pytest.fixture
def inspector(network):
    return _staff("so.kiemtra", network["prov"], "inspector")
