"""SIP2 (3M Standard Interchange Protocol 2.00) codec: parse and format messages. No Django here.

A message is a two-digit command code, fixed-length fields in an order set by the command, then
variable-length fields ``XXvalue|`` in any order, then optionally ``AY<n>AZ<checksum>`` (error
detection), then a carriage return. Parsing is lenient where kiosks in the field differ from the
spec (line endings, unpadded checksums, a missing transaction date) and strict where a guess would be
unsafe; it raises :class:`ParseError` for what it cannot read. Formatting never fails on text: what
the kiosk's character set cannot show is written without diacritics.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from zoneinfo import ZoneInfo

CR = b"\r"
FIELD_END = "|"
MAX_FIELD_CHARS = 255
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DEFAULT_ENCODING = "utf-8"


class ParseError(ValueError):
    """The bytes are not a SIP2 message this codec can read."""

    def __init__(self, reason: str, code: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class ChecksumError(ParseError):
    """The message carries an AZ checksum that does not match its bytes."""


@dataclass(frozen=True)
class Spec:
    code: str
    name: str
    fixed: tuple[tuple[str, int], ...]
    fields: tuple[str, ...]
    response: str | None = None

    @property
    def fixed_length(self) -> int:
        return sum(length for _, length in self.fixed)


_D18 = 18  # YYYYMMDDZZZZHHMMSS

_SPEC_LIST = [
    Spec("93", "login", (("uid_algorithm", 1), ("pwd_algorithm", 1)), ("CN", "CO", "CP"), "94"),
    Spec("94", "login_response", (("ok", 1),), ()),
    Spec("99", "sc_status", (("status_code", 1), ("max_print_width", 3), ("protocol_version", 4)), (), "98"),
    Spec(
        "98",
        "acs_status",
        (
            ("online_status", 1),
            ("checkin_ok", 1),
            ("checkout_ok", 1),
            ("acs_renewal_policy", 1),
            ("status_update_ok", 1),
            ("offline_ok", 1),
            ("timeout_period", 3),
            ("retries_allowed", 3),
            ("date_time_sync", _D18),
            ("protocol_version", 4),
        ),
        ("AO", "AM", "BX", "AN", "AF", "AG"),
    ),
    Spec(
        "63",
        "patron_information",
        (("language", 3), ("transaction_date", _D18), ("summary", 10)),
        ("AO", "AA", "AC", "AD", "BP", "BQ"),
        "64",
    ),
    Spec(
        "64",
        "patron_information_response",
        (
            ("patron_status", 14),
            ("language", 3),
            ("transaction_date", _D18),
            ("hold_items_count", 4),
            ("overdue_items_count", 4),
            ("charged_items_count", 4),
            ("fine_items_count", 4),
            ("recall_items_count", 4),
            ("unavailable_holds_count", 4),
        ),
        (
            "AO",
            "AA",
            "AE",
            "BZ",
            "CA",
            "CB",
            "BL",
            "CQ",
            "BH",
            "BV",
            "CC",
            "AS",
            "AT",
            "AU",
            "AV",
            "BU",
            "CD",
            "BD",
            "BE",
            "BF",
            "AF",
            "AG",
        ),
    ),  # fmt: skip
    Spec(
        "23", "patron_status", (("language", 3), ("transaction_date", _D18)), ("AO", "AA", "AC", "AD"), "24"
    ),
    Spec(
        "24",
        "patron_status_response",
        (("patron_status", 14), ("language", 3), ("transaction_date", _D18)),
        ("AO", "AA", "AE", "BL", "CQ", "BH", "BV", "AF", "AG"),
    ),
    Spec(
        "11",
        "checkout",
        (("sc_renewal_policy", 1), ("no_block", 1), ("transaction_date", _D18), ("nb_due_date", _D18)),
        ("AO", "AA", "AB", "AC", "CH", "AD", "BO", "BI"),
        "12",
    ),
    Spec(
        "12",
        "checkout_response",
        (("ok", 1), ("renewal_ok", 1), ("magnetic_media", 1), ("desensitize", 1), ("transaction_date", _D18)),
        ("AO", "AA", "AB", "AJ", "AH", "BT", "CI", "BH", "BV", "CK", "CH", "BK", "AF", "AG"),
    ),
    Spec(
        "09",
        "checkin",
        (("no_block", 1), ("transaction_date", _D18), ("return_date", _D18)),
        ("AP", "AO", "AB", "AC", "CH", "BI"),
        "10",
    ),
    Spec(
        "10",
        "checkin_response",
        (("ok", 1), ("resensitize", 1), ("magnetic_media", 1), ("alert", 1), ("transaction_date", _D18)),
        # CT/CV/CY/DA are the 3M extensions (destination, alert type, hold patron) kiosks and sorters read.
        ("AO", "AB", "AQ", "AJ", "CL", "AA", "CK", "CH", "CT", "CV", "CY", "DA", "AF", "AG"),
    ),
    Spec(
        "29",
        "renew",
        (("third_party_allowed", 1), ("no_block", 1), ("transaction_date", _D18), ("nb_due_date", _D18)),
        ("AO", "AA", "AD", "AB", "AJ", "AC", "CH", "BO"),
        "30",
    ),
    Spec(
        "30",
        "renew_response",
        (("ok", 1), ("renewal_ok", 1), ("magnetic_media", 1), ("desensitize", 1), ("transaction_date", _D18)),
        ("AO", "AA", "AB", "AJ", "AH", "BT", "CI", "BH", "BV", "CK", "CH", "BK", "AF", "AG"),
    ),
    Spec("65", "renew_all", (("transaction_date", _D18),), ("AO", "AA", "AD", "AC", "BO"), "66"),
    Spec(
        "66",
        "renew_all_response",
        (("ok", 1), ("renewed_count", 4), ("unrenewed_count", 4), ("transaction_date", _D18)),
        ("AO", "BM", "BN", "AF", "AG"),
    ),
    Spec("17", "item_information", (("transaction_date", _D18),), ("AO", "AB", "AC"), "18"),
    Spec(
        "18",
        "item_information_response",
        (("circulation_status", 2), ("security_marker", 2), ("fee_type", 2), ("transaction_date", _D18)),
        ("CF", "AH", "CJ", "CM", "AB", "AJ", "BG", "BH", "BV", "CK", "AQ", "AP", "CH", "AF", "AG"),
    ),
    Spec(
        "37",
        "fee_paid",
        (("transaction_date", _D18), ("fee_type", 2), ("payment_type", 2), ("currency_type", 3)),
        ("BV", "AO", "AA", "AC", "AD", "CG", "BK"),
        "38",
    ),
    Spec(
        "38",
        "fee_paid_response",
        (("payment_accepted", 1), ("transaction_date", _D18)),
        ("AO", "AA", "BK", "AF", "AG"),
    ),
    Spec(
        "15",
        "hold",
        (("hold_mode", 1), ("transaction_date", _D18)),
        ("BW", "BS", "BY", "AO", "AA", "AD", "AB", "AJ", "AC", "BO"),
        "16",
    ),
    Spec(
        "16",
        "hold_response",
        (("ok", 1), ("available", 1), ("transaction_date", _D18)),
        ("BW", "BR", "BS", "AO", "AA", "AB", "AJ", "AF", "AG"),
    ),
    Spec("35", "end_patron_session", (("transaction_date", _D18),), ("AO", "AA", "AC", "AD"), "36"),
    Spec(
        "36",
        "end_session_response",
        (("end_session", 1), ("transaction_date", _D18)),
        ("AO", "AA", "AF", "AG"),
    ),
    Spec("97", "request_acs_resend", (), ()),
    Spec("96", "request_sc_resend", (), ()),
    # Not asked of thuvien by its kiosks, but read so that they get a proper answer, not a resend loop.
    Spec(
        "01",
        "block_patron",
        (("card_retained", 1), ("transaction_date", _D18)),
        ("AO", "AL", "AA", "AC"),
        "24",
    ),
    Spec("19", "item_status_update", (("transaction_date", _D18),), ("AO", "AB", "AC", "CH"), "20"),
    Spec(
        "20",
        "item_status_update_response",
        (("item_properties_ok", 1), ("transaction_date", _D18)),
        ("AB", "AJ", "CH", "AF", "AG"),
    ),
    Spec("25", "patron_enable", (("transaction_date", _D18),), ("AO", "AA", "AC", "AD"), "26"),
    Spec(
        "26",
        "patron_enable_response",
        (("patron_status", 14), ("language", 3), ("transaction_date", _D18)),
        ("AO", "AA", "AE", "BL", "CQ", "AF", "AG"),
    ),
]
SPECS: dict[str, Spec] = {spec.code: spec for spec in _SPEC_LIST}
REQUEST_CODES = frozenset(spec.code for spec in _SPEC_LIST if spec.response or spec.code == "97")

# The 14 positions of the patron status field, in order (Y = the condition holds).
PATRON_STATUS_FLAGS = (
    "charge_denied",
    "renewal_denied",
    "recall_denied",
    "hold_denied",
    "card_lost",
    "too_many_charged",
    "too_many_overdue",
    "too_many_renewals",
    "too_many_claims_returned",
    "too_many_lost",
    "excessive_fines",
    "excessive_fees",
    "recall_overdue",
    "too_many_billed",
)

# The positions of the 63 "summary" field, and the 64 field that lists that category's items.
SUMMARY_CATEGORIES = (
    ("hold", "AS"),
    ("overdue", "AT"),
    ("charged", "AU"),
    ("fine", "AV"),
    ("recall", "BU"),
    ("unavailable_hold", "CD"),
)

# The 16 positions of the 98 "supported messages" (BX) field, as request codes.
SUPPORTED_MESSAGES_ORDER = (
    "23", "11", "09", "01", "99", "97", "93", "63", "35", "37", "17", "19", "25", "15", "29", "65",
)  # fmt: skip


class CirculationStatus:
    OTHER = "01"
    ON_ORDER = "02"
    AVAILABLE = "03"
    CHARGED = "04"
    CHARGED_NOT_RECALLABLE = "05"
    IN_PROCESS = "06"
    RECALLED = "07"
    ON_HOLD_SHELF = "08"
    WAITING_TO_RESHELVE = "09"
    IN_TRANSIT = "10"
    CLAIMED_RETURNED = "11"
    LOST = "12"
    MISSING = "13"


class AlertType:
    """Values of the checkin response's CV field (3M extension)."""

    UNKNOWN = "00"
    LOCAL_HOLD = "01"
    REMOTE_HOLD = "02"
    ILL_TRANSFER = "03"
    TRANSFER = "04"
    OTHER = "99"


