"""Bib-1 diagnostics: the codes this target sends, and their meaning for a librarian reading a client error."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

BIB1_DIAG = (1, 2, 840, 10003, 4, 1)

PERMANENT_SYSTEM_ERROR = 1
TEMPORARY_SYSTEM_ERROR = 2
UNSUPPORTED_SEARCH = 3
TOO_MANY_TRUNCATED_WORDS = 7
PRESENT_OUT_OF_RANGE = 13
SYSTEM_ERROR_PRESENTING = 14
RECORD_EXCEEDS_MESSAGE_SIZE = 16
RESULT_SET_AS_TERM_UNSUPPORTED = 18
RESULT_SET_EXISTS = 21
ELEMENT_SET_NAME_INVALID = 25
RESULT_SET_GONE = 27
RESULT_SET_MISSING = 30
QUERY_TYPE_UNSUPPORTED = 107
MALFORMED_QUERY = 108
DATABASE_UNAVAILABLE = 109
OPERATOR_UNSUPPORTED = 110
TOO_MANY_DATABASES = 111
UNSUPPORTED_ATTRIBUTE_TYPE = 113
UNSUPPORTED_USE = 114
UNSUPPORTED_RELATION = 117
UNSUPPORTED_STRUCTURE = 118
UNSUPPORTED_POSITION = 119
UNSUPPORTED_TRUNCATION = 120
UNSUPPORTED_ATTRIBUTE_SET = 121
UNSUPPORTED_COMPLETENESS = 122
UNSUPPORTED_COMBINATION = 123
MALFORMED_TERM = 125
ILLEGAL_TERM_VALUE = 126
ILLEGAL_RESULT_SET_NAME = 128
PROXIMITY_UNSUPPORTED = 129
ONLY_ZERO_STEP_SCAN = 205
SORT_UNSUPPORTED = 207
RECORD_SYNTAX_UNSUPPORTED = 239
SCAN_MALFORMED = 228
SCAN_POSITION_UNSUPPORTED = 233
TOO_MANY_INDEX_TERMS = 234
DATABASE_MISSING = 235
COMPLEX_ATTRIBUTE_UNSUPPORTED = 246
MALFORMED_APDU = 1001
INIT_BAD_USER_OR_PASSWORD = 1011
INIT_AUTH_SYSTEM_ERROR = 1014
INIT_BLOCKED_ADDRESS = 1016
INIT_OUT_OF_RESOURCES = 1018
RECORD_DELETED = 1028
SCAN_TOO_MANY_TERMS = 1029


class Diagnostic(Exception):
    """A Bib-1 diagnostic to send instead of a result: CODE and the ADDINFO that names what was wrong."""

    def __init__(self, code: int, addinfo: str = "") -> None:
        super().__init__(f"{code} {addinfo}".strip())
        self.code = code
        self.addinfo = addinfo

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Diagnostic):
            return NotImplemented
        return (self.code, self.addinfo) == (other.code, other.addinfo)

    def __hash__(self) -> int:
        return hash((self.code, self.addinfo))


# What a librarian sees when a target sends one of the common diagnostics (the client's errors).
MEANINGS = {
    1: _("lỗi hệ thống cố định"),
    2: _("lỗi hệ thống tạm thời"),
    3: _("kiểu tìm kiếm không được hỗ trợ"),
    13: _("yêu cầu biểu ghi ngoài phạm vi kết quả"),
    14: _("lỗi hệ thống khi trả biểu ghi"),
    16: _("biểu ghi lớn hơn cỡ thông điệp cho phép"),
    21: _("tập kết quả đã tồn tại"),
    25: _("tên tập phần tử không hợp lệ"),
    27: _("tập kết quả đã bị máy chủ xóa"),
    30: _("tập kết quả không tồn tại"),
    107: _("kiểu truy vấn không được hỗ trợ"),
    108: _("truy vấn sai cú pháp"),
    109: _("cơ sở dữ liệu không sẵn sàng"),
    110: _("toán tử không được hỗ trợ"),
    113: _("loại thuộc tính không được hỗ trợ"),
    114: _("thuộc tính Use (điểm truy cập) không được hỗ trợ"),
    117: _("thuộc tính quan hệ không được hỗ trợ"),
    118: _("thuộc tính cấu trúc không được hỗ trợ"),
    119: _("thuộc tính vị trí không được hỗ trợ"),
    120: _("thuộc tính cắt cụt không được hỗ trợ"),
    121: _("bộ thuộc tính không được hỗ trợ"),
    123: _("tổ hợp thuộc tính không được hỗ trợ"),
    125: _("thuật ngữ tìm kiếm sai dạng"),
    126: _("giá trị thuật ngữ không hợp lệ cho thuộc tính"),
    128: _("tên tập kết quả không hợp lệ"),
    129: _("không hỗ trợ tìm kiếm lân cận"),
    235: _("cơ sở dữ liệu không tồn tại"),
    236: _("không được phép truy cập cơ sở dữ liệu"),
    238: _("biểu ghi không có ở khuôn dạng yêu cầu"),
    239: _("khuôn dạng biểu ghi không được hỗ trợ"),
    1001: _("thông điệp giao thức sai dạng"),
    1010: _("tên đăng nhập không đúng"),
    1011: _("tên đăng nhập hoặc mật khẩu không đúng"),
    1016: _("địa chỉ mạng bị chặn tạm thời"),
    1028: _("biểu ghi đã bị xóa"),
}
