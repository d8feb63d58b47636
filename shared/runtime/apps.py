"""Where each service's application factory lives.

Named as strings for uvicorn to import in the service's own process: the platform starts services
but never imports them (import-linter forbids `shared` → `services`).
"""

from shared.config import PROCESS_PORTS

SERVICE_APPS: dict[str, str] = {name: f"services.{name}.service:create_app" for name in PROCESS_PORTS}