@dataclass
class Message:
    """One parsed message: its fixed fields by name, its variable fields by two-letter id."""

    code: str
    fixed: dict[str, str] = field(default_factory=dict)
    fields: dict[str, list[str]] = field(default_factory=dict)
    sequence: int | None = None
    checksummed: bool = False
    encoding: str = DEFAULT_ENCODING

    @property
    def spec(self) -> Spec:
        return SPECS[self.code]

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def error_detection(self) -> bool:
        """Whether the answer should carry AY/AZ: it does when the request did."""
        return self.checksummed or self.sequence is not None

    def get(self, field_id: str, default: str = "") -> str:
        values = self.fields.get(field_id)
        return values[0] if values else default

    def getall(self, field_id: str) -> list[str]:
        return list(self.fields.get(field_id, ()))

    def has(self, field_id: str) -> bool:
        return field_id in self.fields


# --- checksums ----------------------------------------------------------------------------------


def checksum(data: bytes) -> str:
    """Return the AZ value for DATA (everything up to and including "AZ"): four uppercase hex digits."""
    return f"{-sum(data) & 0xFFFF:04X}"


_TRAILER_RE = re.compile(rb"AZ([0-9A-Fa-f]{1,4})$")
_SEQUENCE_RE = re.compile(rb"AY([0-9])$")


