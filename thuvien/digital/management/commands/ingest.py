"""``thuvien ingest PATH``: bulk ingest of page images, PDFs and ZIPs, with Dublin Core from a CSV file."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from thuvien.catalog.models import Collection, Record
from thuvien.digital.actions import DC_FIELDS
from thuvien.digital.exceptions import DigitalError
from thuvien.digital.ingest import ingest_paths
from thuvien.digital.models import AccessLevel, DigitalObject, Rights
from thuvien.network.queries import library_by_code

METADATA_NAME = "metadata.csv"
# Columns of the CSV besides the Dublin Core elements.
OTHER_COLUMNS = {"path", "access", "rights", "record", "collection", "embargo"}


@dataclass
class Item:
    """One object to make: its files and its description (a row of the CSV, or the command line alone)."""

    where: str  # for messages: "dòng 3 (thu-muc/)" or the path
    paths: list[Path]
    dc: dict = field(default_factory=dict)
    title: str = ""
    access: str = AccessLevel.SECRET
    rights: str = ""
    record: Record | None = None
    collections: list = field(default_factory=list)
    embargo_until: dt.date | None = None


class Command(BaseCommand):
    # Translated when asked (argparse cannot format lazy strings).
    @property
    def help(self):
        return _(
            "Nhập ảnh trang (TIFF, JPEG, PNG), PDF hoặc ZIP thành tài liệu số. PATH là một tệp, một thư mục ảnh "
            "trang, hoặc một thư mục tài liệu kèm tệp CSV có cột path (mỗi dòng một tài liệu)."
        )

    def add_arguments(self, parser):
        parser.add_argument("path", help=_("tệp hoặc thư mục cần nhập"))
        parser.add_argument(
            "--metadata",
            help=_("tệp CSV (UTF-8): một dòng Dublin Core, hoặc mỗi dòng một tài liệu với cột path "
                              "(mặc định: PATH/metadata.csv nếu có)"),
        )  # fmt: skip
        parser.add_argument("--record", type=int, help=_("gắn với biểu ghi thư mục số ID"))
        parser.add_argument("--access", choices=AccessLevel.values, help=_("mức truy cập (mặc định: secret)"))
        parser.add_argument(
            "--collection",
            action="append",
            default=[],
            help=_("mã hoặc tên bộ sưu tập (lặp lại được)"),
        )
        parser.add_argument("--library", help=_("mã thư viện sở hữu (mặc định: THUVIEN_DEFAULT_LIBRARY)"))
        parser.add_argument("--title", help=_("nhan đề (khi không có CSV)"))
        parser.add_argument(
            "--rights", help=_("tình trạng bản quyền: URI rightsstatements.org hoặc mã, ví dụ InC")
        )
        parser.add_argument("--embargo", help=_("hạn chế đến ngày YYYY-MM-DD"))
        parser.add_argument("--object", type=int, help=_("thêm trang vào cuối tài liệu số ID có sẵn"))
        parser.add_argument("--no-ocr", action="store_true", help=_("không xếp hàng nhận dạng chữ (OCR)"))

    def handle(self, *args, **options):
        root = Path(options["path"]).expanduser()
        if not root.exists():
            raise CommandError(_("Không tìm thấy %(path)s.") % {"path": root})
        ocr = False if options["no_ocr"] else None
        if options["object"]:
            self._append(root, options, ocr)
            return
        library = self._library(options["library"])
        defaults = self._defaults(options)
        items = self._items(root, options, defaults)
        created, refused = 0, []
        for item in items:
            try:
                result = ingest_paths(
                    item.paths, library=library, actor=None, record=item.record, dc=item.dc or None,
                    title=item.title, access=item.access, rights=item.rights, collections=item.collections,
                    embargo_until=item.embargo_until, ocr=ocr,
                )  # fmt: skip
            except DigitalError as exc:
                refused.append(item.where)
                self.stderr.write(
                    _("%(where)s: bị từ chối — %(reason)s") % {"where": item.where, "reason": exc}
                )
                continue
            created += 1
            self._report(result, item.where)
        self.stdout.write(
            _("Đã tạo %(n)s tài liệu số; %(m)s bị từ chối.") % {"n": created, "m": len(refused)}
        )
        if refused:
            raise CommandError(_("Bị từ chối: %(list)s") % {"list": ", ".join(refused)})

    def _report(self, result, where: str) -> None:
        obj = result.object
        self.stdout.write(
            _("#%(id)s «%(title)s»: %(n)s trang, %(access)s (%(where)s)")
            % {
                "id": obj.pk,
                "title": obj.title,
                "n": result.pages_added,
                "access": obj.access,
                "where": where,
            }
        )
        for warning in result.warnings:
            self.stderr.write(f"  {warning}")

    def _append(self, root: Path, options, ocr) -> None:
        obj = DigitalObject.objects.select_related("library").filter(pk=options["object"]).first()
        if obj is None:
            raise CommandError(_("Không có tài liệu số #%(id)s.") % {"id": options["object"]})
        if options["library"] and obj.library.code != options["library"].strip().upper():
            raise CommandError(_("Tài liệu số #%(id)s không thuộc thư viện %(code)s.") % {"id": obj.pk,
                               "code": options["library"]})  # fmt: skip
        try:
            result = ingest_paths([root], obj=obj, actor=None, ocr=ocr)
        except DigitalError as exc:
            raise CommandError(str(exc)) from exc
        self._report(result, str(root))

    def _library(self, code: str | None):
        code = code or getattr(settings, "DEFAULT_LIBRARY_CODE", "")
        if not code:
            raise CommandError(_("Chưa chọn thư viện: dùng --library MÃ hoặc đặt THUVIEN_DEFAULT_LIBRARY."))
        library = library_by_code(code)
        if library is None:
            raise CommandError(_("Không có thư viện mã %(code)s.") % {"code": code})
        return library

    def _defaults(self, options) -> dict:
        where = _("dòng lệnh")
        return {
            "title": (options["title"] or "").strip(),
            "access": options["access"] or "",
            "rights": parse_rights(options["rights"] or "", where),
            "record": find_record(options["record"], where),
            "collections": find_collections(options["collection"], where),
            "embargo_until": parse_date(options["embargo"] or "", where),
        }

    def _items(self, root: Path, options, defaults: dict) -> list[Item]:
        metadata = Path(options["metadata"]).expanduser() if options["metadata"] else None
        if metadata is None and root.is_dir() and (root / METADATA_NAME).is_file():
            metadata = root / METADATA_NAME
        if metadata is None:
            return [self._item(str(root), [root], {}, defaults, root)]
        rows = read_csv(metadata)
        if rows and "path" in rows[0][1]:
            if not root.is_dir():
                raise CommandError(_("CSV có cột path: PATH phải là một thư mục."))
            # Every row is checked before anything is ingested: a typo in row 40 stops the run at once.
            base = root.resolve()
            items = []
            for line, row in rows:
                rel = (row.get("path") or "").strip()
                target = (root / rel).resolve()
                if not rel or not target.is_relative_to(base) or target == base:
                    raise CommandError(_("%(f)s dòng %(n)s: đường dẫn «%(p)s» phải nằm trong PATH.")
                                       % {"f": metadata.name, "n": line, "p": rel})  # fmt: skip
                if not target.exists():
                    raise CommandError(_("%(f)s dòng %(n)s: không tìm thấy «%(p)s».")
                                       % {"f": metadata.name, "n": line, "p": rel})  # fmt: skip
                where = _("dòng %(n)s (%(p)s)") % {"n": line, "p": rel}
                items.append(self._item(where, [target], row, defaults, target))
            return items
        if len(rows) != 1:
            raise CommandError(
                _("%(f)s: không có cột path thì CSV chỉ được có một dòng dữ liệu (có %(n)s).")
                % {"f": metadata.name, "n": len(rows)}
            )
        return [self._item(str(root), [root], rows[0][1], defaults, root)]

    def _item(self, where: str, paths: list[Path], row: dict, defaults: dict, path: Path) -> Item:
        dc = {key: row[key] for key in DC_FIELDS if (row.get(key) or "").strip()}
        record = find_record(row.get("record"), where) or defaults["record"]
        title = (row.get("title") or "").strip() or defaults["title"]
        if record is None and not title:
            title = path.stem if path.is_file() else path.name
        if record is None:
            dc["title"] = title
        else:
            dc = {}
        access = (row.get("access") or "").strip().lower() or defaults["access"] or AccessLevel.SECRET
        if access not in AccessLevel.values:
            raise CommandError(_("%(where)s: mức truy cập «%(a)s» không hợp lệ (open, restricted, secret).")
                               % {"where": where, "a": access})  # fmt: skip
        collections = find_collections(split(row.get("collection")), where) + [
            c for c in defaults["collections"]
        ]
        return Item(
            where=where, paths=paths, dc=dc, title=title, access=access,
            rights=parse_rights(row.get("rights") or "", where) or defaults["rights"], record=record,
            collections=list(dict.fromkeys(collections)),
            embargo_until=parse_date(row.get("embargo") or "", where) or defaults["embargo_until"],
        )  # fmt: skip


def read_csv(path: Path) -> list[tuple[int, dict]]:
    """The data rows of the CSV at PATH as (line number, {column: value}); column names lower-cased."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            if not reader.fieldnames:
                raise CommandError(_("%(f)s: tệp CSV rỗng.") % {"f": path.name})
            reader.fieldnames = [(name or "").strip().lower() for name in reader.fieldnames]
            unknown = set(reader.fieldnames) - set(DC_FIELDS) - OTHER_COLUMNS - {""}
            if unknown:
                raise CommandError(
                    _("%(f)s: cột không biết: %(cols)s.")
                    % {"f": path.name, "cols": ", ".join(sorted(unknown))}
                )
            rows = []
            for row in reader:
                values = {k: (v or "").strip() for k, v in row.items() if k}
                if any(values.values()):
                    rows.append((reader.line_num, values))
            return rows
    except UnicodeDecodeError as exc:
        raise CommandError(_("%(f)s: tệp CSV phải ở bảng mã UTF-8.") % {"f": path.name}) from exc
    except OSError as exc:
        raise CommandError(_("Không đọc được %(f)s: %(e)s") % {"f": path, "e": exc}) from exc


