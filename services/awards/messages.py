"""The awards service's bilingual refusal messages, Vietnamese first.

Codes are part of the API (clients branch on them); codes under `field.` describe one field of a
request and appear in the error's `fields` list.
"""

from shared.i18n import Text, register_messages

register_messages({
    # refusals by the round (HTTP 409 / 404)
    "round_not_found": Text("Không tìm thấy đợt khen thưởng.", "No such award round."),
    "nomination_not_found": Text("Đợt khen thưởng không có đề nghị này.", "This round has no such nomination."),
    "round_quota_exhausted": Text(
        "Đã hết chỉ tiêu {award_vi} cho {kind_vi} trong đợt này ({granted}/{quota}).",
        "The quota for {award_en} to {kind_en} in this round is used up ({granted}/{quota})."),
    "nomination_already_granted": Text(
        "Đề nghị đối với \"{title}\" đã được quyết định khen thưởng; một thành tích chỉ được khen thưởng một lần.",
        "The nomination of \"{title}\" has already been granted; one achievement is rewarded only once."),
    "model_already_nominated": Text(
        "Mô hình \"{title}\" đã được đề nghị {award_vi} trong đợt này; "
        "một thành tích chỉ được khen thưởng một lần.",
        "\"{title}\" is already nominated for {award_en} in this round; "
        "one achievement is rewarded only once."),
    "nomination_id_taken": Text("Mã đề nghị đã được dùng.", "This nomination id is already used."),
    # field-level refusals (HTTP 422)
    "field.model_not_eligible": Text(
        "Mô hình chưa qua kiểm tra, đánh giá đạt yêu cầu nên chưa thể đề nghị khen thưởng.",
        "The model has not passed an inspection, so it cannot be nominated."),
    "field.model_outside_round": Text(
        "Mô hình thuộc đơn vị {org_path}, ngoài phạm vi của đợt khen thưởng ({round_org_path}).",
        "The model belongs to {org_path}, outside this round's scope ({round_org_path})."),
    "field.round_no_quota_line": Text(
        "Đợt này không có chỉ tiêu {award_vi} cho {kind_vi}.",
        "This round has no quota for {award_en} to {kind_en}."),
    "field.round_quotas_empty": Text("Cần ít nhất một dòng chỉ tiêu.", "At least one quota line is needed."),
    "field.round_quota_not_positive": Text("Chỉ tiêu {award_vi} cho {kind_vi} phải từ 1 trở lên.",
                                           "The quota for {award_en} to {kind_en} must be at least 1."),
    "field.round_quota_duplicate": Text("Chỉ tiêu {award_vi} cho {kind_vi} bị khai báo hai lần.",
                                        "The quota for {award_en} to {kind_en} is given twice."),
    "field.round_quota_lines_repeated": Text(
        "Mỗi cặp (hình thức khen thưởng, đối tượng) chỉ được khai báo một dòng chỉ tiêu.",
        "Give each (award type, recipient kind) pair one quota line only."),
    "field.round_year_too_far": Text("Năm {year} còn quá xa để mở đợt khen thưởng.",
                                     "Year {year} is too far ahead to open a round."),
    "field.round_decision_date_year": Text("Ngày quyết định phải thuộc năm {year}.",
                                           "The decision date must fall in {year}."),
})