def _checksum_matches(region: bytes, value: int, encoding: str) -> bool:
    if (sum(region) + value) & 0xFFFF == 0:
        return True
    # Some clients sum characters rather than bytes; the two differ only outside ASCII.
    if not region.isascii():
        text = _decode(region, encoding)[0]
        if (sum(map(ord, text)) + value) & 0xFFFF == 0:
            return True
    return False


# --- text -----------------------------------------------------------------------------------------

_FOLD_LETTERS = {"đ": "d", "Đ": "D", "ð": "d", "Ð": "D"}


def _fold_char(ch: str) -> str:
    ch = _FOLD_LETTERS.get(ch, ch)
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    return base


def _fold_errors(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: write what the charset cannot hold without diacritics, else '?'."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    out = []
    for ch in error.object[error.start : error.end]:
        folded = _fold_char(ch)
        try:
            folded.encode(error.encoding)
        except (UnicodeEncodeError, LookupError):
            folded = "?"
        out.append(folded or "?")
    return "".join(out), error.end


codecs.register_error("thuvien-sip2-fold", _fold_errors)


def normalise_encoding(name: str | None) -> str:
    """Return the codec name for NAME, or UTF-8 when NAME is empty or unknown."""
    if not name:
        return DEFAULT_ENCODING
    try:
        return codecs.lookup(name).name
    except LookupError:
        return DEFAULT_ENCODING


def _decode(data: bytes, encoding: str) -> tuple[str, str]:
    """Decode DATA with ENCODING, falling back to UTF-8, cp1252, then latin-1 (which never fails)."""
    for candidate in (encoding, DEFAULT_ENCODING, "cp1252", "latin-1"):
        try:
            return data.decode(candidate), candidate
        except (UnicodeDecodeError, LookupError):
            continue
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def encode_text(text: str, encoding: str) -> bytes:
    """Encode TEXT for the kiosk, Vietnamese letters losing their marks where the charset lacks them."""
    text = unicodedata.normalize("NFC", text)
    return text.encode(normalise_encoding(encoding), errors="thuvien-sip2-fold")


def clean_value(value: object) -> str:
    """Make VALUE safe inside a variable field: no field or message terminators, at most 255 chars."""
    text = "" if value is None else str(value)
    text = text.replace("|", "/").replace("\r", " ").replace("\n", " ")
    text = "".join(ch if ch >= " " else " " for ch in text)
    return text[:MAX_FIELD_CHARS]


# --- dates --------------------------------------------------------------------------------------

BLANK_DATE = " " * 18
_DATE_RE = re.compile(r"^(\d{4})(\d{2})(\d{2})([ A-Z0-9]{4})(\d{2})(\d{2})(\d{2})$")


def format_date(value: datetime | date | None, tz: tzinfo = LOCAL_TZ) -> str:
    """Return VALUE as YYYYMMDDZZZZHHMMSS in local time (ZZZZ blank), or 18 blanks for None."""
    if value is None:
        return BLANK_DATE
    if not isinstance(value, datetime):
        value = datetime.combine(value, time(23, 59, 59))
    if value.tzinfo is not None:
        value = value.astimezone(tz)
    return value.strftime("%Y%m%d") + "    " + value.strftime("%H%M%S")


def parse_date(text: str, tz: tzinfo = LOCAL_TZ) -> datetime | None:
    """Read a SIP2 date; blank ZZZZ is local time (TZ), a Z in the last position is UTC."""
    m = _DATE_RE.match(text or "")
    if not m:
        return None
    year, month, day, zone, hh, mm, ss = m.groups()
    try:
        naive = datetime(int(year), int(month), int(day), int(hh), int(mm), int(ss))
    except ValueError:
        return None
    if zone.strip() == "Z":
        return naive.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz)
    return naive.replace(tzinfo=tz)


