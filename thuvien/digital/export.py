"""An object's description for other systems: Dublin Core, METS 1.12 with MODS 3.8, and a PDF of its pages.

Every function here takes the pages to list from its caller (``queries.visible_pages`` for the requester),
so an export never names a page its reader may not see.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyvips
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from thuvien.digital import storage
from thuvien.digital.models import AccessLevel, DigitalObject, Page, Rights
from thuvien.interop.dublin_core import ELEMENTS, oai_dc_xml, record_elements
from thuvien.interop.iiif import ids
from thuvien.lib.vn_text import nfc, strip_isbd

METS_NS = "http://www.loc.gov/METS/"
MODS_NS = "http://www.loc.gov/mods/v3"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
RIGHTS_NS = "http://cosimo.stanford.edu/sdr/metsrights/"
METS_SCHEMA = "http://www.loc.gov/standards/mets/mets.xsd"
MODS_SCHEMA = "http://www.loc.gov/standards/mods/v3/mods-3-8.xsd"
ALTO_SCHEMA = "http://www.loc.gov/standards/alto/v4/alto.xsd"

_M = f"{{{METS_NS}}}"
_MO = f"{{{MODS_NS}}}"
_XL = f"{{{XLINK_NS}}}"
_R = f"{{{RIGHTS_NS}}}"

# Record.material_type → MODS typeOfResource.
RESOURCE_TYPES = {
    "book": "text", "serial": "text", "manuscript": "text", "music": "notated music", "map": "cartographic",
    "image": "still image", "video": "moving image", "audio": "sound recording", "computer": "software, multimedia",
    "kit": "mixed material",
}  # fmt: skip
DCMI_RESOURCE_TYPES = {"text": "text", "stillimage": "still image", "image": "still image", "sound": "sound recording",
                       "movingimage": "moving image", "software": "software, multimedia"}  # fmt: skip
_LANGUAGE_CODE = re.compile(r"[a-z]{3}")
_RELATOR_CODE = re.compile(r"[a-z]{3}")
PDF_DPI = 150


# --- what the object is -------------------------------------------------------------------------------


def describe(obj: DigitalObject) -> dict[str, list[str]]:
    """Return OBJ's Dublin Core elements: its catalogue record's when linked, else its own (``obj.dc``)."""
    if obj.record_id and not obj.owns_record:
        found = dict(record_elements(obj.record))
    else:
        found = {}
        dc = obj.dc or {}
        for name in ELEMENTS:
            value = dc.get(name)
            values = value if isinstance(value, list) else [value] if value else []
            values = [nfc(str(v)).strip() for v in values if str(v).strip()]
            if values:
                found[name] = values
    if "title" not in found:
        found["title"] = [obj.title]
    return found


@dataclass(frozen=True)
class Name:
    """A person, body or meeting responsible for the work, with its role (MARC relator text and/or code)."""

    name: str
    kind: str  # MODS name/@type: personal, corporate, conference
    role: str = ""
    role_code: str = ""


_NAME_TAGS = {"100": ("personal", "abcdq"), "110": ("corporate", "abcd"), "111": ("conference", "acdnq"),
              "700": ("personal", "abcdq"), "710": ("corporate", "abcd"), "711": ("conference", "acdnq")}  # fmt: skip


def names(obj: DigitalObject) -> list[Name]:
    """Return who made OBJ: the 1XX/7XX names of its record with their relators, or its Dublin Core creators."""
    if obj.record_id and not obj.owns_record:
        from thuvien.interop.marc import record_from_json

        found = []
        for field in record_from_json(obj.record.marc).get_fields(*_NAME_TAGS):
            kind, codes = _NAME_TAGS[field.tag]
            name = strip_isbd(" ".join(" ".join(field.get_subfields(*codes)).split()))
            if not name:
                continue
            role = strip_isbd(" ".join(field.get_subfields("e" if kind != "conference" else "j")).strip())
            code = next((c.strip().lower() for c in field.get_subfields("4") if c.strip()), "")
            code = code if _RELATOR_CODE.fullmatch(code) else ""
            if not role and not code:
                # A heading without a relator: the main entry created the work, an added entry contributed.
                code = "cre" if field.tag.startswith("1") else "ctb"
            found.append(Name(nfc(name), kind, nfc(role), code))
        return list(dict.fromkeys(found))
    dc = describe(obj)
    return [Name(n, "personal", "", "cre") for n in dc.get("creator", [])] + [
        Name(n, "personal", "", "ctb") for n in dc.get("contributor", [])
    ]


def is_book(obj: DigitalObject) -> bool:
    """Is OBJ a bound, paged text (a IIIF ``paged`` manifest), rather than sheets or pictures?"""
    if obj.record_id and not obj.owns_record:
        return obj.record.material_type in ("book", "serial", "manuscript", "music")
    kind = (obj.dc or {}).get("type", "")
    return not kind or kind.replace(" ", "").lower() in ("text", "book", "sach")


def object_url(base: str, obj: DigitalObject) -> str:
    return base + reverse("digital:object", args=[obj.pk])


def text_url(base: str, object_id: int, seq: int) -> str:
    """Return the plain-text view of a page (the accessible reading of page SEQ; served by digital_text_urls)."""
    return f"{base}/so-hoa/{int(object_id)}/trang/{int(seq)}/"


def alto_url(base: str, object_id: int, seq: int) -> str:
    return base + reverse("digital:page_alto", args=[object_id, seq])


def image_url(base: str, object_id: int, seq: int, size: str = "max") -> str:
    """Return an IIIF Image API 3.0 request for page SEQ at SIZE (``max`` honours the requester's cap)."""
    return f"{ids.image_service_id(base, object_id, seq)}/full/{size}/0/default.jpg"


def rights_label(obj: DigitalObject) -> str:
    """Return OBJ's rights statement in words: the library's note, else the statement's name."""
    return str(obj.rights_note or (Rights(obj.rights).label if obj.rights in Rights.values else obj.rights))


# --- Dublin Core ----------------------------------------------------------------------------------------


def dc_elements(obj: DigitalObject, *, base: str) -> dict[str, list[str]]:
    """Return OBJ's Dublin Core for export: its description plus its address, rights statement and format."""
    found = describe(obj)
    found["identifier"] = [object_url(base, obj), *[v for v in found.get("identifier", []) if v]]
    found["rights"] = list(dict.fromkeys([obj.rights, rights_label(obj), *found.get("rights", [])]))
    found["format"] = list(dict.fromkeys([*found.get("format", []), "image/jpeg"]))
    found.setdefault("publisher", [obj.library.name])
    return {name: found[name] for name in ELEMENTS if found.get(name)}


def dc_xml(obj: DigitalObject, *, base: str) -> bytes:
    """Return OBJ's simple Dublin Core as an ``oai_dc:dc`` document."""
    body = oai_dc_xml(dc_elements(obj, base=base))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body + "\n").encode()


