"""The registry's bilingual refusal messages."""

from shared.i18n import Text, register_messages

register_messages({
    "org_unit_parent_missing": Text("Đơn vị cấp trên không tồn tại.", "The parent unit does not exist."),
    "org_unit_code_taken": Text("Mã đơn vị {code} đã có dưới cùng đơn vị cấp trên.",
                                "Unit code {code} is already used under the same parent."),
    "org_unit_root_scope": Text("Chỉ quản trị viên có phạm vi {path} mới tạo được đơn vị gốc này.",
                                "Only an administrator scoped to {path} may create this root unit."),
    "field.org_unit_unknown": Text("Không có đơn vị này trong hệ thống.", "No such org unit."),
    "org_unit_unknown": Text("Không có đơn vị này trong hệ thống.", "No such org unit."),
    "model_already_registered": Text("Mô hình {model_id} đã được đăng ký.", "Model {model_id} is already registered."),
    "model_year_in_future": Text("Năm {year} chưa tới.", "Year {year} has not come yet."),
})