def _looks_like_date(text: str) -> bool:
    return text == BLANK_DATE or _DATE_RE.match(text) is not None


# --- parsing --------------------------------------------------------------------------------------

_FIELD_ID_RE = re.compile(r"^[A-Za-z0-9]{2}$")
_CODE_RE = re.compile(r"^[0-9]{2}$")


def parse(data: bytes | str, encoding: str = DEFAULT_ENCODING, *, verify: bool = True) -> Message:
    """Parse one message (terminator optional); raise ParseError, or ChecksumError for a bad AZ."""
    encoding = normalise_encoding(encoding)
    raw = data if isinstance(data, bytes) else data.encode(DEFAULT_ENCODING, errors="surrogatepass")
    raw = raw.strip(b"\r\n")
    if not raw:
        raise ParseError("empty message")
    head = raw[:2].decode("latin-1")
    if not _CODE_RE.match(head):
        raise ParseError("no command code")
    spec = SPECS.get(head)
    if spec is None:
        raise ParseError(f"unknown command {head}", head)

    checksummed = False
    sequence = None
    trailer = _TRAILER_RE.search(raw)
    if trailer is not None and _trailer_is_ours(raw, trailer.start(), spec):
        region = raw[: trailer.start() + 2]
        if verify and not _checksum_matches(region, int(trailer.group(1), 16), encoding):
            raise ChecksumError("checksum mismatch", head)
        checksummed = True
        raw = raw[: trailer.start()]
    seq = _SEQUENCE_RE.search(raw)
    if seq is not None and _trailer_is_ours(raw, seq.start(), spec):
        sequence = int(seq.group(1))
        raw = raw[: seq.start()]

    text, used = _decode(raw, encoding)
    body = text[2:]
    fixed: dict[str, str] = {}
    pos = 0
    for name, length in spec.fixed:
        chunk = body[pos : pos + length]
        if length == _D18 and not _looks_like_date(chunk) and body[pos : pos + 2] in spec.fields:
            # A field where a date should be: the kiosk left the date out (some clients do for 65).
            fixed[name] = ""
            continue
        if len(chunk) < length:
            raise ParseError(f"truncated at fixed field {name}", head)
        fixed[name] = chunk
        pos += length
    fields: dict[str, list[str]] = {}
    for piece in body[pos:].split(FIELD_END):
        if not piece:
            continue
        field_id = piece[:2]
        if not _FIELD_ID_RE.match(field_id):
            raise ParseError(f"bad field {piece[:10]!r}", head)
        fields.setdefault(field_id, []).append(piece[2:])
    return Message(head, fixed, fields, sequence, checksummed, used)


