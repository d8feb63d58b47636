"""The web application's own keys (`DVK_WEB_…`): where the four APIs are and which proxies to trust.

An API's URL defaults to the port that service listens on in this environment, so `dvk up` and the
tests, which move ports with `DVK_<SERVICE>_PORT`, need no extra setting.
"""

from __future__ import annotations

import os

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.config import SERVICE_PORTS


def _default_url(service: str) -> str:
    port = os.environ.get(f"DVK_{service.upper()}_PORT") or str(SERVICE_PORTS[service])
    return f"http://127.0.0.1:{port}"


class WebSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DVK_WEB_", extra="ignore")

    registry_url: str = Field(default_factory=lambda: _default_url("registry"))
    evaluation_url: str = Field(default_factory=lambda: _default_url("evaluation"))
    awards_url: str = Field(default_factory=lambda: _default_url("awards"))
    notifications_url: str = Field(default_factory=lambda: _default_url("notifications"))
    api_timeout_seconds: float = Field(10.0, gt=0, le=120)
    trusted_proxies: list[str] = Field(
        default_factory=list, description="Addresses whose X-Forwarded-Proto is believed (the TLS proxy in "
        "front of the web); from any other client the header is ignored.")
    session_cookie: str = "dvk_session"