# --- METS / MODS ----------------------------------------------------------------------------------------


def _sub(parent, tag: str, text: str | None = None, **attrs) -> etree._Element:
    element = etree.SubElement(parent, tag, {k: str(v) for k, v in attrs.items() if v not in (None, "")})
    if text:
        element.text = str(text)
    return element


def mods(obj: DigitalObject, pages: list[Page], *, base: str) -> etree._Element:
    """Return a MODS 3.8 description of OBJ (title, names with roles, origin, language, extent, access …)."""
    dc = describe(obj)
    root = etree.Element(_MO + "mods", nsmap={"mods": MODS_NS, "xlink": XLINK_NS}, version="3.8")
    title = _sub(root, _MO + "titleInfo")
    _sub(title, _MO + "title", dc["title"][0])
    for name in names(obj):
        element = _sub(root, _MO + "name", type=name.kind)
        _sub(element, _MO + "namePart", name.name)
        role = _sub(element, _MO + "role")
        if name.role:
            _sub(role, _MO + "roleTerm", name.role, type="text")
        if name.role_code:
            _sub(role, _MO + "roleTerm", name.role_code, type="code", authority="marcrelator")
    linked = obj.record if obj.record_id and not obj.owns_record else None
    kind = RESOURCE_TYPES.get(linked.material_type, "text") if linked is not None else None
    if kind is None:
        dc_type = (dc.get("type") or [""])[0].replace(" ", "").lower()
        kind = DCMI_RESOURCE_TYPES.get(dc_type, "text")
    _sub(
        root,
        _MO + "typeOfResource",
        kind,
        manuscript="yes" if linked and linked.material_type == "manuscript" else None,
    )
    origin = _sub(root, _MO + "originInfo", eventType="publication")
    if linked is not None and linked.place:
        _sub(_sub(origin, _MO + "place"), _MO + "placeTerm", linked.place, type="text")
    for publisher in dc.get("publisher", []):
        _sub(origin, _MO + "publisher", publisher)
    for date in dc.get("date", []):
        _sub(origin, _MO + "dateIssued", date)
    digitised = _sub(root, _MO + "originInfo", eventType="digitization")
    _sub(digitised, _MO + "publisher", obj.library.name)
    if obj.published_at:
        _sub(digitised, _MO + "dateCaptured", obj.published_at.date().isoformat(), encoding="w3cdtf")
    if not len(origin):
        root.remove(origin)
    for code in dc.get("language", []):
        language = _sub(root, _MO + "language")
        if _LANGUAGE_CODE.fullmatch(code):
            _sub(language, _MO + "languageTerm", code, type="code", authority="iso639-2b")
        else:
            _sub(language, _MO + "languageTerm", code, type="text")
    physical = _sub(root, _MO + "physicalDescription")
    _sub(physical, _MO + "form", "electronic", authority="marcform")
    _sub(physical, _MO + "internetMediaType", "image/jpeg")
    _sub(physical, _MO + "extent", str(len(pages)), unit="pages")
    _sub(physical, _MO + "digitalOrigin", "reformatted digital")
    for text in dc.get("description", []):
        _sub(root, _MO + "abstract", text)
    for topic in dc.get("subject", []):
        _sub(_sub(root, _MO + "subject"), _MO + "topic", topic)
    for place in dc.get("coverage", []):
        _sub(_sub(root, _MO + "subject"), _MO + "geographic", place)
    _sub(root, _MO + "identifier", object_url(base, obj), type="uri")
    location = _sub(root, _MO + "location")
    _sub(location, _MO + "physicalLocation", obj.library.name)
    _sub(location, _MO + "url", object_url(base, obj), usage="primary display", access="object in context")
    _sub(
        location,
        _MO + "url",
        ids.manifest_id(base, obj.pk),
        access="raw object",
        note="IIIF Presentation 3.0",
    )
    condition = _sub(root, _MO + "accessCondition", rights_label(obj), type="use and reproduction")
    condition.set(_XL + "href", obj.rights)
    _sub(root, _MO + "accessCondition", AccessLevel(obj.access).label, type="restriction on access")
    info = _sub(root, _MO + "recordInfo")
    _sub(info, _MO + "recordContentSource", obj.library.code)
    _sub(info, _MO + "recordCreationDate", obj.created_at.date().isoformat(), encoding="w3cdtf")
    _sub(info, _MO + "recordChangeDate", obj.updated_at.date().isoformat(), encoding="w3cdtf")
    _sub(info, _MO + "recordIdentifier", str(obj.pk), source=obj.library.code)
    return root


