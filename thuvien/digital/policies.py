"""Who may see, read and download digital material (DESIGN.md §7), and the workflow: pure rules, no database."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal

from thuvien.digital.models import AccessLevel, Stage

ORDER = {AccessLevel.OPEN: 0, AccessLevel.RESTRICTED: 1, AccessLevel.SECRET: 2}

# The workflow: each stage may move to these (forward one step, or back for rework).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Stage.SELECTED: (Stage.SCANNED,),
    Stage.SCANNED: (Stage.OCR, Stage.REVIEWED, Stage.SELECTED),
    Stage.OCR: (Stage.REVIEWED, Stage.SCANNED),
    Stage.REVIEWED: (Stage.PUBLISHED, Stage.OCR, Stage.SCANNED),
    Stage.PUBLISHED: (Stage.REVIEWED,),
}


def may_move(from_stage: str, to_stage: str) -> bool:
    return to_stage in TRANSITIONS.get(from_stage, ())


def stricter(a: str, b: str) -> str:
    """Return the more closed of two access levels ('' counts as no level)."""
    if not a:
        return b
    if not b:
        return a
    return a if ORDER[AccessLevel(a)] >= ORDER[AccessLevel(b)] else b


def under_embargo(embargo_until: dt.date | None, today: dt.date) -> bool:
    """An embargo holds until the day before EMBARGO_UNTIL and lifts on that date."""
    return embargo_until is not None and today < embargo_until


def public_level(access: str, stage: str, embargo_until: dt.date | None, today: dt.date) -> str:
    """The level the public sees the object at: '' (hidden: unpublished, embargoed or secret), 'open', 'restricted'."""
    if stage != Stage.PUBLISHED or under_embargo(embargo_until, today) or access == AccessLevel.SECRET:
        return ""
    return access


def page_level(object_level: str, override: str) -> str:
    """A page's own level: an override only ever makes a page stricter than its object."""
    return stricter(object_level, override)


@dataclass(frozen=True)
class Viewer:
    """Who is asking, as far as digital material is concerned (built by queries.viewer_for(request)).

    ``staff_paths``: paths of the libraries whose secret and unpublished material this person may see
    (staff with a cataloguing role there; a superuser has ``all_libraries``). ``reader``: a signed-in
    reader of the network. ``on_site``: the request comes from a library's own network (settings).
    """

    staff_paths: tuple[str, ...] = ()
    all_libraries: bool = False
    reader_id: int | None = None
    on_site: bool = False
    user_id: int | None = None
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def is_anonymous(self) -> bool:
        return not (self.staff_paths or self.all_libraries or self.reader_id or self.on_site)

    @property
    def is_staff(self) -> bool:
        return bool(self.staff_paths) or self.all_libraries

    @property
    def may_read_restricted(self) -> bool:
        return self.reader_id is not None or self.on_site or self.is_staff

    def manages(self, library_path: str) -> bool:
        """May this person see the secret and unpublished material of the library at LIBRARY_PATH?"""
        return self.all_libraries or any(library_path.startswith(p) for p in self.staff_paths)


ANONYMOUS = Viewer()


def may_view(
    viewer: Viewer,
    *,
    library_path: str,
    access: str,
    stage: str,
    embargo_until,
    today: dt.date,
    override: str = "",
) -> bool:
    """May VIEWER see (read online) an object, or one page of it when OVERRIDE is the page's own level?"""  # noqa: D401
    if viewer.manages(library_path):
        return True
    level = public_level(access, stage, embargo_until, today)
    if not level:
        return False
    level = page_level(level, override)
    if level == AccessLevel.OPEN:
        return True
    if level == AccessLevel.RESTRICTED:
        return viewer.may_read_restricted
    return False


def may_download(
    viewer: Viewer,
    *,
    library_path: str,
    access: str,
    stage: str,
    embargo_until,
    today: dt.date,
    override: str = "",
) -> bool:
    """May VIEWER download files (full-size images, PDF) of it? Restricted material is read online only."""
    if viewer.manages(library_path):
        return True
    level = public_level(access, stage, embargo_until, today)
    return bool(level) and page_level(level, override) == AccessLevel.OPEN


class PageRangeError(ValueError):
    pass


_RANGE = re.compile(r"^\s*(\d{1,5})\s*(?:[-–]\s*(\d{1,5}))?\s*$")


def parse_pages(text: str, page_count: int, limit: int = 500) -> list[int]:
    """Parse '1-3, 7' into sorted page numbers within 1..PAGE_COUNT; raise PageRangeError with a reason."""
    pages: set[int] = set()
    parts = [p for p in re.split(r"[,;]", text or "") if p.strip()]
    if not parts:
        raise PageRangeError("empty")
    for part in parts:
        m = _RANGE.match(part)
        if not m:
            raise PageRangeError("syntax")
        a = int(m.group(1))
        b = int(m.group(2) or a)
        if a < 1 or b < a or b > page_count:
            raise PageRangeError("range")
        if len(pages) + (b - a + 1) > limit:
            raise PageRangeError("too_many")
        pages.update(range(a, b + 1))
    return sorted(pages)


def copy_fee(
    pages: int, level: str, *, per_page: Decimal, restricted_per_page: Decimal, minimum: Decimal
) -> Decimal:
    """The fee for a copy of PAGES pages of material at LEVEL: the page price times pages, at least MINIMUM."""
    price = restricted_per_page if level == AccessLevel.RESTRICTED else per_page
    if pages <= 0:
        return Decimal(0)
    return max(Decimal(minimum), Decimal(price) * pages)
