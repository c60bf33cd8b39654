"""Result types of the MARC reader."""

from __future__ import annotations

from dataclasses import dataclass, field

import pymarc


@dataclass(slots=True)
class FieldChange:
    """One subfield (or control field, subfield None) whose text was converted, for review."""

    tag: str
    subfield: str | None
    before: str
    after: str
    encoding: str


@dataclass(slots=True)
class ParsedRecord:
    """A record read from a file; ``record`` is Unicode (NFC, leader/09 'a')."""

    record: pymarc.Record
    position: int
    offset: int
    encoding: str
    changes: list[FieldChange] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    ok = True


@dataclass(slots=True)
class RecordError:
    """A record (or a stretch of the input) that could not be read, with the reason in plain words."""

    position: int
    offset: int
    reason: str
    raw: bytes | None = None

    ok = False
