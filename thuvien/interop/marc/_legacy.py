"""The reader's door to ``thuvien.lib.vn_legacy`` (Vietnamese legacy encodings and mojibake).

Kept behind one small module so the reader has one place that knows the colleague's API, and so
the reader still works (without legacy detection) if that module cannot be imported.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from types import ModuleType

logger = logging.getLogger(__name__)

LEGACY_ENCODINGS: tuple[str, ...] = ("tcvn3", "vni", "viscii", "viqr", "cp1258")

# VIQR is plain ASCII, so ASCII text is only worth a detection call when it has the VIQR shape:
# a vowel followed by a VIQR diacritic (^ ( +) or by a tone mark that English text rarely puts
# right after a vowel inside a word (` ~), or "dd"/"DD" starting a word.
# The look-behind skips a subfield code followed by text ("\x1fa(OCoLC)...").
VIQR_HINT = re.compile(
    r"(?<![\x1f])[AaEeOoUuYy](?:[\^(+][`'?~.]?[a-zA-Z]|[`~][a-zA-Z ])|\b[Dd][Dd][aeiouyAEIOUY]"
)


@lru_cache(maxsize=1)
def module() -> ModuleType | None:
    try:
        from thuvien.lib import vn_legacy
    except Exception:  # missing or broken: read without legacy detection, but say so
        logger.warning(
            "thuvien.lib.vn_legacy cannot be imported; legacy encodings are not detected", exc_info=True
        )
        return None
    return vn_legacy


def encodings() -> tuple[str, ...]:
    mod = module()
    return tuple(getattr(mod, "ENCODINGS", LEGACY_ENCODINGS)) if mod else LEGACY_ENCODINGS


def detect(text: str) -> str | None:
    mod = module()
    if mod is None:
        return None
    try:
        return mod.detect(text)
    except Exception:  # a detector bug must not stop an import; the text stays as it was
        return None


def convert(text: str, kind: str) -> str | None:
    """Convert ``text`` found to be ``kind`` ("mojibake" or a legacy encoding); None if it fails."""
    mod = module()
    if mod is None:
        return None
    try:
        return mod.convert(text, kind)
    except Exception:
        return None


def from_latin1_text(text: str, encoding: str) -> str | None:
    mod = module()
    if mod is None:
        return None
    try:
        return mod.from_latin1_text(text, encoding)
    except Exception:
        return None


def decode(data: bytes, encoding: str) -> str:
    mod = module()
    if mod is None:
        raise LookupError("thuvien.lib.vn_legacy is not available to decode " + encoding)
    return mod.decode(data, encoding)
