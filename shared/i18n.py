"""Bilingual messages: Vietnamese first, English beside it, looked up by a stable code.

A message code is part of the API (clients branch on it); the wording may improve freely. Each
service adds its own codes with `register_messages` at import time. Dates shown to people use
dd/MM/yyyy in Asia/Ho_Chi_Minh; the database and the wire keep UTC.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class Text:
    vi: str
    en: str

    def format(self, **params: object) -> Text:
        return Text(self.vi.format(**params), self.en.format(**params))

    def as_dict(self) -> dict[str, str]:
        return {"vi": self.vi, "en": self.en}


_MESSAGES: dict[str, Text] = {
    "validation_failed": Text("Dữ liệu gửi lên không hợp lệ.", "The submitted data is invalid."),
    "unauthenticated": Text("Cần đăng nhập: thiếu hoặc sai mã xác thực (bearer token).",
                            "Authentication required: the bearer token is missing or invalid."),
    "sign_in_failed": Text("Tên đăng nhập hoặc mật khẩu không đúng, hoặc tài khoản đã bị khoá.",
                           "The login or password is wrong, or the account is disabled."),
    "sign_in_paused": Text("Đăng nhập sai nhiều lần liên tiếp; vui lòng thử lại sau {seconds} giây.",
                           "Too many wrong sign-ins in a row; try again in {seconds} seconds."),
    "token_expired": Text("Phiên đăng nhập đã hết hạn; vui lòng đăng nhập lại.",
                          "The session has expired (token expired); sign in again."),
    "invalid_json": Text("Nội dung không phải JSON hợp lệ (vị trí {position}: {error}).",
                         "The body is not valid JSON (at position {position}: {error})."),
    "unsupported_media_type": Text("Nội dung phải là JSON, gửi kèm tiêu đề Content-Type: application/json "
                                   "(đã nhận: {content_type}).",
                                   "The body must be JSON, sent with Content-Type: application/json "
                                   "(received: {content_type})."),
    "method_not_allowed": Text("Phương thức {method} không dùng được ở địa chỉ này (dùng: {allow}).",
                               "Method {method} is not allowed here (allowed: {allow})."),
    "bad_request": Text("Yêu cầu không hợp lệ.", "Bad request."),
    "forbidden_role": Text("Tài khoản không có vai trò cần thiết ({roles}).",
                           "Your account lacks the required role ({roles})."),
    "forbidden_scope": Text("Đơn vị {org_path} nằm ngoài phạm vi được giao ({scope}).",
                            "Unit {org_path} is outside your assigned scope ({scope})."),
    "conflict_retry": Text("Dữ liệu vừa được người khác thay đổi; vui lòng tải lại và thử lại.",
                           "Someone else changed this just now; reload and try again."),
    "idempotency_key_reused": Text("Khóa Idempotency-Key đã dùng cho một yêu cầu khác.",
                                   "This Idempotency-Key was already used for a different request."),
    "not_found": Text("Không tìm thấy.", "Not found."),
    "payload_too_large": Text("Nội dung yêu cầu quá lớn (tối đa {limit} byte).",
                              "The request body is too large (at most {limit} bytes)."),
    "dead_letter_not_replayable": Text("Không thể phát lại thư lỗi này: {reason}",
                                       "This dead letter cannot be replayed: {reason}"),
    "service_unavailable": Text("Cơ sở dữ liệu tạm thời không sẵn sàng. Vui lòng gửi lại yêu cầu với cùng "
                                "Idempotency-Key: lệnh chỉ được thực hiện một lần.",
                                "The database is briefly unavailable. Send the request again with the same "
                                "Idempotency-Key: the command takes effect once."),
    "internal_error": Text("Lỗi hệ thống; đã ghi nhận để xử lý.",
                           "Internal error; it has been logged."),
    # field-level messages, keyed by pydantic's error type
    "field.missing": Text("Thiếu trường bắt buộc.", "This field is required."),
    "field.string_type": Text("Phải là chuỗi ký tự.", "Must be a string."),
    "field.string_too_short": Text("Quá ngắn (tối thiểu {min_length} ký tự).",
                                   "Too short (at least {min_length} characters)."),
    "field.string_too_long": Text("Quá dài (tối đa {max_length} ký tự).",
                                  "Too long (at most {max_length} characters)."),
    "field.string_control_characters": Text("Có ký tự điều khiển không hợp lệ.",
                                            "Contains control characters that are not allowed."),
    "field.string_pattern_mismatch": Text("Sai định dạng.", "Wrong format."),
    "field.int_type": Text("Phải là số nguyên.", "Must be an integer."),
    "field.int_parsing": Text("Phải là số nguyên.", "Must be an integer."),
    "field.int_from_float": Text("Phải là số nguyên.", "Must be an integer."),
    "field.float_type": Text("Phải là số.", "Must be a number."),
    "field.float_parsing": Text("Phải là số.", "Must be a number."),
    "field.bool_type": Text("Phải là đúng/sai.", "Must be true or false."),
    "field.bool_parsing": Text("Phải là đúng/sai.", "Must be true or false."),
    "field.uuid_type": Text("Phải là mã định danh UUID.", "Must be a UUID."),
    "field.uuid_parsing": Text("Phải là mã định danh UUID.", "Must be a UUID."),
    "field.literal_error": Text("Giá trị không hợp lệ; chọn một trong: {expected}.",
                                "Invalid value; expected one of: {expected}."),
    "field.enum": Text("Giá trị không hợp lệ; chọn một trong: {expected}.",
                       "Invalid value; expected one of: {expected}."),
    "field.greater_than_equal": Text("Phải lớn hơn hoặc bằng {ge}.", "Must be at least {ge}."),
    "field.greater_than": Text("Phải lớn hơn {gt}.", "Must be greater than {gt}."),
    "field.less_than_equal": Text("Phải nhỏ hơn hoặc bằng {le}.", "Must be at most {le}."),
    "field.less_than": Text("Phải nhỏ hơn {lt}.", "Must be less than {lt}."),
    "field.too_short": Text("Cần ít nhất {min_length} phần tử.", "Needs at least {min_length} items."),
    "field.too_long": Text("Tối đa {max_length} phần tử.", "At most {max_length} items."),
    "field.list_type": Text("Phải là danh sách.", "Must be a list."),
    "field.dict_type": Text("Phải là đối tượng.", "Must be an object."),
    "field.model_type": Text("Phải là đối tượng.", "Must be an object."),
    "field.model_attributes_type": Text("Phải là đối tượng.", "Must be an object."),
    "field.extra_forbidden": Text("Trường không được phép.", "This field is not allowed."),
    "field.json_invalid": Text("JSON không hợp lệ.", "Invalid JSON."),
    "field.datetime_parsing": Text("Phải là thời điểm ISO 8601.", "Must be an ISO 8601 date-time."),
    "field.date_parsing": Text("Phải là ngày dạng yyyy-MM-dd.", "Must be a date as yyyy-MM-dd."),
    "field.date_type": Text("Phải là ngày dạng yyyy-MM-dd.", "Must be a date as yyyy-MM-dd."),
    "field.date_from_datetime_parsing": Text("Phải là ngày dạng yyyy-MM-dd.", "Must be a date as yyyy-MM-dd."),
    "field.date_from_datetime_inexact": Text("Phải là ngày dạng yyyy-MM-dd.", "Must be a date as yyyy-MM-dd."),
    "field.url_parsing": Text("Phải là địa chỉ URL.", "Must be a URL."),
    "field.url_scheme": Text("Địa chỉ phải bắt đầu bằng http:// hoặc https://.",
                             "The URL must start with http:// or https://."),
    "field.value_error": Text("Giá trị không hợp lệ: {error}.", "Invalid value: {error}."),
    "field.unknown": Text("Giá trị không hợp lệ.", "Invalid value."),
}


def register_messages(messages: dict[str, Text]) -> None:
    for code, text in messages.items():
        if code in _MESSAGES and _MESSAGES[code] != text:
            raise ValueError(f"message code defined twice: {code}")
        _MESSAGES[code] = text


def message(code: str, /, **params: object) -> Text:
    text = _MESSAGES.get(code) or _MESSAGES["field.unknown"]
    try:
        return text.format(**params)
    except (KeyError, IndexError):
        return text


def show_date(moment: datetime) -> str:
    """dd/MM/yyyy as people in Vietnam read it, in Vietnam's time zone."""
    return moment.astimezone(VN_TZ).strftime("%d/%m/%Y")


def show_datetime(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).strftime("%H:%M %d/%m/%Y")
