"""`dvk up --demo`: a small, realistic scenario drawn from the seed plans, loaded over the public APIs.

A province and three of its communes (two-level local government, as since 1 July 2025), models
from the Bảo Yên plan (a new-rural-development model per commune, an individual exemplar), the
exemplar criteria of a provincial award regulation (persuasive, spreading, replicable, with the
people's consensus — Articles 4 and 5), an inspection of each, and the yearly 15 October round with
the final-review quotas (25 + 30 commended, 20 + 25 rewarded), in which two awards are granted.

Unit codes are the official administrative codes (Lào Cai 15; the communes as numbered since the
re-organisation of 1 July 2025). Every POST carries a fixed Idempotency-Key, so loading the demo
again after a restart changes nothing.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

PROVINCE = {"code": "15", "name": "Tỉnh Lào Cai", "kind": "province"}
COMMUNES = [
    {"code": "02989", "name": "Xã Bảo Hà", "kind": "commune"},
    {"code": "02953", "name": "Xã Nghĩa Đô", "kind": "commune"},
    {"code": "02947", "name": "Xã Bảo Yên", "kind": "commune"},
]
MODELS = [  # (commune index, body, scores for the four criteria)
    (0, {"title": "Dân vận khéo trong xây dựng nông thôn mới kiểu mẫu", "recipient_kind": "collective",
         "field": "kinh_te", "year": 2025,
         "description": "Vận động nhân dân hiến đất, góp công làm đường liên thôn."}, [22, 21, 18, 22]),
    (1, {"title": "Dân vận khéo trong phát triển du lịch cộng đồng", "recipient_kind": "collective",
         "field": "van_hoa_xa_hoi", "year": 2025}, [15, 12, 10, 16]),
    (2, {"title": "Bí thư chi bộ thôn vận động hộ nghèo thoát nghèo bền vững", "recipient_kind": "individual",
         "field": "xay_dung_he_thong_chinh_tri", "sub_field": "giam_ngheo", "year": 2025,
         "person": {"full_name": "Hoàng Văn Thắng", "position": "Bí thư chi bộ thôn Khuổi Phường",
                    "birth_year": 1974, "belongs_to": "Thôn Khuổi Phường, xã Bảo Yên"}}, [20, 19, 17, 20]),
]
CRITERIA: list[dict[str, Any]] = [
    {"code": "thuyet_phuc", "name_vi": "Có tính thuyết phục", "name_en": "Persuasive", "max_score": 25},
    {"code": "lan_toa", "name_vi": "Có sức lan tỏa", "name_en": "Spreading", "max_score": 25},
    {"code": "nhan_rong", "name_vi": "Có khả năng nhân rộng", "name_en": "Replicable", "max_score": 25},
    {"code": "dong_thuan", "name_vi": "Được nhân dân đồng thuận", "name_en": "People's consensus",
     "max_score": 25},
]
CRITERIA_SET = {
    "name": "Tiêu chí điển hình \"Dân vận khéo\" (Điều 4, Điều 5 quy chế giải thưởng)",
    "code": "DVK-2025", "year": 2025, "pass_score": 70,
    "criteria": CRITERIA,
}
ROUND = {
    "name": "Biểu dương, khen thưởng điển hình \"Dân vận khéo\" năm 2025", "kind": "annual", "year": 2025,
    "quotas": [
        {"award_type": "commendation", "recipient_kind": "collective", "quota": 25},
        {"award_type": "commendation", "recipient_kind": "individual", "quota": 30},
        {"award_type": "reward", "recipient_kind": "collective", "quota": 20},
        {"award_type": "reward", "recipient_kind": "individual", "quota": 25},
    ],
}
DEMO_PASSWORD = "danvankheo-2025"
"""The demo users' password, printed in the ready banner: a demonstration, never a deployment."""
DEMO_USERS = [  # (login, name, roles, scope: "commune" = Xã Bảo Hà, "province" = Tỉnh Lào Cai)
    ("canbo.baoha", "Cán bộ Xã Bảo Hà", ["registrar"], "commune"),
    ("kiemtra.laocai", "Cán bộ kiểm tra Tỉnh Lào Cai", ["inspector"], "province"),
    ("thuky.hoidong", "Thư ký Hội đồng thi đua, khen thưởng", ["secretary"], "province"),
    ("uyvien.hoidong", "Thành viên Hội đồng thi đua, khen thưởng", ["council_member"], "province"),
    ("quantri", "Quản trị Tỉnh Lào Cai", ["administrator"], "province"),
    ("xem", "Người xem", ["viewer"], "province"),
]