# METSRights: who may do what with the object, by its access level (the policy, not the requester's view).
_PERMISSIONS = {
    AccessLevel.OPEN: {"GENERAL PUBLIC": dict(DISCOVER="true", DISPLAY="true", COPY="true", PRINT="true")},
    AccessLevel.RESTRICTED: {
        "GENERAL PUBLIC": dict(DISCOVER="true", DISPLAY="false", COPY="false", PRINT="false"),
        "INSTITUTIONAL AFFILIATE": dict(DISCOVER="true", DISPLAY="true", COPY="false", PRINT="false"),
    },
    AccessLevel.SECRET: {"REPOSITORY MGR": dict(DISCOVER="true", DISPLAY="true", COPY="true", PRINT="true")},
}


def rights_category(uri: str) -> str:
    """Return the METSRights category of a rightsstatements.org URI."""
    parts = uri.rstrip("/").split("/")
    code = parts[-2] if len(parts) > 2 else ""
    if code.startswith("InC"):
        return "COPYRIGHTED"
    if code == "NoC-CR":
        return "CONTRACTUAL"
    if code.startswith("NoC"):
        return "PUBLIC DOMAIN"
    return "OTHER"


def _rights_md(obj: DigitalObject) -> etree._Element:
    category = rights_category(obj.rights)
    root = etree.Element(_R + "RightsDeclarationMD", nsmap={"rts": RIGHTS_NS}, RIGHTSCATEGORY=category)
    if category == "OTHER":
        root.set("OTHERCATEGORYTYPE", "UNKNOWN")
    declaration = _sub(root, _R + "RightsDeclaration", rights_label(obj), CONTEXT=obj.rights)
    declaration.set("RIGHTSDECID", obj.rights)
    holder = _sub(root, _R + "RightsHolder")
    _sub(holder, _R + "RightsHolderName", obj.library.name)
    for context, permissions in _PERMISSIONS[AccessLevel(obj.access)].items():
        _sub(_sub(root, _R + "Context", CONTEXTCLASS=context), _R + "Permissions", **permissions)
    return root


