from __future__ import annotations

from django.db.models import QuerySet

from thuvien.network.models import Library


def public_libraries() -> QuerySet[Library]:
    """Return the active libraries anyone may see, in tree order."""
    return Library.objects.filter(active=True).select_related("parent").order_by("path")


def library_by_code(code: str) -> Library | None:
    return Library.objects.filter(code=code.strip().upper(), active=True).first() if code else None


def subtree_codes(code: str) -> list[str]:
    """Return the codes of library CODE and every library below it."""
    library = library_by_code(code)
    if library is None:
        return []
    return list(Library.objects.filter(path__startswith=library.path).values_list("code", flat=True))
