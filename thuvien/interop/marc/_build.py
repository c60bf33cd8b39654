"""Fast construction of pymarc objects for the readers.

``pymarc.Field.__init__`` re-validates tag and indicators on every call, which is a third of the
time of reading a record.  The readers have already validated both, so they fill the slots
directly.  pymarc is pinned; if its Field ever gains or loses a slot, we fall back to the
constructor (checked once at import).
"""

from __future__ import annotations

import pymarc
from pymarc import Field, Indicators, Subfield
from pymarc.leader import Leader

__all__ = ["control_field", "data_field", "new_record", "is_control_tag"]

_new = object.__new__
_EXPECTED_SLOTS = ("tag", "data", "_indicators", "subfields", "__pos", "control_field")


def _fast_control(tag: str, data: str) -> Field:
    f = _new(Field)
    f.tag = tag
    f.data = data
    f._indicators = None
    f.subfields = []
    f.control_field = True
    f._Field__pos = 0
    return f


# Every pair of printable ASCII characters, prebuilt: readers look indicators up by the two
# characters found in the data.
_INDICATORS: dict[str, Indicators] = {
    chr(a) + chr(b): Indicators(chr(a), chr(b)) for a in range(0x20, 0x7F) for b in range(0x20, 0x7F)
}
INDICATORS = _INDICATORS
CONTROL_TAGS = frozenset(f"{n:03d}" for n in range(10))
FAST = True


def indicators(ind1: str, ind2: str) -> Indicators:
    """Return a shared Indicators tuple (immutable, so one per value is enough)."""
    key = ind1 + ind2
    ind = _INDICATORS.get(key)
    if ind is None:
        ind = Indicators(ind1, ind2)
        if len(_INDICATORS) < 10000:
            _INDICATORS[key] = ind
    return ind


def _fast_data(tag: str, ind1: str, ind2: str, subfields: list[Subfield]) -> Field:
    f = _new(Field)
    f.tag = tag
    f.data = None
    f._indicators = indicators(ind1, ind2)
    f.subfields = subfields
    f.control_field = False
    f._Field__pos = 0
    return f


def _slow_control(tag: str, data: str) -> Field:
    return Field(tag=tag, data=data)


def _slow_data(tag: str, ind1: str, ind2: str, subfields: list[Subfield]) -> Field:
    return Field(tag=tag, indicators=Indicators(ind1, ind2), subfields=subfields)


def _fast_path_matches() -> bool:
    if tuple(getattr(Field, "__slots__", ())) != _EXPECTED_SLOTS:
        return False
    try:
        a = _fast_data("245", "1", "0", [Subfield("a", "x")])
        b = _slow_data("245", "1", "0", [Subfield("a", "x")])
        c = _fast_control("001", "x")
        d = _slow_control("001", "x")
        return (
            str(a) == str(b)
            and a.indicators == b.indicators
            and c.control_field == d.control_field
            and str(c) == str(d)
            and a.as_marc("utf-8") == b.as_marc("utf-8")
        )
    except Exception:
        return False


if _fast_path_matches():
    control_field = _fast_control
    data_field = _fast_data
else:  # pragma: no cover - only with a different pymarc
    control_field = _slow_control
    data_field = _slow_data
    FAST = False


def is_control_tag(tag: str) -> bool:
    """Tell whether ``tag`` is a control field tag (001-009), as pymarc decides it."""
    return tag < "010" and tag.isdigit()


_RECORD_SLOTS = ("leader", "fields", "pos", "force_utf8", "to_unicode", "__pos")


def _slow_record(leader: str, fields: list[Field]) -> pymarc.Record:
    rec = pymarc.Record()
    rec.leader = Leader(leader)
    rec.fields = fields
    return rec


def _fast_record(leader: str, fields: list[Field]) -> pymarc.Record:
    rec = _new(pymarc.Record)
    ldr = _new(Leader)
    ldr.leader = leader
    rec.leader = ldr
    rec.fields = fields
    rec.pos = 0
    rec.force_utf8 = False
    rec.to_unicode = True
    rec._Record__pos = 0
    return rec


def _record_fast_path_matches() -> bool:
    if tuple(getattr(pymarc.Record, "__slots__", ())) != _RECORD_SLOTS:
        return False
    try:
        leader = "00000nam a2200000 a 4500"
        a = _fast_record(leader, [_slow_control("001", "x")])
        b = _slow_record(leader, [_slow_control("001", "x")])
        return a.as_marc() == b.as_marc() and str(a) == str(b) and a.as_json() == b.as_json()
    except Exception:
        return False


# Build a Record keeping the leader exactly (pymarc's constructor rewrites 10-11 and 20-23).
new_record = _fast_record if _record_fast_path_matches() else _slow_record
