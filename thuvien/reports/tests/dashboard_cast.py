"""What the dashboard tests share: the manager and stored values built by hand, with the province's targets."""

from __future__ import annotations

import pytest

from thuvien.reports import snapshots
from thuvien.reports.models import Indicator, IndicatorTarget
from thuvien.reports.tests.conftest import manager  # noqa: F401 (a fixture, for the staff tests too)


@pytest.fixture
def figures(network):
    """Stored values built by hand (imported), with the province's targets.

    2024: union catalogue 1/1 at the commune, 0/1 at the school → 50 % against a target of 40 % (met);
    staff trained 3/10 at the province's own library and 1/2 at the commune → 4/12 = 33,3 % against 60 %
    (not met); loans 1.234 + 766 = 2.000. 2023: union catalogue 0/1 + 0/1 → 0 % against 20 %. The other
    province's value is never counted in the test province.
    """
    prov, commune, school = network["prov"], network["commune"], network["school"]
    commune.latitude, commune.longitude = 21.03, 105.85
    commune.save()
    school.latitude, school.longitude = 21.05, 105.80
    school.save()
    union = Indicator.objects.get(code="prog-union-catalogue")
    trained = Indicator.objects.get(code="prog-staff-trained")
    loans = Indicator.objects.get(code="loans")
    store = snapshots.store_imported
    store(union, commune, 2023, 0, 1)
    store(union, school, 2023, 0, 1)
    store(union, commune, 2024, 1, 1)
    store(union, school, 2024, 0, 1)
    store(union, network["other_prov"], 2024, 1, 1)
    store(trained, prov, 2024, 3, 10)
    store(trained, commune, 2024, 1, 2)
    store(loans, commune, 2024, 1234)
    store(loans, school, 2024, 766)
    for indicator, year, value in ((union, 2024, 0.4), (union, 2023, 0.2), (trained, 2024, 0.6)):
        IndicatorTarget.objects.create(indicator=indicator, province=prov, year=year, value=value)
    return {"union": union, "trained": trained, "loans": loans}
