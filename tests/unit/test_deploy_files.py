"""The deployment files hold together: compose, NATS, Prometheus rules, Grafana, Dockerfile and docs.

There is no container engine in CI, so these files are checked by parsing them: every service has
its own database and never another's, everything has a healthcheck, Prometheus scrapes every
service, every metric an alert or a panel uses exists in the code, and the docs cover every key
and alert. When `promtool` is installed, the rules and the dashboard's queries are also compiled
and the alert unit tests (deploy/prometheus/alerts_test.yml) are run.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
import yaml

from shared.config import PROCESS_PORTS, SERVICE_PORTS, PlatformSettings, ServiceSettings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
NATS_CONF = ROOT / "deploy" / "nats" / "nats-server.conf"
PROMETHEUS = ROOT / "deploy" / "prometheus" / "prometheus.yml"
ALERTS = ROOT / "deploy" / "prometheus" / "alerts.yml"
ALERT_TESTS = ROOT / "deploy" / "prometheus" / "alerts_test.yml"
DASHBOARD = ROOT / "deploy" / "grafana" / "dashboards" / "dvk.json"
GRAFANA_DATASOURCES = ROOT / "deploy" / "grafana" / "provisioning" / "datasources" / "prometheus.yml"
GRAFANA_DASHBOARDS = ROOT / "deploy" / "grafana" / "provisioning" / "dashboards" / "dvk.yml"
METRICS_MODULE = ROOT / "shared" / "observability" / "metrics.py"
CONFIGURATION_DOC = ROOT / "docs" / "configuration.md"
OPERATIONS_DOC = ROOT / "docs" / "operations.md"

SERVICES = tuple(SERVICE_PORTS)
EXTRA_METRICS = {"dvk_award_quota_remaining": "Gauge"}
"""Business gauge exposed by the awards service (DESIGN §8), allowed before its code lands."""

CONSUMERS = ("evaluation__model_registered", "awards__inspection_passed", "notifications__model_registered",
             "notifications__inspection_passed", "notifications__inspection_failed",
             "notifications__award_granted")


# --- helpers ---------------------------------------------------------------------------------------

def load_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def interpolate(value: str) -> str:
    """Compose-style `${VAR:-default}` / `${VAR-default}` / `${VAR}` with the defaults (no environment)."""
    return re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}", lambda m: m.group(1) or "", value)


def environment(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): interpolate(str(v)) for k, v in env.items()}


def depends_on(service: dict[str, Any]) -> dict[str, str]:
    deps = service.get("depends_on") or {}
    if isinstance(deps, list):
        return dict.fromkeys(deps, "service_started")
    return {name: (spec or {}).get("condition", "service_started") for name, spec in deps.items()}


def healthcheck_command(service: dict[str, Any]) -> str:
    test = (service.get("healthcheck") or {}).get("test")
    return " ".join(test) if isinstance(test, list) else str(test or "")


def container_ports(service: dict[str, Any]) -> set[int]:
    ports: set[int] = set()
    for entry in service.get("ports") or []:
        target = entry.get("target") if isinstance(entry, dict) else str(entry).split(":")[-1].split("/")[0]
        ports.add(int(target))
    return ports


def database_url_key(service: str) -> str:
    return f"DVK_{service.upper()}_DATABASE_URL"


def database_host(url: str) -> str:
    host = urlsplit(url).hostname
    assert host, f"no host in {url!r}"
    return host


# PromQL: just enough to find the metric names an expression selects.
_PROMQL_WORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
                 "offset", "inf", "nan"}


def metric_names(expr: str) -> set[str]:
    """Metric names selected by a PromQL expression (strings, matchers, ranges and groupings removed)."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"'(?:[^'\\]|\\.)*'", "''", e)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    e = re.sub(r"\boffset\s+\S+", " ", e)
    e = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    names = set()
    for match in re.finditer(r"(?<![\w.$])[A-Za-z_:][A-Za-z0-9_:]*", e):
        if match.group(0) in _PROMQL_WORDS or e[match.end():].lstrip().startswith("("):
            continue  # a keyword, or a function / aggregation
        names.add(match.group(0))
    return names