def _trailer_is_ours(raw: bytes, start: int, spec: Spec) -> bool:
    """Tell AY/AZ from the same letters inside a field value: they follow a '|', AY<n> or the fixed part."""
    if start == 2 + spec.fixed_length or raw[start - 1 : start] == b"|":
        return True
    return re.search(rb"AY[0-9]$", raw[:start]) is not None


# --- formatting ---------------------------------------------------------------------------------


def format_message(
    code: str,
    fixed: Mapping[str, object] | None = None,
    fields: Iterable[tuple[str, object]] = (),
    *,
    sequence: int | None = None,
    error_detection: bool = False,
    encoding: str = DEFAULT_ENCODING,
) -> bytes:
    """Return the bytes of one message, CR included; fields whose value is None are left out."""
    spec = SPECS[code]
    fixed = fixed or {}
    parts = [code]
    for name, length in spec.fixed:
        value = str(fixed.get(name, ""))
        if len(value) != length:
            raise ValueError(f"{code} fixed field {name} must be {length} characters, got {value!r}")
        parts.append(value)
    for field_id, value in fields:
        if value is None:
            continue
        parts.append(f"{field_id}{clean_value(value)}{FIELD_END}")
    data = encode_text("".join(parts), encoding)
    if sequence is not None and error_detection:
        data += f"AY{sequence % 10}".encode("ascii")
    if error_detection:
        data += b"AZ"
        data += checksum(data).encode("ascii")
    return data + CR


def request_resend() -> bytes:
    """The 96 message asking the kiosk to send its last message again (checksum, no sequence)."""
    return format_message("96", error_detection=True)


# --- field helpers ------------------------------------------------------------------------------


def yn(flag: bool) -> str:
    return "Y" if flag else "N"


def count4(n: int) -> str:
    """A four-digit count field (9999 at most)."""
    return f"{max(0, min(int(n), 9999)):04d}"


def patron_status(flags: Iterable[str] = ()) -> str:
    """The 14-character patron status: Y at the position of each flag in FLAGS, blank elsewhere."""
    wanted = set(flags)
    unknown = wanted - set(PATRON_STATUS_FLAGS)
    if unknown:
        raise ValueError(f"unknown patron status flags: {sorted(unknown)}")
    return "".join("Y" if name in wanted else " " for name in PATRON_STATUS_FLAGS)


def summary_category(summary: str) -> tuple[str, str] | None:
    """The item category the 63 summary asks to list (first Y wins), with its 64 field id."""
    for i, (category, field_id) in enumerate(SUMMARY_CATEGORIES):
        if summary[i : i + 1].upper() == "Y":
            return category, field_id
    return None


def supported_messages(codes: Iterable[str]) -> str:
    """The 16-character BX field: Y for each request code in CODES."""
    wanted = set(codes)
    return "".join("Y" if code in wanted else "N" for code in SUPPORTED_MESSAGES_ORDER)


def money(amount) -> str:
    """An amount in đồng for BV/CC fields: whole numbers, no separators."""
    try:
        return str(int(round(float(amount))))
    except (TypeError, ValueError):
        return "0"


# --- framing --------------------------------------------------------------------------------------


class Framer:
    """Cut a byte stream into messages at CR, LF or CRLF; overlong messages come out as None."""

    def __init__(self, max_bytes: int = 8192) -> None:
        self.max_bytes = max_bytes
        self._buf = bytearray()
        self._discarding = False

    def feed(self, data: bytes) -> list[bytes | None]:
        out: list[bytes | None] = []
        self._buf += data
        while True:
            cut = _first_terminator(self._buf)
            if cut < 0:
                break
            frame = bytes(self._buf[:cut])
            del self._buf[: cut + 1]
            if self._discarding:
                self._discarding = False
                continue
            if frame:
                out.append(frame if len(frame) <= self.max_bytes else None)
        if len(self._buf) > self.max_bytes:
            # Report the overlong message once, then drop its bytes until its terminator arrives.
            if not self._discarding:
                out.append(None)
            self._discarding = True
            self._buf.clear()
        return out


def _first_terminator(buf: bytearray) -> int:
    cr, lf = buf.find(b"\r"), buf.find(b"\n")
    if cr < 0:
        return lf
    if lf < 0:
        return cr
    return min(cr, lf)
