"""ISO 2709 (MARC 21 transmission format): split a byte stream into records and parse one record.

Splitting trusts the record terminator 0x1D, never the length in the leader (leaders lie, records
over 99,999 bytes cannot even state their length).  Parsing is lenient where the data can be
recovered without guessing (a wrong record length or base address when the directory itself is
consistent, a missing terminator, field lengths that overflowed) and strict where it cannot (a tag
or subfield code that is not readable, a field the directory points at that is not there).  Every
leniency leaves a warning on the record.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate

__all__ = [
    "BLOCK_SIZE",
    "RawRecord",
    "Reject",
    "embedded_start",
    "normalize_leader",
    "parse_structure",
    "split_records",
]

RT = 0x1D  # record terminator
FT = 0x1E  # field terminator
SD = 0x1F  # subfield delimiter

BLOCK_SIZE = 8 * 1024 * 1024
# A stretch this long without a record terminator is not MARC; report it and move on.
MAX_UNTERMINATED = 64 * 1024 * 1024
MAX_RAW_KEPT = 1024 * 1024
MAX_EMBEDDED_SEARCH = 256 * 1024

_SKIP = b" \t\r\n\x00\x1a"  # whitespace, NUL padding, DOS end-of-file between records
_DIGITS5 = re.compile(rb"\d{5}")
_LEADER_AT = re.compile(rb"\d{5}[\x20-\x7e]{7}\d{5}")
_TAG_OK = re.compile(rb"[0-9A-Za-z]{3}")
_ENTRY = re.compile(rb"([0-9A-Za-z]{3})(\d{4})(\d{5})")
_ENTRY_STR = re.compile(r"([0-9A-Za-z]{3})(\d{4})(\d{5})")
_DIRECTORY = re.compile(rb"(?:[0-9A-Za-z]{3}\d{9})+")


class Reject(Exception):
    """The record cannot be read; ``args[0]`` says why in plain words."""


@dataclass(slots=True)
class Chunk:
    offset: int
    data: bytes
    terminated: bool


@dataclass(slots=True)
class RawRecord:
    leader: str
    fields: list[tuple[str, bytes]]
    warnings: list[str] = field(default_factory=list)
    # The data area when it is exactly the fields in directory order, each ended by 0x1E: lets
    # the UTF-8 path decode the record in one call.
    packed: bytes | None = None


def split_records(first: bytes, read: Callable[[int], bytes] | None) -> Iterator[Chunk]:
    """Yield each record's bytes (without its terminator) with its byte offset.

    ``first`` is the data already in hand, ``read`` (optional) pulls more.  Whitespace, NUL padding
    and empty records between records are skipped silently.
    """
    buf = first
    base = 0  # file offset of buf[0]
    pos = 0
    while True:
        idx = buf.find(b"\x1d", pos)
        if idx == -1:
            more = read(BLOCK_SIZE) if read is not None else b""
            if not more:
                break
            if len(buf) - pos > MAX_UNTERMINATED:
                yield Chunk(base + pos, buf[pos:], False)
                base += len(buf)
                buf = more
                pos = 0
                continue
            base += pos
            buf = buf[pos:] + more
            pos = 0
            continue
        start = pos
        while start < idx and buf[start] in _SKIP:
            start += 1
        if start < idx:
            yield Chunk(base + start, buf[start:idx], True)
        pos = idx + 1
    start = pos
    n = len(buf)
    while start < n and buf[start] in _SKIP:
        start += 1
    if start < n:
        yield Chunk(base + start, buf[start:], False)


def _junk_prefix(chunk: bytes) -> int:
    """Return where the leader starts when the chunk begins with junk, else 0."""
    n = len(chunk)
    head = chunk[:5]
    if _DIGITS5.fullmatch(head) and int(head) in (n + 1, n) and _LEADER_AT.match(chunk):
        return 0
    # Look for a leader whose stated length is exactly what is left of the chunk.
    for m in _LEADER_AT.finditer(chunk, 1, 1024):
        p = m.start()
        if int(chunk[p : p + 5]) in (n - p + 1, n - p):
            return p
    return 0


def embedded_start(chunk: bytes) -> int:
    """Where a second record starts inside ``chunk``, when the first one was cut short; else 0.

    A record that lost its end (and its terminator) runs into the next one.  When the chunk starts
    like a record whose stated length does not fit, and a leader further on states exactly the
    length of the rest, the chunk holds two records.
    """
    n = len(chunk)
    if n < 48 or not _LEADER_AT.match(chunk):
        return 0
    head = int(chunk[:5])
    if head in (n + 1, n):
        return 0
    for m in _LEADER_AT.finditer(chunk, 24, min(n, MAX_EMBEDDED_SEARCH)):
        p = m.start()
        if int(chunk[p : p + 5]) in (n - p + 1, n - p):
            return p
    return 0


def _ascii_leader(raw: bytes, warnings: list[str]) -> str:
    if raw.isascii():
        text = raw.decode("ascii")
        if text.isprintable():
            return normalize_leader(text, warnings)
    chars = []
    for i, b in enumerate(raw):
        if 0x20 <= b < 0x7F:
            chars.append(chr(b))
        else:
            repl = "0" if i in (20, 21, 22, 23) or i < 5 or 12 <= i < 17 else " "
            warnings.append(f"leader/{i:02d} held the byte 0x{b:02X}; replaced by '{repl}'")
            chars.append(repl)
    return normalize_leader("".join(chars), warnings)


def normalize_leader(leader: str, warnings: list[str]) -> str:
    """Make the structural positions of a 24-character leader what MARC 21 requires."""
    if not (leader.isascii() and leader.isprintable()):
        fixed = []
        for i, c in enumerate(leader):
            if " " <= c <= "~":
                fixed.append(c)
            else:
                warnings.append(f"leader/{i:02d} held the character {c!r}; replaced by a blank")
                fixed.append(" ")
        leader = "".join(fixed)
    if leader[10:12] != "22":
        warnings.append(
            f"leader/10-11 said {leader[10:12]!r} (indicator count and subfield code length); "
            "MARC 21 uses '22'"
        )
        leader = leader[:10] + "22" + leader[12:]
    if leader[20:24] != "4500":
        if leader[20:22] != "45" and leader[20:24].strip():
            warnings.append(f"leader/20-23 said {leader[20:24]!r}; MARC 21 uses '4500'")
        leader = leader[:20] + "4500"
    return leader


def _all_entries(directory: bytes) -> bool:
    return len(directory) % 12 == 0 and all(
        _ENTRY.fullmatch(directory, k, k + 12) for k in range(0, len(directory), 12)
    )


def parse_structure(chunk: bytes, terminated: bool) -> RawRecord:
    """Parse leader and directory and cut out each field's bytes (terminators removed)."""
    warnings: list[str] = []
    n = len(chunk)
    if n < 24:
        raise Reject(
            f"only {n} byte{'' if n == 1 else 's'}, too short to be a record (the leader alone is 24 bytes)"
        )
    if chunk.startswith((b"=LDR ", b"=000 ")):
        raise Reject("this is MARC text in MARCMaker/MarcEdit mnemonic form (.mrk), not a MARC record")

    skip = _junk_prefix(chunk)
    if skip:
        warnings.append(f"skipped {skip} bytes of junk before the record")
        chunk = chunk[skip:]
        n = len(chunk)
        if n < 24:
            raise Reject(f"only {n} bytes after junk, too short to be a record")

    leader = _ascii_leader(chunk[:24], warnings)

    # Record length: informative only, records are split on the terminator.
    stated = chunk[:5]
    actual = n + 1 if terminated else n
    stated_len = int(stated) if stated.isdigit() else None
    if stated_len is None:
        warnings.append(f"record length {stated.decode('latin-1')!r} in the leader is not a number")
    if not terminated:
        # A stated length one byte more than found is only the missing terminator.
        if stated_len is not None and stated_len > actual + 1:
            raise Reject(
                f"the record is cut short: the leader says {stated_len} bytes but only {actual} are there"
            )
        warnings.append("the record has no record terminator (0x1D)")

    # Base address and directory.
    ba_raw = chunk[12:17]
    base = int(ba_raw) if ba_raw.isdigit() else -1
    first_ft = chunk.find(b"\x1e", 24)
    base_fits = 24 < base <= n and (base - 25) % 12 == 0
    if base_fits and first_ft == base - 1:
        dir_end = base - 1
    elif first_ft != -1 and (first_ft - 24) % 12 == 0 and _all_entries(chunk[24:first_ft]):
        dir_end = first_ft
        if ba_raw.isdigit():
            warnings.append(
                f"base address {ba_raw.decode()} in the leader is wrong; the directory ends at byte {dir_end}"
            )
        else:
            warnings.append(
                f"base address {ba_raw.decode('latin-1')!r} in the leader is not a number; "
                f"the directory ends at byte {dir_end}"
            )
        base = dir_end + 1
    elif base_fits and (first_ft == -1 or first_ft > base - 1) and _all_entries(chunk[24 : base - 1]):
        # The byte that should end the directory is something else, but the directory is whole.
        dir_end = base - 1
        warnings.append("the directory does not end with a field terminator")
    elif first_ft == -1:
        raise Reject("no field terminator anywhere: this is not a MARC record")
    elif (first_ft - 24) % 12:
        raise Reject(
            f"the directory is {first_ft - 24} bytes long, not a multiple of 12 "
            "(entries are 12 bytes: tag, length, start)"
        )
    else:
        dir_end = first_ft  # entries are unreadable: the loop below says which one
        base = dir_end + 1

    directory = chunk[24:dir_end]
    data = chunk[base:]
    if not directory:
        raise Reject("the record has no fields")
    if _DIRECTORY.fullmatch(directory):
        text = directory.decode("ascii")
        span = range(0, len(text), 12)
        tags = [text[i : i + 3] for i in span]
        lengths = [int(text[i + 3 : i + 7]) for i in span]
        starts = [int(text[i + 7 : i + 12]) for i in span]
        # Fast path: the fields lie one after the other in directory order, each ended by 0x1E.
        pieces = data.split(b"\x1e")
        if len(pieces) == len(tags) + 1 and not pieces[-1]:
            del pieces[-1]
            if [len(p) + 1 for p in pieces] == lengths and starts == list(accumulate(lengths, initial=0))[
                :-1
            ]:
                if (
                    stated_len is not None
                    and stated_len != actual
                    and (terminated or stated_len != actual + 1)
                ):
                    warnings.append(
                        f"record length {stated.decode()} in the leader does not match the {actual} bytes found"
                    )
                return RawRecord(leader, list(zip(tags, pieces, strict=True)), warnings, data)
        entries = list(zip(tags, lengths, starts, strict=True))
    else:
        for k in range(0, len(directory), 12):
            e = directory[k : k + 12]
            if _ENTRY.fullmatch(e) is None:
                num = k // 12 + 1
                if not _TAG_OK.fullmatch(e[:3]):
                    raise Reject(f"directory entry {num} has an unreadable tag {e[:3]!r}")
                raise Reject(
                    f"directory entry {num} (tag {e[:3].decode()}) has a length or start that is not "
                    f"a number: {e[3:].decode('latin-1')!r}"
                )
        raise Reject("the directory cannot be read")  # pragma: no cover - a bad entry is found above

    ld = len(data)
    fields: list[tuple[str, bytes]] = []
    consistent = True
    for tag, length, start in entries:
        end = start + length
        if length == 0 or end > ld or data[end - 1] != FT:
            consistent = False
            break
        fields.append((tag, data[start : end - 1]))
    if consistent:  # fields out of order, or with gaps between them: still fine
        if stated_len is not None and stated_len != actual and (terminated or stated_len != actual + 1):
            warnings.append(
                f"record length {stated.decode()} in the leader does not match the {actual} bytes found"
            )
        return RawRecord(leader, fields, warnings)

    # The directory's numbers do not fit the data (overflowed lengths, records over 99,999 bytes,
    # hand-edited files).  If the data holds exactly one terminated field per directory entry,
    # the fields are in directory order: take them in order.
    pieces = data.split(b"\x1e")
    if pieces and not pieces[-1].strip(_SKIP):
        pieces.pop()
        if len(pieces) == len(entries):
            warnings.append(
                "the directory's lengths and starts do not match the data"
                + (" (record longer than ISO 2709 allows)" if actual > 99999 else "")
                + "; fields were taken in order"
            )
            return RawRecord(leader, [(e[0], p) for e, p in zip(entries, pieces, strict=True)], warnings)

    # Else trust the starts and read each field up to its terminator.
    fields = []
    loose = 0
    for num, (tag, length, start) in enumerate(entries, 1):
        if start >= ld:
            raise Reject(f"directory entry {num} (tag {tag}) points past the end of the record")
        end = start + length
        if length and end <= ld and data[end - 1] == FT:
            fields.append((tag, data[start : end - 1]))
            continue
        stop = data.find(b"\x1e", start)
        if stop == -1:
            if terminated:
                stop = ld
            else:
                raise Reject(f"the record is cut short inside field {tag} (directory entry {num})")
        fields.append((tag, data[start:stop]))
        loose += 1
    warnings.append(
        f"{loose} directory entr{'y' if loose == 1 else 'ies'} had a wrong length; "
        "the field was read up to its terminator"
    )
    return RawRecord(leader, fields, warnings)
