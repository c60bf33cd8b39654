"""The indicators every installation starts with: the programme's and the operational ones.

Created when missing after each migrate (by code); an installation's own edits are never overwritten.
"""

from __future__ import annotations

from django.utils.translation import gettext_noop as N_

PROGRAMME = [
    dict(code="prog-digitised-rare", name=N_("Tỷ lệ tài liệu cổ, quý hiếm, tài liệu đặc biệt được số hóa"),
         source="digitised_share", params={"kinds": ["rare", "special"]}, unit="percent", aggregation="ratio",
         description=N_("Biểu ghi thuộc bộ sưu tập tài liệu cổ, quý hiếm hoặc đặc biệt của thư viện có ít nhất "
                        "một bản số đã công bố, trên tổng số biểu ghi đó.")),
    dict(code="prog-digitised-endogenous", name=N_("Tỷ lệ tài liệu nội sinh được số hóa"),
         source="digitised_share", params={"kinds": ["endogenous"]}, unit="percent", aggregation="ratio",
         description=N_("Biểu ghi thuộc bộ sưu tập tài liệu nội sinh có ít nhất một bản số đã công bố, "
                        "trên tổng số biểu ghi đó.")),
    dict(code="prog-online-services", name=N_("Tỷ lệ thư viện có trang thông tin điện tử cung cấp dịch vụ trực tuyến"),
         source="website_online_services", unit="percent", aggregation="ratio",
         description=N_("Thư viện có trang web và ít nhất một dịch vụ trực tuyến trong hồ sơ, trên tổng số thư viện.")),
    dict(code="prog-union-catalogue", name=N_("Tỷ lệ thư viện kết nối với mục lục liên hợp"),
         source="union_catalogue_connected", unit="percent", aggregation="ratio",
         description=N_("Thư viện có bản tài liệu trong mục lục liên hợp hoặc có nguồn OAI-PMH thu thập thành "
                        "công trong năm, trên tổng số thư viện.")),
    dict(code="prog-staff-trained", name=N_("Tỷ lệ người làm công tác thư viện được đào tạo, bồi dưỡng"),
         source="staff_trained", unit="percent", aggregation="ratio",
         description=N_("Người đang làm việc cuối kỳ đã hoàn thành ít nhất một khóa đào tạo, bồi dưỡng từ khi "
                        "Chương trình bắt đầu, trên tổng số người đang làm việc.")),
    dict(code="prog-managed-in-system", name=N_("Tỷ lệ thư viện được kiểm tra, quản lý qua hệ thống"),
         source="managed_in_system", unit="percent", aggregation="ratio",
         description=N_("Thư viện có báo cáo thống kê được duyệt hoặc được kết luận kiểm tra trong năm trên hệ "
                        "thống, trên tổng số thư viện.")),
]  # fmt: skip

OPERATIONAL = [
    dict(code="collection-items", name=N_("Vốn tài liệu (bản)"), source="collection_items", unit="items",
         description=N_("Số bản tài liệu thư viện sở hữu cuối kỳ (trừ bản đã thanh lý), chia theo loại hình.")),
    dict(code="acquisitions", name=N_("Tài liệu bổ sung (bản)"), source="acquisitions", unit="items",
         description=N_("Số bản tài liệu nhập trong kỳ.")),
    dict(code="readers-registered", name=N_("Bạn đọc có thẻ"), source="readers_registered", unit="readers",
         description=N_("Bạn đọc đăng ký tại thư viện, thẻ còn hạn cuối kỳ.")),
    dict(code="readers-active", name=N_("Bạn đọc hoạt động"), source="readers_active", unit="readers",
         description=N_("Bạn đọc có ít nhất một lượt mượn tại thư viện trong kỳ.")),
    dict(code="loans", name=N_("Lượt mượn"), source="loans", unit="count",
         description=N_("Lượt mượn tại thư viện trong kỳ, chia theo kênh.")),
    dict(code="visits", name=N_("Lượt bạn đọc đến thư viện"), source="report:visits", unit="count",
         description=N_("Từ báo cáo thống kê đã duyệt (số liệu đếm lượt ra vào do thư viện nhập).")),
    dict(code="digital-views", name=N_("Lượt đọc tài liệu số"), source="digital_views", unit="count",
         description=N_("Lượt mở đọc tài liệu số của thư viện trong kỳ.")),
    dict(code="digital-downloads", name=N_("Lượt tải tài liệu số"), source="digital_downloads", unit="count",
         description=N_("Lượt tải tệp tài liệu số (PDF, bản sao) của thư viện trong kỳ.")),
    dict(code="harvest-freshness", name=N_("Độ mới của nguồn thu thập (ngày)"), source="harvest_freshness",
         unit="days", aggregation="max", higher_is_better=False,
         description=N_("Số ngày từ lần thu thập OAI-PMH thành công gần nhất của mỗi nguồn, tính đến cuối kỳ "
                        "(hoặc hôm nay với kỳ đang diễn ra); lấy nguồn cũ nhất.")),
]  # fmt: skip


def seeded() -> list[dict]:
    result = []
    for position, spec in enumerate(PROGRAMME + OPERATIONAL, start=1):
        spec = {"aggregation": "sum", "library_kinds": [], "params": {}, "higher_is_better": True, **spec}
        result.append({**spec, "programme": spec["code"].startswith("prog-"), "position": position * 10})
    return result


def ensure_indicators(**_kwargs) -> int:
    """Create the seeded indicators that do not exist yet; return how many were created."""
    from thuvien.reports.models import Indicator

    created = 0
    for spec in seeded():
        _, made = Indicator.objects.get_or_create(
            code=spec["code"], defaults={k: v for k, v in spec.items() if k != "code"}
        )
        created += made
    return created