class DemoLoader:
    def __init__(self, urls: dict[str, str], token: str) -> None:
        self.urls = urls
        self.client = httpx.Client(headers={"Authorization": f"Bearer {token}"}, timeout=10)

    def post(self, service: str, path: str, key: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return self._created(self._send(service, path, key, body), key)

    def post_once_known(self, service: str, path: str, key: str, body: dict[str, Any],
                        within: float = 30.0) -> dict[str, Any]:
        """Post a command naming a unit the registry has just created: the other service learns of the
        unit through JetStream, so until it has, the command is refused with `org_unit_unknown`."""
        deadline = time.monotonic() + within
        r = self._send(service, path, key, body)
        while r.status_code == 422 and "org_unit_unknown" in r.text and time.monotonic() < deadline:
            time.sleep(0.2)
            r = self._send(service, path, key, body)
        return self._created(r, key)

    def _send(self, service: str, path: str, key: str, body: dict[str, Any] | None) -> httpx.Response:
        return self.client.post(f"{self.urls[service]}{path}", json=body or {},
                                headers={"Idempotency-Key": f"demo-{key}"})

    @staticmethod
    def _created(r: httpx.Response, key: str) -> dict[str, Any]:
        if r.status_code not in (200, 201):
            raise RuntimeError(f"demo step {key} failed: {r.status_code} {r.text}")
        result: dict[str, Any] = r.json()
        return result

    def wait_until(self, service: str, path: str, check: Any = bool, within: float = 30.0) -> None:
        """Another service learns of an event through JetStream: wait until its read model shows it."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            r = self.client.get(f"{self.urls[service]}{path}")
            if r.status_code == 200 and check(r.json()):
                return
            time.sleep(0.2)
        raise TimeoutError(f"{service} {path} did not reach the expected state within {within}s")

    def units(self) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        root = self.post("registry", "/org-units", "org-vn", {"code": "VN", "name": "Việt Nam", "kind": "country"})
        province = self.post("registry", "/org-units", "org-15", {**PROVINCE, "parent_id": root["id"]})
        communes = [self.post("registry", "/org-units", f"org-{c['code']}", {**c, "parent_id": province["id"]})
                    for c in COMMUNES]
        return province, communes

    def users(self, province: dict[str, Any], commune: dict[str, Any]) -> list[dict[str, Any]]:
        """One user per role, scoped as the seeds would. A user already there (the Idempotency-Key
        forgotten after its retention) is left as it is."""
        created = []
        for login, name, roles, where in DEMO_USERS:
            unit = commune if where == "commune" else province
            key = f"user-{login}"
            r = self._send("registry", "/users", key, {"login": login, "name": name, "roles": roles,
                                                       "org_unit_id": unit["id"], "password": DEMO_PASSWORD})
            if r.status_code == 409 and "user_login_taken" in r.text:
                created.append({"login": login, "org_scope": unit["org_path"]})
            else:
                created.append(self._created(r, key))
        return created

    def load(self) -> dict[str, Any]:
        province, communes = self.units()
        users = self.users(province, communes[0])
        criteria = self.post_once_known("evaluation", "/criteria-sets", "criteria-2025",
                                        {**CRITERIA_SET, "org_path": province["org_path"]})
        models = []
        for i, (commune, body, scores) in enumerate(MODELS):
            owner = communes[commune]["id"]
            model = self.post("registry", "/models", f"model-{i}", {**body, "owner_org_unit_id": owner})
            self.wait_until("evaluation", f"/models/{model['id']}")
            codes = [c["code"] for c in CRITERIA]
            inspection = self.post("evaluation", "/inspections", f"inspection-{i}", {
                "model_id": model["id"], "criteria_set_id": criteria["id"], "inspected_on": "2025-09-20",
                "scores": [{"code": c, "score": s} for c, s in zip(codes, scores, strict=True)]})
            models.append((model, inspection))
        round_ = self.post_once_known("awards", "/rounds", "round-2025", {**ROUND, "org_path": province["org_path"]})
        grants = []
        for i, (model, inspection) in enumerate(models):
            if not inspection["passed"]:
                continue
            self.wait_until("awards", "/eligible-models",
                            lambda page, m=model: any(r["model_id"] == m["id"] for r in page["items"]))
            award_type = "reward" if i == 0 else "commendation"
            nomination = self.post("awards", f"/rounds/{round_['id']}/nominations", f"nomination-{i}",
                                   {"model_id": model["id"], "award_type": award_type})
            grants.append(self.post("awards", f"/rounds/{round_['id']}/nominations/{nomination['id']}/grant",
                                    f"grant-{i}"))
        return {"province": province, "communes": communes, "models": models, "round": round_, "grants": grants,
                "users": users}


def load_demo(urls: dict[str, str], token: str) -> dict[str, Any]:
    print("Đang nạp dữ liệu mẫu... / Loading the demo scenario...", flush=True)
    result = DemoLoader(urls, token).load()
    print(f"  {len(result['communes'])} xã, {len(result['models'])} mô hình, {len(result['grants'])} khen thưởng "
          f"/ communes, models, awards", flush=True)
    return result


def demo_users_banner() -> str:
    """What the ready banner says about the demo users (Vietnamese first)."""
    lines = [f"Người dùng mẫu (mật khẩu: {DEMO_PASSWORD}) / demo users (password: {DEMO_PASSWORD}):"]
    for login, name, roles, where in DEMO_USERS:
        scope = "Xã Bảo Hà" if where == "commune" else "Tỉnh Lào Cai"
        lines.append(f"  {login:<16} {', '.join(roles):<16} {scope} — {name}")
    return "\n".join(lines)
