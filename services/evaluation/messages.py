"""The evaluation service's bilingual refusal messages, Vietnamese first.

Codes are part of the API (clients branch on them); `field.*` codes label one field of a request.
"""

from shared.i18n import Text, register_messages

register_messages({
    # whole-request refusals
    "criteria_set_already_defined": Text("Bộ tiêu chí {code} đã được ban hành.",
                                         "Criteria set {code} has already been issued."),
    "criteria_set_code_taken": Text("Mã bộ tiêu chí {code} đã được dùng tại đơn vị {org_path}.",
                                    "Criteria set code {code} is already used at unit {org_path}."),
    "inspection_already_recorded": Text("Kết quả kiểm tra {inspection_id} đã được ghi.",
                                        "Inspection {inspection_id} has already been recorded."),
    # field-level refusals
    "field.model_unknown": Text("Chưa có mô hình này (hoặc chưa đồng bộ từ đăng ký).",
                                "No such model (or not yet synchronised from the registry)."),
    "field.criteria_set_unknown": Text("Chưa có bộ tiêu chí này.", "No such criteria set."),
    "field.criteria_set_period_missing": Text(
        "Cần ghi năm áp dụng (year) hoặc ngày bắt đầu hiệu lực (valid_from).",
        "Give the year it applies to (year) or the date it takes effect (valid_from)."),
    "field.criteria_set_period_mismatch": Text("Ngày bắt đầu hiệu lực phải thuộc năm {year}.",
                                               "The date it takes effect must fall within {year}."),
    "field.criteria_empty": Text("Bộ tiêu chí cần ít nhất một tiêu chí.",
                                 "A criteria set needs at least one criterion."),
    "field.criterion_code_duplicate": Text("Mã tiêu chí {code} bị trùng.", "Criterion code {code} appears twice."),
    "field.max_score_not_positive": Text("Điểm tối đa phải lớn hơn 0.", "The maximum score must be above 0."),
    "field.pass_score_not_positive": Text("Điểm đạt phải lớn hơn 0.", "The pass mark must be above 0."),
    "field.pass_score_above_total": Text(
        "Điểm đạt ({pass_score:g}) không được lớn hơn tổng điểm tối đa ({total:g}).",
        "The pass mark ({pass_score:g}) cannot exceed the sum of the maximum scores ({total:g})."),
    "field.criteria_set_not_in_force": Text("Bộ tiêu chí không áp dụng vào ngày {date}.",
                                            "The criteria set is not in force on {date}."),
    "field.criteria_set_not_applicable": Text(
        "Bộ tiêu chí do đơn vị {org_path} ban hành, không áp dụng cho đơn vị {model_org_path}.",
        "The criteria set was issued by {org_path} and does not apply to unit {model_org_path}."),
    "field.inspected_on_in_future": Text("Ngày kiểm tra chưa tới.", "The inspection date has not come yet."),
    "field.criterion_unknown": Text("Bộ tiêu chí không có tiêu chí {code}.",
                                    "The criteria set has no criterion {code}."),
    "field.criterion_scored_twice": Text("Tiêu chí {code} đã được chấm ở dòng khác.",
                                         "Criterion {code} is already scored on another line."),
    "field.criterion_not_scored": Text("Chưa chấm các tiêu chí: {codes}.", "These criteria are not scored: {codes}."),
    "field.score_not_finite": Text("Điểm phải là một số.", "The score must be a number."),
    "field.score_negative": Text("Điểm không được âm.", "The score cannot be negative."),
    "field.score_above_max": Text("Điểm vượt quá điểm tối đa {max_score:g} của tiêu chí {code}.",
                                  "The score exceeds criterion {code}'s maximum of {max_score:g}."),
})
