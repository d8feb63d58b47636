"""The four services' APIs as the signed-in person sees them: one shared `httpx.AsyncClient`, bounded
timeouts, the person's own bearer token on every call (the services decide what they may see)."""

from __future__ import annotations

from typing import Any

import httpx

from services.web.settings import WebSettings


class SessionExpired(Exception):
    """An API refused the person's token: their session has ended, whatever the cookie says."""


class Apis:
    def __init__(self, settings: WebSettings) -> None:
        self.client = httpx.AsyncClient(timeout=httpx.Timeout(settings.api_timeout_seconds, connect=3.0),
                                        limits=httpx.Limits(max_connections=100))
        self.urls = {"registry": settings.registry_url.rstrip("/"),
                     "evaluation": settings.evaluation_url.rstrip("/"),
                     "awards": settings.awards_url.rstrip("/"),
                     "notifications": settings.notifications_url.rstrip("/")}

    async def close(self) -> None:
        await self.client.aclose()

    async def sign_in(self, login: str, password: str) -> httpx.Response:
        return await self.client.post(f"{self.urls['registry']}/auth/token",
                                      json={"login": login, "password": password})

    async def get(self, service: str, path: str, token: str, **params: Any) -> Any:
        response = await self.client.get(f"{self.urls[service]}{path}", headers={"Authorization": f"Bearer {token}"},
                                         params={k: v for k, v in params.items() if v not in (None, "")})
        if response.status_code == 401:
            raise SessionExpired
        response.raise_for_status()
        return response.json()

    async def post(self, service: str, path: str, token: str, body: Any = None) -> httpx.Response:
        response = await self.client.post(f"{self.urls[service]}{path}", json=body,
                                          headers={"Authorization": f"Bearer {token}"})
        if response.status_code == 401:
            raise SessionExpired
        return response
