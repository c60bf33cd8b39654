"""SRU diagnostics: the standard numbers (info:srw/diagnostic/1/N), their messages, and what each failure maps to."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from thuvien.search import structured as sq

PREFIX = "info:srw/diagnostic/1/"

# The messages of the numbers this server gives (the standard list is sru/diagnostics/srw-diagnostics.csv).
MESSAGES = {
    1: _("Lỗi hệ thống"),
    4: _("Thao tác không được hỗ trợ"),
    5: _("Phiên bản không được hỗ trợ"),
    6: _("Giá trị tham số không được hỗ trợ"),
    7: _("Thiếu tham số bắt buộc"),
    8: _("Tham số không được hỗ trợ"),
    10: _("Câu hỏi sai cú pháp"),
    11: _("Kiểu câu hỏi không được hỗ trợ"),
    12: _("Câu hỏi quá dài"),
    13: _("Dùng ngoặc đơn sai hoặc không được hỗ trợ"),
    14: _("Dùng ngoặc kép sai hoặc không được hỗ trợ"),
    15: _("Tập ngữ cảnh không được hỗ trợ"),
    16: _("Chỉ mục không được hỗ trợ"),
    19: _("Quan hệ không được hỗ trợ"),
    20: _("Bổ ngữ quan hệ không được hỗ trợ"),
    23: _("Từ tìm quá dài"),
    27: _("Không hỗ trợ từ tìm trống"),
    28: _("Không hỗ trợ ký tự đại diện"),
    29: _("Từ có ký tự đại diện quá ngắn"),
    31: _("Không hỗ trợ ký tự neo"),
    36: _("Từ tìm sai dạng với chỉ mục hoặc quan hệ"),
    37: _("Toán tử logic không được hỗ trợ"),
    38: _("Câu hỏi có quá nhiều toán tử logic"),
    46: _("Bổ ngữ của toán tử logic không được hỗ trợ"),
    61: _("Vị trí biểu ghi đầu tiên nằm ngoài kết quả"),
    62: _("Số biểu ghi yêu cầu là số âm"),
    66: _("Lược đồ biểu ghi không xác định"),
    71: _("Cách đóng gói biểu ghi không được hỗ trợ"),
    72: _("Không hỗ trợ lấy biểu ghi theo XPath"),
    80: _("Không hỗ trợ sắp xếp"),
    82: _("Trình tự sắp xếp không được hỗ trợ"),
    84: _("Quá nhiều khoá sắp xếp"),
    87: _("Lược đồ sắp xếp không được hỗ trợ"),
    88: _("Đường dẫn sắp xếp không được hỗ trợ"),
    90: _("Giá trị chiều sắp xếp không được hỗ trợ"),
    91: _("Giá trị phân biệt hoa thường không được hỗ trợ"),
    92: _("Cách xử lý giá trị thiếu không được hỗ trợ"),
    110: _("Không hỗ trợ stylesheet"),
    111: _("Stylesheet không được hỗ trợ"),
    120: _("Vị trí trả lời nằm ngoài phạm vi"),
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: int
    details: str = ""
    message: str = ""

    @property
    def uri(self) -> str:
        return f"{PREFIX}{self.code}"

    def text(self) -> str:
        """Return the human-readable message: the specific one, else the standard one for the number."""
        if self.message:
            return str(self.message)
        return str(MESSAGES.get(self.code, ""))


# sq.QueryError.reason -> diagnostic number.
_REASONS = {"index": 16, "relation": 19, "truncation": 28, "too_complex": 38, "sort": 88, "operator": 37}


def from_query_error(error: sq.QueryError) -> Diagnostic:
    """Return the diagnostic for a query the shared layer refused."""
    if error.reason == "term":
        if not error.detail.strip():
            return Diagnostic(27)
        return Diagnostic(36, error.detail)
    if error.reason == "too_complex" and error.detail not in ("terms", "depth"):
        # The shared layer refuses a mask or truncation that keeps too few letters to look up.
        return Diagnostic(29, error.detail)
    return Diagnostic(_REASONS.get(error.reason, 1), error.detail)
