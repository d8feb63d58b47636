"""The notifications service's bilingual refusal messages (Vietnamese first, English beside)."""

from shared.i18n import Text, register_messages

register_messages({
    "webhook_unknown": Text("Không có webhook này.", "No such webhook."),
    "webhook_already_disabled": Text("Webhook {endpoint_id} đã bị tắt trước đó.",
                                     "Webhook {endpoint_id} is already disabled."),
    "webhook_url_scheme": Text("Địa chỉ {url} phải bắt đầu bằng http:// hoặc https://.",
                               "The address {url} must start with http:// or https://."),
    "notification_unknown": Text("Không có thông báo này.", "No such notification."),
    "field.webhook_event_type_unknown": Text("Loại sự kiện {value} không có hoặc không gửi qua webhook; chọn trong: "
                                     "{expected}.",
                                     "Event type {value} does not exist or is not sent by webhook; choose from: "
                                     "{expected}."),
    "field.webhook_org_path_outside_scope": Text("Đơn vị {org_path} nằm ngoài phạm vi được giao ({scope}).",
                                "Unit {org_path} is outside your assigned scope ({scope})."),
    "field.webhook_target_not_public": Text(
        "Không gửi webhook vào mạng nội bộ: {host} trỏ tới {address} ({reason_vi}). Hệ thống nội bộ của cơ quan "
        "phải được khai báo trong DVK_WEBHOOK_ALLOWED_TARGETS.",
        "Webhooks are not sent inside the network: {host} resolves to {address} ({reason}). An agency's own "
        "internal systems must be named in DVK_WEBHOOK_ALLOWED_TARGETS."),
})

TARGET_REASONS_VI = {
    "loopback": "địa chỉ nội bộ của máy chủ", "private": "mạng riêng", "link_local": "địa chỉ liên kết cục bộ",
    "multicast": "địa chỉ multicast", "not_global": "không phải địa chỉ Internet công cộng",
    "unresolvable": "không phân giải được tên miền",
}
"""The refusal reasons of services/notifications/targets.py, in Vietnamese."""