def split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def find_record(value, where: str) -> Record | None:
    if value in (None, ""):
        return None
    try:
        pk = int(str(value).strip())
    except ValueError:
        raise CommandError(
            _("%(where)s: số biểu ghi «%(v)s» không hợp lệ.") % {"where": where, "v": value}
        ) from None
    record = Record.objects.filter(pk=pk, deleted_at__isnull=True).first()
    if record is None:
        raise CommandError(_("%(where)s: không có biểu ghi #%(id)s.") % {"where": where, "id": pk})
    return record


def find_collections(names: list[str], where: str) -> list[Collection]:
    found = []
    for name in names:
        collection = (
            Collection.objects.filter(code__iexact=name).first()
            or Collection.objects.filter(name__iexact=name).first()
        )
        if collection is None:
            raise CommandError(_("%(where)s: không có bộ sưu tập «%(c)s».") % {"where": where, "c": name})
        found.append(collection)
    return found


def parse_rights(value: str, where: str) -> str:
    """A rightsstatements.org URI from a URI or a short code (InC, NoC-NC …); '' when VALUE is empty."""
    value = value.strip()
    if not value:
        return ""
    for uri in Rights.values:
        code = uri.rstrip("/").split("/")[-2]
        if value.rstrip("/") == uri.rstrip("/") or value.casefold() == code.casefold():
            return uri
    raise CommandError(
        _("%(where)s: tình trạng bản quyền «%(v)s» không biết.") % {"where": where, "v": value}
    )


def parse_date(value: str, where: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise CommandError(
            _("%(where)s: ngày «%(v)s» phải có dạng YYYY-MM-DD.") % {"where": where, "v": value}
        ) from None
