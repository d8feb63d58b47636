"""`/docs` and `/redoc` work on a network without internet: every asset they load is served by the
service itself, and the assets' licences are named."""

from __future__ import annotations

import re

import httpx
from fastapi import FastAPI

from shared.http.docs_pages import install_docs


def _app() -> FastAPI:
    app = FastAPI(title="Dân Vận Khéo — thử", docs_url=None, redoc_url=None)

    @app.get("/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "ok"}

    install_docs(app)
    return app


async def _get(client: httpx.AsyncClient, url: str) -> httpx.Response:
    response = await client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response


async def test_the_docs_pages_load_only_assets_of_the_service_itself() -> None:
    transport = httpx.ASGITransport(app=_app())
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        for page in ("/docs", "/redoc"):
            html = (await _get(client, page)).text
            assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", html) + re.findall(r"url: '([^']+)'", html)
            assert assets, page
            assert not [a for a in assets if a.startswith(("http:", "https:", "//"))], (page, assets)
            for asset in assets:
                body = (await _get(client, asset)).content
                assert len(body) > 1000 or asset.endswith(".json"), (asset, len(body))
            assert "fonts.googleapis" not in html
        licences = (await _get(client, "/docs-assets/LICENCES.txt")).text
        assert "Apache License 2.0" in licences and "MIT" in licences and "Permission is hereby granted" in licences
