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
})
