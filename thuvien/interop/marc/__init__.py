"""MARC 21 for thuvien: reading (ISO 2709, MARCXML, MARC-in-JSON), writing, MARC-8, derived fields.

Framework-free: no Django here.  The catalogue's import action calls ``read_marc`` and stores
``record_to_json``; exports call the writers; ``extract`` gives the columns for display and search;
``split_holdings``/``render_holding`` move holdings fields to items and back.
"""

from .fields import Extracted, extract
from .holdings import (
    KOHA_952,
    MARC_852,
    Holding,
    HoldingsMap,
    merge_holdings_fields,
    parse_date,
    parse_price,
    render_holding,
    split_holdings,
)
from .json_form import record_from_json, record_to_json
from .marc8 import decode_marc8, encode_marc8
from .reader import ENCODINGS, detect_format, read_marc
from .types import FieldChange, ParsedRecord, RecordError
from .writer import (
    RecordTooLong,
    WriteReport,
    encode_iso2709,
    record_to_xml_element,
    write_iso2709,
    write_marcxml,
)
from .xmlreader import record_from_xml_element

__all__ = [
    "ENCODINGS",
    "KOHA_952",
    "MARC_852",
    "Extracted",
    "FieldChange",
    "Holding",
    "HoldingsMap",
    "ParsedRecord",
    "RecordError",
    "RecordTooLong",
    "WriteReport",
    "decode_marc8",
    "detect_format",
    "encode_iso2709",
    "encode_marc8",
    "extract",
    "merge_holdings_fields",
    "parse_date",
    "parse_price",
    "read_marc",
    "record_from_json",
    "record_from_xml_element",
    "record_to_json",
    "record_to_xml_element",
    "render_holding",
    "split_holdings",
    "write_iso2709",
    "write_marcxml",
]
