"""The registry's bilingual refusal messages."""

from shared.i18n import Text, register_messages

_ENDED = Text("Đơn vị {name} đã chấm dứt hoạt động từ ngày {on}.", "Unit {name} ended on {on}.")
_SUCCESSOR_REQUIRED = Text(
    "Đơn vị còn {count} mô hình, điển hình: phải chỉ định đơn vị kế thừa.",
    "The unit still carries {count} models or exemplars: name the unit that succeeds it.")

register_messages({
    "field.plan_code_repeated": Text("Mã {code} đã dùng ở mục {first}.",
                                     "Code {code} is already used by item {first}."),
    "field.plan_period_reversed": Text("Năm kết thúc sớm hơn năm bắt đầu ({period_from}).",
                                       "The period ends before it starts ({period_from})."),
    "field.plan_deadline_outside_period": Text(
        "Hạn nộp nằm ngoài giai đoạn {period_from}–{period_to} của kế hoạch.",
        "The deadline lies outside the plan's period {period_from}–{period_to}."),
    "field.plan_unknown": Text("Không có kế hoạch này.", "No such plan."),
    "field.plan_asks_no_plans": Text("Kế hoạch \"{plan}\" không yêu cầu đơn vị cấp dưới xây dựng kế hoạch.",
                                     "Plan \"{plan}\" asks for no plans from the units under it."),
    "field.plan_parent_not_above": Text("Kế hoạch \"{plan}\" không phải của đơn vị cấp trên của đơn vị này.",
                                        "Plan \"{plan}\" was not issued by a unit above this one."),
    "field.plan_recipient_not_below": Text("Nơi nhận phải là đơn vị trực thuộc đơn vị ban hành.",
                                           "A recipient must be a unit under the issuing unit."),
    "field.plan_reporter_not_below": Text("Đơn vị này không thuộc phạm vi của kế hoạch \"{plan}\".",
                                          "This unit is not under the unit that issued plan \"{plan}\"."),
    "field.plan_no_report_deadline": Text("Kế hoạch \"{plan}\" không có hạn nộp báo cáo mã {code}.",
                                          "Plan \"{plan}\" has no report deadline with code {code}."),
    "field.plan_no_plan_deadline": Text("Kế hoạch \"{plan}\" không có hạn nộp kế hoạch mã {code}.",
                                        "Plan \"{plan}\" has no plan deadline with code {code}."),
    "participation_already_registered": Text("Đơn vị đã đăng ký tham gia phong trào này ngày {on}.",
                                             "The unit already registered in this movement on {on}."),
    "field.bloc_member_repeated": Text("Đơn vị này đã có trong danh sách thành viên.",
                                      "This unit is already in the list of members."),
    "field.bloc_members_unchanged": Text("Danh sách thành viên không thay đổi.", "The members are the same."),
    "model_version_stale": Text(
        "Mô hình đã được sửa sau lần bạn đọc (phiên bản {sent}, nay là {version}); đã thay đổi: {changed}. "
        "Hãy tải lại và sửa lại.",
        "The model changed after you read it (version {sent}, now {version}); changed: {changed}. "
        "Reload it and amend again."),
    "if_match_required": Text("Cần gửi kèm If-Match với ETag của mô hình đã đọc.",
                              "Send If-Match with the ETag of the model as you read it."),
    "if_match_unreadable": Text("Không đọc được If-Match: {sent}.", "If-Match {sent} cannot be read."),
    "model_withdrawn": Text("Mô hình đã bị rút ngày {on}.", "The model was withdrawn on {on}."),
    "field.model_nothing_changed": Text("Không có gì thay đổi so với hiện tại.",
                                        "Nothing differs from what stands."),
    "field.model_person_individual": Text("Điển hình cá nhân cần thông tin người được đề cập.",
                                          "An individual exemplar needs its person."),
    "field.model_person_collective": Text("Mô hình tập thể không kèm thông tin cá nhân.",
                                          "A collective model carries no person."),
    "field.model_year_in_future": Text("Năm {year} chưa tới.", "Year {year} has not come yet."),
    "field.model_replicates_itself": Text("Mô hình không thể nhân rộng từ chính nó.",
                                          "A model cannot replicate itself."),
    "field.model_not_found": Text("Không có mô hình này.", "No such model."),
    "field.model_source_withdrawn": Text("Mô hình gốc đã bị rút.", "The source model was withdrawn."),
    "model_already_replicates": Text("Mô hình đã được ghi nhận nhân rộng từ một mô hình khác.",
                                     "The model is already recorded as replicating another."),
    "report_already_submitted": Text("Đơn vị đã nộp báo cáo cho hạn này ngày {on}.",
                                     "The unit already submitted its report for this deadline on {on}."),
    "field.import_parent_code_unknown": Text(
        "Mã đơn vị cấp trên {parent_code} không có ở dòng nào phía trên.",
        "Parent code {parent_code} is not the code of any row above this one."),
    "field.import_code_repeated": Text(
        "Mã {code} đã có ở dòng {first}: mỗi đơn vị trong tệp cần một mã riêng.",
        "Code {code} already appears on row {first}: each unit in an import needs its own code."),
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
