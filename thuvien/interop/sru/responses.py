"""The XML of SRU responses, written as strings: 1.1/1.2 (LoC ZiNG namespace) and 2.0 (OASIS namespaces).

Every value that comes from a request or a record passes through ``esc``/``attr``, which also drop
what XML 1.0 cannot carry. Record payloads (MARCXML, DC) arrive as finished XML fragments.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cql import Boolean, Clause, Modifier
from .diagnostics import Diagnostic

NS_1 = "http://www.loc.gov/zing/srw/"
DIAG_1 = "http://www.loc.gov/zing/srw/diagnostic/"
XCQL_1 = "http://www.loc.gov/zing/cql/xcql/"
NS_2 = "http://docs.oasis-open.org/ns/search-ws/sruResponse"
DIAG_2 = "http://docs.oasis-open.org/ns/search-ws/diagnostic"
SCAN_2 = "http://docs.oasis-open.org/ns/search-ws/scan"
EXPLAIN_SCHEMA = "http://explain.z3950.org/dtd/2.0/"
EXACT_COUNT = "info:srw/vocabulary/resultCountPrecision/1/exact"

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def esc(text: str) -> str:
    """Return TEXT as XML character data (characters XML cannot hold become U+FFFD)."""
    if not text.isprintable():
        text = _ILLEGAL.sub("\ufffd", text)
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def attr(text: str) -> str:
    """Return TEXT for a double-quoted XML attribute."""
    return esc(text).replace('"', "&quot;")


@dataclass(frozen=True, slots=True)
class Shape:
    """How one SRU version writes its responses."""

    version: str
    ns: str
    diag_ns: str

    @property
    def v2(self) -> bool:
        return self.version == "2.0"


SHAPES = {v: Shape(v, NS_1, DIAG_1) for v in ("1.1", "1.2")} | {"2.0": Shape("2.0", NS_2, DIAG_2)}


def _head(stylesheet: str | None) -> str:
    if stylesheet:
        return _DECLARATION + f'<?xml-stylesheet type="text/xsl" href="{attr(stylesheet)}"?>\n'
    return _DECLARATION


def diagnostics_xml(prefix: str, diag_ns: str, diagnostics: list[Diagnostic]) -> str:
    """Return the <diagnostics> element of PREFIX holding DIAGNOSTICS."""
    parts = [f"<{prefix}:diagnostics>"]
    for d in diagnostics:
        parts.append(f'<diag:diagnostic xmlns:diag="{diag_ns}"><diag:uri>{d.uri}</diag:uri>')
        if d.details:
            parts.append(f"<diag:details>{esc(d.details)}</diag:details>")
        message = d.text()
        if message:
            parts.append(f"<diag:message>{esc(message)}</diag:message>")
        parts.append("</diag:diagnostic>")
    parts.append(f"</{prefix}:diagnostics>")
    return "".join(parts)


@dataclass(slots=True)
class Found:
    """One record of a page: its schema identifier, its XML, its place in the result."""

    schema: str
    data: str
    position: int


def search_retrieve(
    shape: Shape,
    *,
    total: int,
    records: list[Found] = (),
    next_position: int | None = None,
    diagnostics: list[Diagnostic] = (),
    escaping: str = "xml",
    packing: str = "packed",
    echo: str = "",
    stylesheet: str | None = None,
) -> str:
    """Return a searchRetrieveResponse document."""
    p = "zs" if not shape.v2 else "sru"
    out = [_head(stylesheet), f'<{p}:searchRetrieveResponse xmlns:{p}="{shape.ns}">']
    if not shape.v2:
        out.append(f"<{p}:version>{shape.version}</{p}:version>")
    out.append(f"<{p}:numberOfRecords>{total}</{p}:numberOfRecords>")
    if records:
        out.append(f"<{p}:records>")
        if shape.v2:
            how = f"<{p}:recordPacking>{packing}</{p}:recordPacking><{p}:recordXMLEscaping>{escaping}</{p}:recordXMLEscaping>"
        else:
            how = f"<{p}:recordPacking>{'string' if escaping == 'string' else 'xml'}</{p}:recordPacking>"
        for r in records:
            data = esc(r.data) if escaping == "string" else r.data
            out.append(
                f"<{p}:record><{p}:recordSchema>{r.schema}</{p}:recordSchema>{how}"
                f"<{p}:recordData>{data}</{p}:recordData>"
                f"<{p}:recordPosition>{r.position}</{p}:recordPosition></{p}:record>"
            )
        out.append(f"</{p}:records>")
    if next_position:
        out.append(f"<{p}:nextRecordPosition>{next_position}</{p}:nextRecordPosition>")
    if echo:
        out.append(echo)
    if diagnostics:
        out.append(diagnostics_xml(p, shape.diag_ns, list(diagnostics)))
    if shape.v2 and not diagnostics:
        out.append(f"<{p}:resultCountPrecision>{EXACT_COUNT}</{p}:resultCountPrecision>")
    out.append(f"</{p}:searchRetrieveResponse>")
    return "".join(out)


def scan(
    shape: Shape,
    *,
    terms: list[tuple[str, int]] = (),
    diagnostics: list[Diagnostic] = (),
    stylesheet: str | None = None,
) -> str:
    """Return a scanResponse document (2.0: in the OASIS scan namespace)."""
    if shape.v2:
        p, ns = "scan", SCAN_2
    else:
        p, ns = "zs", shape.ns
    out = [_head(stylesheet), f'<{p}:scanResponse xmlns:{p}="{ns}">']
    if not shape.v2:
        out.append(f"<{p}:version>{shape.version}</{p}:version>")
    if terms:
        out.append(f"<{p}:terms>")
        for value, count in terms:
            out.append(
                f"<{p}:term><{p}:value>{esc(value)}</{p}:value>"
                f"<{p}:numberOfRecords>{count}</{p}:numberOfRecords></{p}:term>"
            )
        out.append(f"</{p}:terms>")
    if diagnostics:
        out.append(diagnostics_xml(p, shape.diag_ns, list(diagnostics)))
    out.append(f"</{p}:scanResponse>")
    return "".join(out)


def explain(
    shape: Shape,
    record: str,
    *,
    escaping: str = "xml",
    diagnostics: list[Diagnostic] = (),
    stylesheet: str | None = None,
) -> str:
    """Return an explainResponse document carrying the ZeeRex RECORD."""
    p = "zs" if not shape.v2 else "sru"
    data = esc(record) if escaping == "string" else record
    if shape.v2:
        how = f"<{p}:recordXMLEscaping>{escaping}</{p}:recordXMLEscaping>"
    else:
        how = f"<{p}:recordPacking>{'string' if escaping == 'string' else 'xml'}</{p}:recordPacking>"
    out = [
        _head(stylesheet),
        f'<{p}:explainResponse xmlns:{p}="{shape.ns}">',
        "" if shape.v2 else f"<{p}:version>{shape.version}</{p}:version>",
        f"<{p}:record><{p}:recordSchema>{EXPLAIN_SCHEMA}</{p}:recordSchema>{how}",
        f"<{p}:recordData>{data}</{p}:recordData></{p}:record>",
    ]
    if diagnostics:
        out.append(diagnostics_xml(p, shape.diag_ns, list(diagnostics)))
    out.append(f"</{p}:explainResponse>")
    return "".join(out)


# --- the request echoed back (SRU 1.1/1.2), with the query as XCQL ---------------------------------


def _modifiers(modifiers: tuple[Modifier, ...]) -> str:
    if not modifiers:
        return ""
    parts = ["<modifiers>"]
    for m in modifiers:
        parts.append(f"<modifier><type>{esc(m.name)}</type>")
        if m.comparison:
            parts.append(f"<comparison>{esc(m.comparison)}</comparison><value>{esc(m.value)}</value>")
        parts.append("</modifier>")
    parts.append("</modifiers>")
    return "".join(parts)


def xcql(node: Clause | Boolean) -> str:
    """Return NODE as XCQL (the xcql namespace is declared by the caller)."""
    if isinstance(node, Clause):
        return (
            f"<searchClause><index>{esc(node.index)}</index>"
            f"<relation><value>{esc(node.relation)}</value>{_modifiers(node.modifiers)}</relation>"
            f"<term>{esc(node.term)}</term></searchClause>"
        )
    return (
        f"<triple><boolean><value>{node.op}</value>{_modifiers(node.modifiers)}</boolean>"
        f"<leftOperand>{xcql(node.left)}</leftOperand><rightOperand>{xcql(node.right)}</rightOperand></triple>"
    )


def echoed_search(shape: Shape, args: dict[str, str], root: Clause | Boolean) -> str:
    """Return the echoedSearchRetrieveRequest of a 1.1/1.2 response (its query read as ROOT)."""
    p = "zs"
    out = [
        f"<{p}:echoedSearchRetrieveRequest><{p}:version>{shape.version}</{p}:version>",
        f"<{p}:query>{esc(args['query'])}</{p}:query>",
        # The XCQL tree takes the xcql namespace as its default inside <xQuery>.
        f"<{p}:xQuery>" + xcql(root).replace(">", f' xmlns="{XCQL_1}">', 1) + f"</{p}:xQuery>",
    ]
    for name in (
        "startRecord",
        "maximumRecords",
        "recordPacking",
        "recordSchema",
        "resultSetTTL",
        "sortKeys",
    ):
        value = args.get(name)
        if value:
            out.append(f"<{p}:{name}>{esc(value)}</{p}:{name}>")
    if args.get("stylesheet"):
        out.append(f"<{p}:stylesheet>{esc(args['stylesheet'])}</{p}:stylesheet>")
    out.append(f"</{p}:echoedSearchRetrieveRequest>")
    return "".join(out)