def defined_metrics() -> dict[str, str]:
    """Metric name -> type, from shared/observability/metrics.py and any service's own metrics."""
    pattern = re.compile(r"\b(Counter|Gauge|Histogram|Summary)\(\s*[\"']([a-zA-Z_:][a-zA-Z0-9_:]*)[\"']")
    found: dict[str, str] = {}
    for path in [METRICS_MODULE, *sorted((ROOT / "services").rglob("*.py"))]:
        for kind, name in pattern.findall(path.read_text(encoding="utf-8")):
            found[name] = kind
    return found


def exposed_series(metrics: dict[str, str]) -> set[str]:
    """The series names Prometheus sees for the metrics prometheus_client defines."""
    series: set[str] = set()
    for name, kind in metrics.items():
        if kind == "Counter":
            series.add(name if name.endswith("_total") else name + "_total")
        elif kind in ("Histogram", "Summary"):
            series.update(name + suffix for suffix in ("_bucket", "_sum", "_count"))
            if kind == "Summary":
                series.add(name)
        else:
            series.add(name)
    return series


def alert_rules() -> list[dict[str, Any]]:
    return [rule for group in load_yaml(ALERTS)["groups"] for rule in group["rules"]]


def dashboard_panels(dashboard: dict[str, Any]) -> list[dict[str, Any]]:
    panels = []
    for panel in dashboard.get("panels", []):
        panels.append(panel)
        panels.extend(panel.get("panels", []))  # collapsed rows keep theirs inside
    return panels


def dashboard_exprs(dashboard: dict[str, Any]) -> list[str]:
    return [t["expr"] for p in dashboard_panels(dashboard) for t in p.get("targets", []) if t.get("expr")]


# --- compose checks (functions, so that a test can show they catch a broken file) ------------------

def secret_text(compose: dict[str, Any], service: dict[str, Any], path: str) -> str:
    """What a container reads at `/run/secrets/<name>`: the secret must be granted and declared."""
    assert path.startswith("/run/secrets/"), f"{path} is not a compose secret"
    name = path.removeprefix("/run/secrets/")
    granted = {s if isinstance(s, str) else s.get("source") for s in service.get("secrets") or []}
    assert name in granted, f"secret {name} is read but not granted"
    top = compose.get("secrets") or {}
    assert name in top, f"secret {name} is not declared at the top level"
    return (ROOT / interpolate(top[name]["file"])).read_text().strip()


def check_databases(compose: dict[str, Any]) -> None:
    services = compose["services"]
    hosts: dict[str, str] = {}
    for name in PROCESS_PORTS:
        env = environment(services[name])
        key = database_url_key(name)
        assert key not in env, f"{name}: its database URL carries a password: read it from a secret ({key}_FILE)"
        assert f"{key}_FILE" in env, f"{name} has no {key}_FILE"
        url = secret_text(compose, services[name], env[f"{key}_FILE"])
        assert urlsplit(url).scheme in ("postgresql", "postgres"), f"{name}: {url!r} is not a PostgreSQL URL"
        host = database_host(url)
        assert host == f"{name}-db", f"{name} must use its own database service {name}-db, not {host}"
        db = services.get(host)
        assert db is not None, f"{name} points at {host}, which is not a compose service"
        assert str(db.get("image", "")).startswith("postgres:"), f"{host} is not a PostgreSQL image"
        db_env = environment(db)
        role = f"dvk_{name}"
        assert db_env.get("DVK_SERVICE_ROLE") == urlsplit(url).path.lstrip("/") == urlsplit(url).username == role, (
            f"{name}: the URL's role and database and DVK_SERVICE_ROLE of {host} must all be {role}")
        assert secret_text(compose, db, db_env["DVK_SERVICE_ROLE_PASSWORD_FILE"]) == unquote(
            urlsplit(url).password or ""), f"{name}: the URL's password is not its role's"
        assert secret_text(compose, db, db_env["POSTGRES_PASSWORD_FILE"]), f"{host}: no superuser password"
        assert "POSTGRES_PASSWORD" not in db_env, f"{host}: the superuser's password must come from a secret"
        assert any(str(v).startswith("./deploy/postgres/service-role.sh:/docker-entrypoint-initdb.d/")
                   for v in db.get("volumes") or []), f"{host} does not create the service's role"
        others = [k for k in env if "_DATABASE_URL" in k and not k.startswith(key)]
        assert not others, f"{name} is given another service's database URL: {others}"
        hosts[name] = host
    shared = {h for h in hosts.values() if list(hosts.values()).count(h) > 1}
    assert not shared, f"services share a database: {shared}"