def _ranges(toc: list, seqs: list[int]) -> list[tuple[str, list[int]]]:
    """Return (label, pages) per entry of TOC: from its page to the next entry's page − 1, within SEQS."""
    entries = []
    for entry in toc or []:
        try:
            label, page = str(entry["label"]).strip(), int(entry["page"])
        except (KeyError, TypeError, ValueError):
            continue
        if label and page >= 1:
            entries.append((label, page))
    entries.sort(key=lambda e: e[1])
    out = []
    for n, (label, page) in enumerate(entries):
        end = entries[n + 1][1] - 1 if n + 1 < len(entries) else None
        covered = [s for s in seqs if s >= page and (end is None or s <= max(end, page))]
        if covered:
            out.append((label, covered))
    return out


def toc_ranges(obj: DigitalObject, pages: list[Page]) -> list[tuple[str, list[int]]]:
    """Return OBJ's table of contents as (label, page numbers) over PAGES (the pages shown; empty ones go)."""
    return _ranges(obj.toc, [p.seq for p in pages])


def mets(obj: DigitalObject, pages: list[Page], *, base: str) -> etree._Element:
    """Return a METS 1.12 document of OBJ listing PAGES: MODS, rights, files (IIIF images, ALTO) and structure."""
    now = timezone.now().replace(microsecond=0).isoformat()
    root = etree.Element(_M + "mets", nsmap={"mets": METS_NS, "mods": MODS_NS, "xlink": XLINK_NS, "xsi": XSI_NS,
                                              "rts": RIGHTS_NS})  # fmt: skip
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{METS_NS} {METS_SCHEMA} {MODS_NS} {MODS_SCHEMA}")
    root.set("OBJID", object_url(base, obj))
    root.set("LABEL", obj.title)
    root.set("TYPE", "monograph" if is_book(obj) else "object")
    header = _sub(
        root, _M + "metsHdr", CREATEDATE=now, LASTMODDATE=obj.updated_at.replace(microsecond=0).isoformat()
    )
    agent = _sub(header, _M + "agent", ROLE="CUSTODIAN", TYPE="ORGANIZATION")
    _sub(agent, _M + "name", obj.library.name)
    _sub(agent, _M + "note", obj.library.code)

    dmd = _sub(root, _M + "dmdSec", ID="DMD1")
    _sub(_sub(dmd, _M + "mdWrap", MDTYPE="MODS", MIMETYPE="text/xml"), _M + "xmlData").append(
        mods(obj, pages, base=base)
    )
    amd = _sub(root, _M + "amdSec", ID="AMD1")
    rights = _sub(amd, _M + "rightsMD", ID="RIGHTS1")
    wrap = _sub(rights, _M + "mdWrap", MDTYPE="METSRIGHTS", MIMETYPE="text/xml", LABEL=rights_label(obj))
    _sub(wrap, _M + "xmlData").append(_rights_md(obj))

    files = _sub(root, _M + "fileSec")
    images = _sub(files, _M + "fileGrp", USE="DEFAULT")
    thumbs = _sub(files, _M + "fileGrp", USE="THUMBS")
    texts = _sub(files, _M + "fileGrp", USE="FULLTEXT")
    for page in pages:
        seq = page.seq
        image = _sub(images, _M + "file", ID=f"IMG{seq:05d}", MIMETYPE="image/jpeg", SEQ=str(seq))
        _sub(image, _M + "FLocat", LOCTYPE="URL").set(_XL + "href", image_url(base, obj.pk, seq))
        thumb = _sub(thumbs, _M + "file", ID=f"THUMB{seq:05d}", MIMETYPE="image/jpeg", SEQ=str(seq))
        _sub(thumb, _M + "FLocat", LOCTYPE="URL").set(_XL + "href", image_url(base, obj.pk, seq, "!200,200"))
        if page.alto:
            text = _sub(texts, _M + "file", ID=f"ALTO{seq:05d}", MIMETYPE="text/xml", SEQ=str(seq))
            _sub(text, _M + "FLocat", LOCTYPE="URL").set(_XL + "href", alto_url(base, obj.pk, seq))
        else:
            text = _sub(texts, _M + "file", ID=f"TEXT{seq:05d}", MIMETYPE="text/html", SEQ=str(seq))
            _sub(text, _M + "FLocat", LOCTYPE="URL").set(_XL + "href", text_url(base, obj.pk, seq))
    if not pages:
        # A fileSec needs a file group with a file; an object whose pages the requester may not see has none.
        root.remove(files)

    physical = _sub(root, _M + "structMap", TYPE="PHYSICAL")
    sequence = _sub(physical, _M + "div", ID="PHYS0", TYPE="physSequence", LABEL=obj.title)
    for page in pages:
        div = _sub(sequence, _M + "div", ID=f"PHYS{page.seq}", TYPE="page", ORDER=str(page.seq),
                   ORDERLABEL=page.label or str(page.seq))  # fmt: skip
        _sub(div, _M + "fptr", FILEID=f"IMG{page.seq:05d}")
        _sub(div, _M + "fptr", FILEID=f"THUMB{page.seq:05d}")
        _sub(div, _M + "fptr", FILEID=f"{'ALTO' if page.alto else 'TEXT'}{page.seq:05d}")
    logical = _sub(root, _M + "structMap", TYPE="LOGICAL")
    whole = _sub(logical, _M + "div", ID="LOG0", TYPE=root.get("TYPE"), LABEL=obj.title, DMDID="DMD1",
                 ADMID="RIGHTS1")  # fmt: skip
    ranges = toc_ranges(obj, pages)
    for n, (label, _seqs) in enumerate(ranges, 1):
        _sub(whole, _M + "div", ID=f"LOG{n}", TYPE="chapter", LABEL=label, ORDER=str(n))
    links = _sub(root, _M + "structLink")
    _link(links, "LOG0", "PHYS0")
    for n, (_label, seqs) in enumerate(ranges, 1):
        for seq in seqs:
            _link(links, f"LOG{n}", f"PHYS{seq}")
    return root


