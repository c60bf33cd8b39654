from django.core.management import call_command
from django.core.management.base import BaseCommand

from thuvien.demo.digital import summary_lines
from thuvien.demo.loader import DEFAULT_RECORDS, build_demo
from thuvien.demo.reports import summary_lines as reports_summary


class Command(BaseCommand):
    help = "Create the demo library network in the data directory (if absent) and serve it."

    def add_arguments(self, parser):
        parser.add_argument("--no-serve", action="store_true", help="only create the demo data")
        parser.add_argument("--records", type=int, default=DEFAULT_RECORDS)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument(
            "--no-ocr",
            action="store_true",
            help="queue the OCR of the digitised pages for the worker instead of running it now (faster)",
        )

    def handle(self, *args, **options):
        people = build_demo(
            options["records"],
            log=self.stdout.write,
            base_url=f"http://{options['host']}:{options['port']}",
            ocr=False if options["no_ocr"] else None,
        )
        if people is None:
            self.stdout.write("thuvien demo: the demo network already exists in this data directory.")
        else:
            self.stdout.write("")
            self.stdout.write(
                f"Tài khoản cán bộ (staff accounts) — http://{options['host']}:{options['port']}/staff/"
            )
            for person in people.get("staff", []):
                self.stdout.write(
                    f"  {person['username']:<16} mật khẩu: {person['password']:<16} "
                    f"{', '.join(person['roles'])} @ {person['library']}"
                )
            reader = people.get("reader")
            if reader:
                self.stdout.write(
                    f"Bạn đọc mẫu (demo reader, for circulation): {reader['name']} — thẻ {reader['card']}, PIN {reader['pin']}"
                    f" — http://{options['host']}:{options['port']}/ban-doc/"
                )
            kiosk = people.get("kiosk")
            if kiosk:
                self.stdout.write(
                    f"Máy tự mượn SIP2 (kiosk account): tên đăng nhập {kiosk['login']}, mật khẩu {kiosk['password']}, "
                    f"thư viện {kiosk['library']} — `thuvien sip2d` (cổng 6001)"
                )
            circulation = people.get("circulation")
            if circulation:
                holds = circulation["holds"]
                deliveries = circulation["deliveries"]
                self.stdout.write(
                    f"Lưu thông (circulation): {circulation['readers']} bạn đọc ({circulation['pending']} chờ duyệt), "
                    f"{circulation['open_loans']} đang mượn, {circulation['overdue']} quá hạn, "
                    f"{holds['waiting']} yêu cầu giữ đang chờ, {holds['in_transit']} đang chuyển, "
                    f"{holds['ready']} trên kệ chờ nhận, {sum(deliveries.values())} yêu cầu gửi bưu điện"
                )
                if circulation.get("mail"):
                    self.stdout.write(
                        f"Thư thông báo của lượt chạy hằng ngày (notices): {circulation['mail']}"
                    )
            self.stdout.write(
                f"Biên mục sao chép (copy cataloguing) — http://{options['host']}:{options['port']}/staff/copycat/ "
                "; máy chủ Z39.50 (Z39.50 target): `thuvien z3950d` (cổng 2100, CSDL Default); "
                f"SRU: http://{options['host']}:{options['port']}/sru"
            )
            if people.get("digital"):
                for line in summary_lines(people["digital"], f"http://{options['host']}:{options['port']}"):
                    self.stdout.write(line)
            for line in reports_summary(
                people.get("reports") or {}, f"http://{options['host']}:{options['port']}"
            ):
                self.stdout.write(line)
            self.stdout.write("")
        if not options["no_serve"]:
            call_command("serve", host=options["host"], port=options["port"])