def check_service_wiring(compose: dict[str, Any]) -> None:
    services = compose["services"]
    top_secrets = compose.get("secrets") or {}
    for name in SERVICES:
        svc = services[name]
        env = environment(svc)
        assert svc.get("command") == ["serve", name], f"{name}: command must be ['serve', '{name}']"
        assert "build" in svc, f"{name} must be built from the Dockerfile"
        granted = {s if isinstance(s, str) else s.get("source") for s in svc.get("secrets") or []}
        assert "DVK_NATS_URL" not in env, f"{name}: the NATS URL carries a password: read it from a secret"
        assert env.get("DVK_NATS_URL_FILE") == f"/run/secrets/dvk_nats_{name}", (
            f"{name}: DVK_NATS_URL_FILE must be its own secret dvk_nats_{name}")
        assert f"dvk_nats_{name}" in granted and f"dvk_nats_{name}" in top_secrets, (
            f"{name} is not granted its NATS secret")
        nats_url = (ROOT / interpolate(top_secrets[f"dvk_nats_{name}"]["file"])).read_text().strip()
        assert urlsplit(nats_url).scheme == "nats" and urlsplit(nats_url).hostname == "nats", (
            f"{name}: its NATS URL must point at the nats service, got {urlsplit(nats_url).hostname!r}")
        assert urlsplit(nats_url).username == name, f"{name} must connect to NATS as its own user"
        assert env.get(f"DVK_{name.upper()}_HOST") == "0.0.0.0", f"{name} must bind 0.0.0.0 in its container"
        assert env.get("DVK_INSTANCE"), f"{name} has no DVK_INSTANCE"
        assert {"DVK_JWT_SECRET", "DVK_JWT_SECRET_FILE"} & env.keys(), f"{name} has no JWT secret variable"
        if "DVK_JWT_SECRET_FILE" in env:
            secret_path = env["DVK_JWT_SECRET_FILE"]
            assert secret_path.startswith("/run/secrets/"), f"{name}: the JWT secret file must be a compose secret"
            secret = secret_path.removeprefix("/run/secrets/")
            assert secret in granted, f"{name} reads secret {secret} but is not granted it"
            assert secret in top_secrets, f"secret {secret} is not declared at the top level"
        deps = depends_on(svc)
        for dep in (f"{name}-db", "nats"):
            assert deps.get(dep) == "service_healthy", f"{name} must depend on {dep} with condition service_healthy"
        assert SERVICE_PORTS[name] in container_ports(svc), f"{name}: port {SERVICE_PORTS[name]} is not published"
        check = healthcheck_command(svc)
        assert f":{SERVICE_PORTS[name]}/readyz" in check, f"{name}: healthcheck must call its own /readyz"
        assert "curl" not in check, f"{name}: python:3.11-slim has no curl; use python -c with urllib"


