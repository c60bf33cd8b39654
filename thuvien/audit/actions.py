from __future__ import annotations

from typing import Any

from thuvien.audit.models import AuditEntry


def record(type: str, *, actor=None, library=None, obj=None, **data: Any) -> AuditEntry:
    """Write one audit entry; call it inside the transaction of the change it describes."""
    object_type = object_id = ""
    if obj is not None:
        object_type = obj._meta.label_lower
        object_id = str(obj.pk)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEntry.objects.create(
        type=type, actor=actor, library=library, object_type=object_type, object_id=object_id, data=data
    )