def _link(parent, source: str, target: str) -> None:
    link = _sub(parent, _M + "smLink")
    link.set(_XL + "from", source)
    link.set(_XL + "to", target)


def mets_xml(obj: DigitalObject, pages: list[Page], *, base: str) -> bytes:
    """Return OBJ's METS document (see ``mets``) as UTF-8 bytes."""
    return etree.tostring(
        mets(obj, pages, base=base), xml_declaration=True, encoding="UTF-8", pretty_print=True
    )


# --- PDF ------------------------------------------------------------------------------------------------


def _pdf_key(obj: DigitalObject, pages: list[Page]) -> str:
    # The pages listed and their masters as they are now: another set of pages, or a page re-scanned,
    # makes another file (the cache is safe to delete at any time).
    digest = hashlib.sha256(f"{obj.pk}:{PDF_DPI}".encode())
    for page in pages:
        stat = storage.master_path(obj.pk, page.seq).stat()
        digest.update(f"|{page.seq}:{page.sha256}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:32]


def pdf_path(obj: DigitalObject, pages: list[Page]) -> Path:
    """Return a PDF of PAGES of OBJ (page images at about 150 dpi), made once and kept in the cache."""
    path = storage.cache_dir(obj.pk) / "pdf" / f"{_pdf_key(obj, pages)}.pdf"
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out:
            write_pdf(obj, pages, out)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_pdf(obj: DigitalObject, pages: list[Page], out) -> None:
    """Write PAGES of OBJ to the binary file OUT as a PDF: one JPEG per page, at most PDF_DPI."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    pdf = canvas.Canvas(out, pageCompression=0)
    pdf.setTitle(obj.title)
    pdf.setAuthor(obj.library.name)
    pdf.setCreator("thuvien")
    pdf.setSubject(obj.rights)
    for page in pages:
        image = pyvips.Image.new_from_file(str(storage.master_path(obj.pk, page.seq)), access="sequential")
        # Masters carry their resolution in pixels per millimetre; one without (or below 50 dpi) is taken
        # as scanned at 300 dpi.
        dpi = image.xres * 25.4 if image.xres * 25.4 >= 50 else 300.0
        width_pt, height_pt = image.width / dpi * 72, image.height / dpi * 72
        if dpi > PDF_DPI * 1.05:
            image = image.resize(PDF_DPI / dpi)
        if image.hasalpha():
            image = image.flatten(background=[255])
        if image.bands not in (1, 3):
            image = image.colourspace("srgb")[:3]
        jpeg = image.cast("uchar").jpegsave_buffer(Q=80, strip=True)
        pdf.setPageSize((width_pt, height_pt))
        pdf.drawImage(ImageReader(io.BytesIO(jpeg)), 0, 0, width_pt, height_pt)
        pdf.showPage()
    pdf.save()