def check_healthchecks(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name in ("nats", *PROCESS_PORTS, *(f"{s}-db" for s in PROCESS_PORTS)):
        assert name in services, f"compose has no service {name}"
        hc = services[name].get("healthcheck") or {}
        assert hc.get("test") and not hc.get("disable"), f"{name} has no healthcheck"
        test = hc["test"]
        assert not isinstance(test, list) or test[0] in ("CMD", "CMD-SHELL"), f"{name}: bad healthcheck test"


# --- tests: compose ---------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = load_yaml(COMPOSE)
    assert isinstance(data, dict) and "services" in data
    return data


def test_every_service_has_its_own_database(compose: dict[str, Any]) -> None:
    check_databases(compose)


def test_services_are_wired_to_nats_secret_and_their_database(compose: dict[str, Any]) -> None:
    check_service_wiring(compose)


def test_the_web_reaches_the_apis_and_its_database_but_not_nats(compose: dict[str, Any]) -> None:
    web = compose["services"]["web"]
    env = environment(web)
    assert web.get("command") == ["serve", "web"]
    assert not {k for k in env if k.startswith("DVK_NATS")}, "the web handles no events: it has no NATS user"
    for service, port in SERVICE_PORTS.items():
        assert env.get(f"DVK_WEB_{service.upper()}_URL") == f"http://{service}:{port}"
    assert env.get("DVK_WEB_HOST") == "0.0.0.0"
    assert PROCESS_PORTS["web"] in container_ports(web)
    assert f":{PROCESS_PORTS['web']}/readyz" in healthcheck_command(web)
    assert depends_on(web).get("web-db") == "service_healthy"


def test_everything_has_a_healthcheck(compose: dict[str, Any]) -> None:
    check_healthchecks(compose)
    for name in SERVICES:
        assert "pg_isready" in healthcheck_command(compose["services"][f"{name}-db"])


@pytest.mark.parametrize("mutation", ["shared_db", "foreign_url", "no_secret", "anonymous_nats", "started_only",
                                      "bad_port", "no_healthcheck", "wrong_db_name", "password_in_env",
                                      "no_role_script"])
def test_the_checks_catch_a_broken_compose_file(compose: dict[str, Any], mutation: str) -> None:
    broken = copy.deepcopy(compose)
    services = broken["services"]
    evaluation_env = services["evaluation"]["environment"]
    if mutation == "shared_db":
        evaluation_env["DVK_EVALUATION_DATABASE_URL_FILE"] = "/run/secrets/dvk_pg_registry_url"
        services["evaluation"]["secrets"].append("dvk_pg_registry_url")
    elif mutation == "foreign_url":
        evaluation_env["DVK_REGISTRY_DATABASE_URL_FILE"] = "/run/secrets/dvk_pg_registry_url"
    elif mutation == "password_in_env":
        evaluation_env.pop("DVK_EVALUATION_DATABASE_URL_FILE")
        evaluation_env["DVK_EVALUATION_DATABASE_URL"] = "postgresql://dvk:dvk@evaluation-db:5432/dvk_evaluation"
    elif mutation == "no_role_script":
        services["awards-db"]["volumes"] = services["awards-db"]["volumes"][:1]
    elif mutation == "anonymous_nats":
        evaluation_env.pop("DVK_NATS_URL_FILE")
        evaluation_env["DVK_NATS_URL"] = "nats://nats:4222"
    elif mutation == "no_secret":
        evaluation_env.pop("DVK_JWT_SECRET_FILE")
    elif mutation == "started_only":
        services["awards"]["depends_on"]["awards-db"]["condition"] = "service_started"
    elif mutation == "bad_port":
        services["notifications"]["ports"] = ["8105:8105"]
    elif mutation == "no_healthcheck":
        del services["awards-db"]["healthcheck"]
    elif mutation == "wrong_db_name":
        services["registry-db"]["environment"]["DVK_SERVICE_ROLE"] = "dvk_awards"
    with pytest.raises(AssertionError):
        check_databases(broken)
        check_service_wiring(broken)
        check_healthchecks(broken)


def test_databases_and_nats_keep_data_on_their_own_named_volumes(compose: dict[str, Any]) -> None:
    declared = set(compose.get("volumes") or {})

    def named_volumes(service: dict[str, Any]) -> set[str]:
        sources = {str(v).split(":")[0] if isinstance(v, str) else v.get("source", "")
                   for v in service.get("volumes") or []}
        return {s for s in sources if s and not s.startswith((".", "/", "$"))}

    seen: dict[str, str] = {}
    for name in ("nats", *(f"{s}-db" for s in SERVICES)):
        volumes = named_volumes(compose["services"][name])
        assert volumes, f"{name} keeps its data on no named volume"
        assert volumes <= declared, f"{name} uses undeclared volumes {volumes - declared}"
        for volume in volumes:
            assert volume not in seen, f"{name} and {seen[volume]} share volume {volume}"
            seen[volume] = name


def test_nats_runs_jetstream_with_a_domain_and_monitoring(compose: dict[str, Any]) -> None:
    nats = compose["services"]["nats"]
    assert str(nats["image"]).startswith("nats:2.11-alpine"), "the alpine image has wget for the healthcheck"
    assert "8222/healthz" in healthcheck_command(nats)
    mounts = [str(v) for v in nats.get("volumes") or []]
    conf_mount = next((m for m in mounts if m.startswith("./deploy/nats/nats-server.conf:")), None)
    assert conf_mount, "deploy/nats/nats-server.conf is not mounted"
    assert conf_mount.split(":")[1] in " ".join(nats["command"]), "nats is not started with the mounted config"
    conf = NATS_CONF.read_text(encoding="utf-8")
    active = "\n".join(line.split("#", 1)[0] for line in conf.splitlines())
    assert re.search(r"^jetstream\s*\{", active, re.M), "JetStream is not enabled"
    assert re.search(r"^\s*store_dir:\s*\"?/data/", active, re.M), "JetStream store is not on the /data volume"
    assert re.search(r"^\s*domain:", active, re.M), "no JetStream domain"
    assert re.search(r"^server_name:", active, re.M), "no server name"
    assert re.search(r"^http:\s*\S*8222", active, re.M), "monitoring is not on 8222"
    assert "leafnodes" not in active, "leaf nodes are documented in comments only"
    assert re.search(r"^#.*leafnodes", conf, re.M), "the leaf node comment block is missing"
    env = environment(nats)
    for variable in re.findall(r"\$([A-Z_][A-Z0-9_]*)", active):
        assert env.get(variable), f"nats-server.conf reads ${variable}, which compose does not set"


def test_the_example_nats_users_follow_the_declared_topology_and_the_server_accepts_them(tmp_path: Path) -> None:
    """The PUBLIC example directory is what compose mounts by default: its permissions must be the ones
    the services' definitions declare today (`dvk secrets deploy/secrets/example` renews
    them), and nats-server must accept the deploy configuration with them."""
    from shared.runtime.nats import nats_server_binary
    from shared.runtime.nats_auth import declared_permissions

    example = ROOT / "deploy" / "secrets" / "example"
    block = (example / "nats-auth.conf").read_text()
    users = json.loads(block[block.index("["):block.rindex("]") + 1])
    assert {u["user"]: u.get("permissions") for u in users} == {
        "dvk-admin": None, **{s: declared_permissions(s) for s in SERVICES}}
    (tmp_path / "nats-server.conf").write_text(NATS_CONF.read_text())
    (tmp_path / "auth.conf").write_text(block)
    env = {**os.environ, "NATS_SERVER_NAME": "dvk-test", "NATS_JS_DOMAIN": "test"}
    checked = subprocess.run([nats_server_binary(), "-t", "-c", str(tmp_path / "nats-server.conf")], env=env,
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_secret_file_exists_and_observability_mounts_point_at_deploy_files(compose: dict[str, Any]) -> None:
    for name, spec in (compose.get("secrets") or {}).items():
        path = ROOT / interpolate(spec["file"])
        assert path.is_file() and path.read_text().strip(), f"secret {name}: {path} is missing or empty"
    services = compose["services"]
    for name in ("prometheus", "grafana"):
        assert name in services, f"compose has no {name}"
        for volume in services[name].get("volumes") or []:
            source = str(volume).split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts {source}, which does not exist"
    prometheus_mounts = " ".join(str(v) for v in services["prometheus"]["volumes"])
    assert "./deploy/prometheus/prometheus.yml:" in prometheus_mounts
    assert "./deploy/prometheus/alerts.yml:" in prometheus_mounts


# --- tests: Prometheus ------------------------------------------------------------------------------

def test_prometheus_scrapes_every_service_at_its_port() -> None:
    config = load_yaml(PROMETHEUS)
    scraped: dict[str, str] = {}
    for job in config["scrape_configs"]:
        for static in job.get("static_configs", []):
            for target in static["targets"]:
                scraped[target] = job.get("metrics_path", "/metrics")
    for name, port in PROCESS_PORTS.items():
        target = f"{name}:{port}"
        assert target in scraped, f"Prometheus does not scrape {target}"
        assert scraped[target] == "/metrics"
    assert any(Path(f).name == "alerts.yml" for f in config.get("rule_files", [])), "alerts.yml is not loaded"


def test_every_alert_rule_is_complete_and_bilingual() -> None:
    rules = alert_rules()
    assert rules
    names = [r.get("alert") for r in rules]
    assert len(names) == len(set(names)), "duplicate alert names"
    vietnamese = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.I)
    for rule in rules:
        name = rule.get("alert")
        assert name, f"a rule has no alert name: {rule}"
        assert str(rule.get("expr", "")).strip(), f"{name} has no expr"
        assert re.fullmatch(r"\d+[smh]", str(rule.get("for", ""))), f"{name} has no for: duration"
        assert rule.get("labels", {}).get("severity") in ("critical", "warning", "info"), f"{name}: severity"
        annotations = rule.get("annotations", {})
        for key in ("summary", "description"):
            text = str(annotations.get(key, ""))
            assert " / " in text, f"{name}: {key} must be 'Vietnamese / English'"
            first, _, second = text.partition(" / ")
            assert vietnamese.search(first), f"{name}: {key} must start in Vietnamese"
            assert second.strip(), f"{name}: {key} has no English part"


def test_alerts_cover_the_platform_failure_modes() -> None:
    used = set().union(*(metric_names(str(r["expr"])) for r in alert_rules()))
    required = {"up", "dvk_outbox_pending", "dvk_outbox_publish_lag_seconds_bucket", "dvk_dead_letters_open",
                "dvk_consumer_redeliveries_total", "dvk_relay_active", "dvk_http_requests_total",
                "dvk_webhook_deliveries_pending"}
    assert required <= used, f"no alert uses {sorted(required - used)}"
    lag = next(r for r in alert_rules() if "dvk_outbox_publish_lag_seconds_bucket" in str(r["expr"]))
    assert "histogram_quantile" in str(lag["expr"])


# --- tests: metric names in alerts and dashboard ----------------------------------------------------

def test_metric_name_extraction() -> None:
    assert metric_names('sum by (service, le) (rate(dvk_x_bucket{service=~"$service"}[$__rate_interval]))') == {
        "dvk_x_bucket"}
    assert metric_names('max by (service) (label_replace(up{job="a"}, "service", "$1", "job", "(.+)")) == 1 '
                        "unless on (service) dvk_relay_active offset 5m") == {"up", "dvk_relay_active"}
    assert metric_names("a / b > 0.1 and c") == {"a", "b", "c"}


def test_every_metric_used_in_alerts_and_dashboard_exists() -> None:
    metrics = {**defined_metrics(), **EXTRA_METRICS}
    assert "dvk_commands_total" in metrics, "could not read shared/observability/metrics.py"
    allowed = exposed_series(metrics) | {"up"}
    exprs = [("alerts.yml " + r["alert"], str(r["expr"])) for r in alert_rules()]
    exprs += [("dvk.json", e) for e in dashboard_exprs(json.loads(DASHBOARD.read_text(encoding="utf-8")))]
    for where, expr in exprs:
        names = metric_names(expr)
        assert names, f"{where}: no metric in {expr!r}"
        for name in names:
            assert name == "up" or name.startswith("dvk_"), f"{where}: {name} is not a dvk_ metric"
            assert name in allowed, f"{where}: {name} is not defined (or not in a form Prometheus exposes)"


# --- tests: Grafana ---------------------------------------------------------------------------------

def test_dashboard_is_a_real_grafana_dashboard() -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    assert dashboard.get("uid") and dashboard.get("title")
    assert 36 <= int(dashboard["schemaVersion"]) <= 41
    panels = [p for p in dashboard_panels(dashboard) if p.get("type") != "row"]
    assert len(panels) >= 10
    ids = [p["id"] for p in dashboard_panels(dashboard)]
    assert len(ids) == len(set(ids)), "panel ids must be unique"
    for panel in panels:
        assert panel.get("title") and panel.get("gridPos") and panel.get("datasource"), panel.get("title")
        assert panel.get("targets") and all(t.get("expr") for t in panel["targets"]), panel["title"]
    used = set().union(*(metric_names(e) for e in dashboard_exprs(dashboard)))
    required = {"dvk_commands_total", "dvk_command_duration_seconds_bucket", "dvk_http_requests_total",
                "dvk_http_request_duration_seconds_bucket", "dvk_outbox_pending",
                "dvk_outbox_publish_lag_seconds_bucket", "dvk_consumer_processing_seconds_bucket",
                "dvk_consumer_redeliveries_total", "dvk_consumer_duplicates_total", "dvk_dead_letters_open",
                "dvk_webhook_deliveries_total", "dvk_award_quota_remaining"}
    assert required <= used, f"no panel shows {sorted(required - used)}"
    quantiles = [e for e in dashboard_exprs(dashboard) if "_bucket" in e]
    assert quantiles and all("histogram_quantile(" in e for e in quantiles)


def test_grafana_provisioning_matches_compose_and_dashboard(compose: dict[str, Any]) -> None:
    datasources = load_yaml(GRAFANA_DATASOURCES)["datasources"]
    prometheus = next(d for d in datasources if d["type"] == "prometheus")
    assert prometheus["url"] == "http://prometheus:9090"
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    variable = next(v for v in dashboard["templating"]["list"] if v["type"] == "datasource")
    assert variable["current"]["value"] == prometheus["uid"], "the dashboard's default datasource is not provisioned"
    provider = load_yaml(GRAFANA_DASHBOARDS)["providers"][0]
    mounts = {str(v).split(":")[0]: str(v).split(":")[1] for v in compose["services"]["grafana"]["volumes"]}
    assert mounts.get("./deploy/grafana/dashboards") == provider["options"]["path"]
    assert "/etc/grafana/provisioning/datasources" in mounts.values()
    assert "/etc/grafana/provisioning/dashboards" in mounts.values()


# --- tests: Dockerfile ------------------------------------------------------------------------------

def test_dockerfile_builds_the_project_and_runs_dvk_unprivileged() -> None:
    lines = [line.strip() for line in DOCKERFILE.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.strip().startswith("#")]
    text = "\n".join(lines)
    assert re.search(r"^(ARG PYTHON_IMAGE=python:3\.11-slim|FROM python:3\.11-slim)", text, re.M)
    assert re.search(r"pip install[^\n]*\s\.$", text, re.M), "the project is not installed with `pip install .`"
    users = [line.split()[1] for line in lines if line.startswith("USER ")]
    assert users and users[-1].split(":")[0] not in ("root", "0"), "the image must run as a non-root user"
    assert 'ENTRYPOINT ["dvk"]' in lines
    assert 'CMD ["serve", "registry"]' in lines
    assert not any(line.startswith("HEALTHCHECK") for line in lines), "compose defines the healthchecks"
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".venv" in ignored and ".git" in ignored


# --- tests: docs ------------------------------------------------------------------------------------

def test_configuration_doc_lists_every_key() -> None:
    doc = CONFIGURATION_DOC.read_text(encoding="utf-8")
    keys = {f"DVK_{name.upper()}" for name in PlatformSettings.model_fields}
    keys |= {f"DVK_<SERVICE>_{name.upper()}" for name in ServiceSettings.model_fields}
    literals = re.compile(r"[\"'](DVK_[A-Z0-9_]+)[\"']")
    for path in [*(ROOT / "shared").rglob("*.py"), *(ROOT / "services").rglob("*.py")]:
        keys |= {k for k in literals.findall(path.read_text(encoding="utf-8")) if not k.endswith("_")}
    assert {"DVK_DATA_DIR", "DVK_EMBEDDED_NATS_PORT", "DVK_EMBEDDED_PG_PORT"} <= keys
    missing = sorted(k for k in keys if f"`{k}`" not in doc)
    assert not missing, f"docs/configuration.md does not document {missing}"


def test_operations_doc_covers_every_alert_and_consumer() -> None:
    doc = OPERATIONS_DOC.read_text(encoding="utf-8")
    for rule in alert_rules():
        assert re.search(rf"^### {rule['alert']}$", doc, re.M), f"operations.md has no section for {rule['alert']}"
        runbook = rule.get("annotations", {}).get("runbook")
        if runbook:
            assert runbook == f"docs/operations.md#{rule['alert'].lower()}"
    for consumer in CONSUMERS:
        assert consumer in doc, f"operations.md does not name the consumer {consumer}"
    for needle in ("dvk dead-letters", "--replay", "/admin/dead-letters", "jwt-secret.example"):
        assert needle in doc, f"operations.md does not mention {needle}"


# --- tests: promtool, when installed ----------------------------------------------------------------

PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed")


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, *args], capture_output=True, text=True, timeout=60, check=False)


@needs_promtool
def test_promtool_accepts_the_rules_and_their_unit_tests_pass() -> None:
    checked = _promtool("check", "rules", str(ALERTS))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    tested = _promtool("test", "rules", str(ALERT_TESTS))
    assert tested.returncode == 0, tested.stdout + tested.stderr


@needs_promtool
def test_promtool_accepts_every_dashboard_query(tmp_path: Path) -> None:
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    rules = [{"record": f"dvk:dashboard_check:{i}",
              "expr": e.replace("$__rate_interval", "5m").replace("$service", ".*")}
             for i, e in enumerate(dashboard_exprs(dashboard))]
    path = tmp_path / "dashboard_rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}), encoding="utf-8")
    checked = _promtool("check", "rules", str(path))
    assert checked.returncode == 0, checked.stdout + checked.stderr
