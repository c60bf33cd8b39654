"""``thuvien indicators``: each indicator's value, target, unit and the counts behind it, computed live."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from thuvien.network.models import Library
from thuvien.network.queries import library_by_code
from thuvien.reports import snapshots
from thuvien.reports.indicators import Figure, live_figures
from thuvien.reports.models import Unit
from thuvien.reports.periods import Period


def _number(value: float | None, percent: bool = False) -> str:
    if value is None:
        return "—"
    if percent:
        return f"{value * 100:.1f} %".replace(".", ",")
    if float(value).is_integer():
        return f"{int(value):,}".replace(",", ".")
    return f"{value:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def figure_dict(figure: Figure, year: int, scope: Library | None) -> dict:
    indicator = figure.indicator
    return {
        "code": indicator.code,
        "name": _(indicator.name),
        "unit": indicator.unit,
        "programme": indicator.programme,
        "year": year,
        "scope": scope.code if scope else None,
        "value": figure.value,
        "target": figure.target,
        "status": figure.status,
        "numerator": figure.numerator,
        "denominator": figure.denominator,
        "libraries": figure.libraries,
    }


class Command(BaseCommand):
    @property
    def help(self):
        return _(
            "In từng chỉ tiêu với giá trị, mục tiêu, đơn vị và số đếm (tử số, mẫu số với chỉ tiêu tỷ lệ), tính "
            "trực tiếp từ dữ liệu cho một thư viện và các thư viện trực thuộc."
        )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, help=_("năm (mặc định: năm nay)"))
        parser.add_argument(
            "--library",
            help=_("mã thư viện; tính cho thư viện đó và cấp dưới (mặc định: thư viện gốc của mạng)"),
        )
        parser.add_argument("--json", action="store_true", help=_("in JSON"))
        parser.add_argument(
            "--save",
            action="store_true",
            help=_("lưu số liệu năm đó cho từng thư viện (bảng điều khiển đọc số liệu lưu)"),
        )

    def handle(self, *args, **options):
        year = options["year"] or timezone.localdate().year
        if options["library"]:
            scope = library_by_code(options["library"])
            if scope is None:
                raise CommandError(_("Không có thư viện mã %(code)s.") % {"code": options["library"]})
        else:
            roots = list(Library.objects.filter(parent__isnull=True, active=True)[:2])
            scope = roots[0] if len(roots) == 1 else None
        if options["save"]:
            written = snapshots.refresh(year, scope)
            self.stderr.write(_("Đã lưu %(n)d số liệu năm %(year)d.") % {"n": written, "year": year})
        figures = live_figures(scope, Period(year))
        if options["json"]:
            self.stdout.write(
                json.dumps([figure_dict(f, year, scope) for f in figures], ensure_ascii=False, indent=2)
            )
            return
        where = f"{scope.name} ({scope.code})" if scope else _("toàn mạng")
        self.stdout.write(_("Chỉ tiêu năm %(year)d — %(where)s") % {"year": year, "where": where})
        for figure in figures:
            indicator = figure.indicator
            percent = indicator.unit == Unit.PERCENT
            counts = _number(figure.numerator)
            if figure.denominator is not None:
                counts = f"{counts}/{_number(figure.denominator)}"
            status = {"above": _("đạt"), "below": _("chưa đạt")}.get(figure.status or "", "")
            self.stdout.write(
                f"{indicator.code:28} {_number(figure.value, percent):>12}  "
                f"{_('mục tiêu')} {_number(figure.target, percent):>9}  "
                f"{indicator.get_unit_display():10} {counts:>15}  {status:9} {_(indicator.name)}"
            )
