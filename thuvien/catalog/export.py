"""Export the catalogue as ISO 2709 (UTF-8 or MARC-8) or MARCXML, holdings rendered from live items."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

import pymarc
from django.db.models import Q

from thuvien.catalog.actions import holdings_maps
from thuvien.catalog.models import Item, Record
from thuvien.interop.marc import (
    WriteReport,
    merge_holdings_fields,
    record_from_json,
    render_holding,
    write_iso2709,
    write_marcxml,
)
from thuvien.network.models import Library

ITEM_VALUE_FIELDS = ("home_library", "current_library", "barcode", "call_number", "item_type", "location", "price",
                     "acquired_on")  # fmt: skip


@dataclass
class ExportReport:
    written: int = 0
    errors: list[str] = field(default_factory=list)


def item_values(item: Item, codes: dict[int, str]) -> dict:
    return {
        "home_library": codes.get(item.library_id, ""),
        "current_library": codes.get(item.current_library_id or item.library_id, ""),
        "barcode": item.barcode,
        "call_number": item.call_number,
        "item_type": item.item_type,
        "location": item.location,
        "price": "" if item.price is None else format(item.price.normalize(), "f"),
        "acquired_on": item.acquired_on.isoformat() if item.acquired_on else "",
    }


def records_for_export(library: Library | None = None, batch: int = 2000) -> Iterator[pymarc.Record]:
    """Yield the public records (of LIBRARY's subtree when given) with holdings fields rebuilt from items."""
    maps = {m.tag: m for m in holdings_maps()}
    main = next(iter(maps.values()))
    codes = dict(Library.objects.values_list("id", "code"))
    records = Record.objects.filter(deleted_at__isnull=True, suppressed=False).order_by("id")
    if library is not None:
        subtree = Library.objects.filter(path__startswith=library.path)
        records = records.filter(Q(items__library__in=subtree) | Q(source_library__in=subtree)).distinct()
    ids = list(records.values_list("id", flat=True))
    for start in range(0, len(ids), batch):
        chunk = ids[start : start + batch]
        items = defaultdict(list)
        item_qs = Item.objects.filter(record_id__in=chunk).order_by("id")
        if library is not None:
            item_qs = item_qs.filter(library__path__startswith=library.path)
        for item in item_qs:
            items[item.record_id].append(item)
        for pk, marc in Record.objects.filter(pk__in=chunk).order_by("id").values_list("id", "marc"):
            record = record_from_json(marc)
            fields = []
            for item in items.get(pk, []):
                original = item.marc_field or [main.tag, " ", " ", []]
                hmap = maps.get(original[0], main)
                fields.append(render_holding(original, item_values(item, codes), hmap))
            if fields:
                record = merge_holdings_fields(record, fields)
            yield record


def export_marc(
    out: BinaryIO,
    *,
    fmt: str = "iso2709",
    charset: str = "utf8",
    library: Library | None = None,
    report: WriteReport | None = None,
) -> int:
    """Write the export to OUT; return the number of records written.

    A record ISO 2709 cannot hold (over 99,999 bytes) is left out and listed in REPORT; MARCXML has
    no such limit.
    """
    records = records_for_export(library)
    report = report if report is not None else WriteReport()
    if fmt == "marcxml":
        return write_marcxml(records, out, report=report)
    return write_iso2709(records, out, charset=charset, on_error="skip", report=report)
