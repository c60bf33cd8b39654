"""Writes to a library's circulation settings: its cells of the rules matrix and its closed days."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from thuvien.audit.actions import record as audit
from thuvien.circulation.exceptions import CirculationError
from thuvien.circulation.models import CirculationRule, Closure
from thuvien.circulation.policies import Rule


def save_rule(rule: CirculationRule, *, actor) -> CirculationRule:
    """Create or change one cell of the matrix (library × category × item type)."""
    created = rule.pk is None
    rule.item_type = (rule.item_type or "").strip()
    try:
        with transaction.atomic():
            # SQLite treats two blank categories as distinct in the unique constraint: check here too.
            same = CirculationRule.objects.select_for_update().filter(
                library=rule.library, category=rule.category, item_type=rule.item_type
            )
            if same.exclude(pk=rule.pk).exists():
                raise IntegrityError("circulation_rule_unique_cell")
            rule.save()
            audit("circulation.rule.created" if created else "circulation.rule.changed", actor=actor,
                  library=rule.library, obj=rule, **{f: str(getattr(rule, f)) for f in Rule.FIELDS})  # fmt: skip
    except IntegrityError:
        raise CirculationError(
            "rule_exists",
            _("Thư viện này đã có quy định cho đối tượng và loại bản này; hãy sửa quy định đó."),
        ) from None
    return rule


def delete_rule(rule: CirculationRule, *, actor) -> None:
    """Remove a cell: the library inherits that case from above again."""
    with transaction.atomic():
        audit("circulation.rule.deleted", actor=actor, library=rule.library, obj=rule)
        rule.delete()


def add_closure(*, library, actor, date=None, weekday=None, reason: str = "") -> Closure:
    """Close LIBRARY (and every library below it) on DATE or every WEEKDAY."""
    if (date is None) == (weekday is None):
        raise CirculationError("closure", _("Hãy chọn một ngày cụ thể hoặc một thứ trong tuần."))
    with transaction.atomic():
        if Closure.objects.filter(library=library, date=date, weekday=weekday).exists():
            raise CirculationError("closure_exists", _("Ngày đóng cửa này đã có."))
        closure = Closure.objects.create(library=library, date=date, weekday=weekday, reason=reason.strip())
        audit("circulation.closure.created", actor=actor, library=library, obj=closure,
              date=date.isoformat() if date else None, weekday=weekday, reason=reason)  # fmt: skip
    return closure


def delete_closure(closure: Closure, *, actor) -> None:
    with transaction.atomic():
        audit("circulation.closure.deleted", actor=actor, library=closure.library, obj=closure)
        closure.delete()
