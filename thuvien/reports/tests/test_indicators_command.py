"""``thuvien indicators``: value, target, unit and counts, as text and JSON, live; --save stores them."""

import io
import json

import pytest
from django.core.management import call_command

from thuvien.reports.models import Indicator, IndicatorTarget, IndicatorValue, StatisticsReport


def _approved(library, year, quarter, visits):
    return StatisticsReport.objects.create(
        library=library, period_kind="quarter", year=year, quarter=quarter, status="approved",
        figures={"visits": visits},
    )  # fmt: skip


def _run(*args) -> str:
    out = io.StringIO()
    call_command("indicators", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytest.mark.django_db
def test_json_gives_value_target_and_counts_of_the_subtree(network):
    _approved(network["commune"], 2025, 1, 1200)
    _approved(network["commune"], 2025, 2, 800)
    _approved(network["school"], 2025, 1, 300)
    _approved(network["other_prov"], 2025, 1, 99999)  # another province: never counted
    StatisticsReport.objects.create(library=network["school"], period_kind="quarter", year=2025, quarter=2,
                                    status="submitted", figures={"visits": 5000})  # not approved: not counted  # fmt: skip
    visits = Indicator.objects.get(code="visits")
    IndicatorTarget.objects.create(indicator=visits, province=network["prov"], year=2025, value=2000)

    rows = {row["code"]: row for row in json.loads(_run("--year", "2025", "--library", "VN-TST", "--json"))}
    assert rows["visits"]["value"] == 2300
    assert rows["visits"]["numerator"] == 2300
    assert rows["visits"]["libraries"] == 2
    assert rows["visits"]["target"] == 2000
    assert rows["visits"]["status"] == "above"
    assert rows["visits"]["unit"] == "count"

    one = {
        row["code"]: row for row in json.loads(_run("--year", "2025", "--library", "VN-TST-THPT", "--json"))
    }
    assert one["visits"]["value"] == 300
    assert one["visits"]["status"] == "below"  # the province's target applies to each of its libraries


@pytest.mark.django_db
def test_text_output_and_save(network):
    _approved(network["commune"], 2025, 1, 1234)
    text = _run("--year", "2025", "--library", "VN-TST")
    line = next(line for line in text.splitlines() if line.startswith("visits"))
    assert "1.234" in line

    _run("--year", "2025", "--library", "VN-TST", "--save")
    stored = IndicatorValue.objects.get(indicator__code="visits", library=network["commune"], year=2025)
    assert (stored.numerator, stored.origin) == (1234, "report")


@pytest.mark.django_db
def test_unknown_library_is_a_clear_error(network):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="VN-NOPE"):
        _run("--library", "VN-NOPE")
