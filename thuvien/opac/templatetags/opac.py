from django import template
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def indent(depth) -> str:
    """Return non-breaking spaces that indent a tree level inside a <select> option."""
    try:
        depth = max(0, min(int(depth), 10))
    except (TypeError, ValueError):
        depth = 0
    return mark_safe("\u00a0\u00a0" * depth)  # noqa: S308 - constant text


@register.filter
def subfields(field) -> str:
    """Render a MARC data field's subfields as ‡a value ‡b value with the codes marked up."""
    return format_html_join(
        " ", '<span class="sf"><b>‡{}</b> {}</span>', ((s.code, s.value) for s in field.subfields)
    )
