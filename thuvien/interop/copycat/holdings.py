"""Take another library's holdings out of a copied record before it is imported here.

A record copied from another library's catalogue describes the work, not our copies: left in, its
852/952 fields would become items of ours. The fields are cut out of the octets as the target sent
them (ISO 2709 directory rebuilt, MARCXML elements removed), so the text itself reaches the import
untouched and the import's own character-set conversion and report apply to it.
"""

from __future__ import annotations

from lxml import etree

from thuvien.catalog.importer import holdings_maps
from thuvien.interop.marc import detect_format
from thuvien.interop.marc.iso2709 import Reject, parse_structure

__all__ = ["holdings_tags", "strip_holdings"]

# Location (852), item information (876-878) and Koha's items (952), whatever the holdings map says.
ALWAYS = frozenset({"852", "876", "877", "878", "952"})


def holdings_tags() -> frozenset[str]:
    """Return the tags that carry holdings: the fixed ones and those the configured maps read."""
    return ALWAYS | {m.tag for m in holdings_maps()}


def strip_holdings(raw: bytes, tags: frozenset[str] | None = None) -> tuple[bytes, list[str]]:
    """Return RAW without its holdings fields, and the tags removed (one per field).

    A record that cannot be parsed is returned as is: the import rejects it with the reason.
    """
    tags = holdings_tags() if tags is None else tags
    if detect_format(raw[:4096]) == "marcxml":
        return _strip_xml(raw, tags)
    return _strip_iso2709(raw, tags)


def _strip_iso2709(raw: bytes, tags: frozenset[str]) -> tuple[bytes, list[str]]:
    chunk = raw.rstrip(b"\x1d \r\n\x00")
    try:
        parsed = parse_structure(chunk, terminated=True)
    except Reject:
        return raw, []
    kept = [(tag, data) for tag, data in parsed.fields if tag not in tags]
    removed = [tag for tag, _data in parsed.fields if tag in tags]
    if not removed:
        return raw, []
    directory = bytearray()
    body = bytearray()
    for tag, data in kept:
        # A field over 9,998 bytes cannot state its length; the reader then goes by terminators.
        directory += f"{tag}{min(len(data) + 1, 9999):04d}{len(body):05d}".encode("ascii")
        body += data + b"\x1e"
    base = 24 + len(directory) + 1
    length = base + len(body) + 1
    leader = parsed.leader
    leader = f"{min(length, 99999):05d}{leader[5:12]}{base:05d}{leader[17:]}"
    return leader.encode("ascii") + bytes(directory) + b"\x1e" + bytes(body) + b"\x1d", removed


def _strip_xml(raw: bytes, tags: frozenset[str]) -> tuple[bytes, list[str]]:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_pis=True
    )
    try:
        root = etree.fromstring(raw, parser)
    except (etree.XMLSyntaxError, ValueError):
        return raw, []
    if root is None:
        return raw, []
    removed = []
    for el in list(root.iter()):
        if isinstance(el.tag, str) and el.tag.rpartition("}")[2] == "datafield" and el.get("tag") in tags:
            removed.append(el.get("tag"))
            el.getparent().remove(el)
    if not removed:
        return raw, []
    return etree.tostring(root, encoding="utf-8", xml_declaration=True), removed
