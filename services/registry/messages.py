"""The registry's bilingual refusal messages."""

from shared.i18n import Text, register_messages

_ENDED = Text("Đơn vị {name} đã chấm dứt hoạt động từ ngày {on}.", "Unit {name} ended on {on}.")
_SUCCESSOR_REQUIRED = Text(
    "Đơn vị còn {count} mô hình, điển hình: phải chỉ định đơn vị kế thừa.",
    "The unit still carries {count} models or exemplars: name the unit that succeeds it.")

register_messages({
    "org_unit_parent_missing": Text("Đơn vị cấp trên không tồn tại.", "The parent unit does not exist."),
    "org_unit_code_taken": Text("Mã đơn vị {code} đã có dưới cùng đơn vị cấp trên.",
                                "Unit code {code} is already used under the same parent."),
    "org_unit_root_scope": Text("Chỉ quản trị viên có phạm vi {path} mới tạo được đơn vị gốc này.",
                                "Only an administrator scoped to {path} may create this root unit."),
    "org_unit_ended": _ENDED,
    "field.org_unit_ended": _ENDED,
    "org_unit_has_units": Text(
        "Đơn vị {name} còn đơn vị trực thuộc: hãy chuyển hoặc sáp nhập các đơn vị đó trước.",
        "Unit {name} still has units under it: move or merge them first."),
    "field.org_unit_effective_before_start": Text(
        "Ngày hiệu lực sớm hơn ngày đơn vị {name} được thành lập ({start}).",
        "The effective date is before unit {name} existed ({start})."),
    "field.org_unit_effective_before_last_change": Text(
        "Ngày hiệu lực sớm hơn lần thay đổi gần nhất của đơn vị {name} ({last}).",
        "The effective date is before the latest change to unit {name} ({last})."),
    "field.org_unit_effective_before_parent": Text(
        "Ngày hiệu lực sớm hơn ngày đơn vị cấp trên được thành lập ({start}).",
        "The effective date is before the parent unit existed ({start})."),
    "field.org_unit_same_name": Text("Tên mới trùng tên hiện tại.", "The new name is the current name."),
    "field.org_unit_move_into_itself": Text(
        "Không thể chuyển đơn vị {name} vào chính nó hoặc đơn vị trực thuộc của nó.",
        "Unit {name} cannot be moved under itself or one of its own units."),
    "field.org_unit_already_there": Text("Đơn vị {name} đã trực thuộc đơn vị này.",
                                         "Unit {name} already stands under this parent."),
    "field.org_unit_merge_parent_required": Text(
        "Các đơn vị sáp nhập thuộc các đơn vị cấp trên khác nhau: phải chỉ rõ đơn vị kế thừa trực thuộc đâu.",
        "The merged units have different parents: say under which unit the successor stands."),
    "field.org_unit_merge_successor_one_of": Text(
        "Nêu đơn vị kế thừa: hoặc một đơn vị có sẵn (successor_id), hoặc một đơn vị mới (successor), không cả hai.",
        "Name the successor: either an existing unit (successor_id) or a new one (successor), not both."),
    "field.org_unit_merge_into_itself": Text("Không thể sáp nhập đơn vị {name} vào chính nó.",
                                             "Unit {name} cannot be merged into itself."),
    "field.org_unit_merged_twice": Text("Đơn vị {name} được nêu hai lần.", "Unit {name} is named twice."),
    "field.org_unit_successor_inside_merged": Text(
        "Đơn vị kế thừa {name} đang trực thuộc một đơn vị bị sáp nhập.",
        "The successor {name} stands inside one of the merged units."),
    "field.org_unit_successor_required": _SUCCESSOR_REQUIRED,
    "field.org_unit_successor_is_itself": Text("Đơn vị kế thừa không thể là chính đơn vị này.",
                                               "A unit cannot succeed itself."),
    "field.org_unit_successor_twice": Text("Đơn vị kế thừa được nêu hai lần.", "This successor is named twice."),
    "field.org_unit_successor_not_yet": Text(
        "Đơn vị kế thừa {name} chỉ tồn tại từ ngày {start}.", "The successor {name} only exists from {start}."),
    "field.org_unit_split_too_few": Text("Chia tách cần ít nhất hai đơn vị kế thừa khác nhau.",
                                         "A split needs at least two different successors."),
    "field.org_unit_default_not_successor": Text(
        "Đơn vị kế thừa mặc định phải là một trong các đơn vị kế thừa.",
        "The default successor must be one of the successors."),
    "field.org_unit_entity_not_carried": Text(
        "Mô hình {entity_id} không thuộc đơn vị bị chia tách.",
        "Model {entity_id} is not carried by the unit being split."),
    "field.org_unit_entity_assigned_twice": Text(
        "Mô hình {entity_id} được giao cho hai đơn vị kế thừa.",
        "Model {entity_id} is assigned to two successors."),
    "user_login_taken": Text("Tên đăng nhập {login} đã có người dùng.", "The login {login} is already taken."),
    "user_not_found": Text("Không tìm thấy người dùng {login} trong phạm vi của bạn.",
                           "No user {login} within your scope."),
    "model_already_registered": Text("Mô hình {model_id} đã được đăng ký.", "Model {model_id} is already registered."),
    "model_year_in_future": Text("Năm {year} chưa tới.", "Year {year} has not come yet."),
})
