"""`/docs` (Swagger UI) and `/redoc` served with the platform's own copies of their assets.

FastAPI's defaults load them from a CDN, so an agency's network without internet access — common in
a People's Committee — showed blank pages. The assets come from the `fastapi-offline` wheel; their
licences are named at `/docs-assets/LICENCES.txt`.
"""

from __future__ import annotations

from importlib import metadata
from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, PlainTextResponse
from starlette.staticfiles import StaticFiles

ASSETS_PATH = "/docs-assets"
_PACKAGE = "fastapi_offline"

_NOTICE = """Tài liệu API dùng các thư viện sau, đóng gói sẵn — the API documentation pages use:

- Swagger UI (swagger-ui-bundle.js, swagger-ui.css) — Copyright SmartBear Software — Apache License 2.0
  https://github.com/swagger-api/swagger-ui/blob/master/LICENSE
- ReDoc (redoc.standalone.js) — Copyright Redocly Inc. — MIT License
  https://github.com/Redocly/redoc/blob/main/LICENSE

Packaged by fastapi-offline {version}, whose licence follows:

{licence}"""


def install_docs(app: FastAPI) -> None:
    """Call on an app created with `docs_url=None, redoc_url=None`."""
    distribution = metadata.distribution(_PACKAGE)
    notice = _NOTICE.format(version=distribution.version, licence=distribution.read_text("licenses/LICENSE") or "")
    openapi_url = app.openapi_url or "/openapi.json"

    @app.get("/docs", include_in_schema=False)
    async def swagger_ui() -> HTMLResponse:
        return get_swagger_ui_html(openapi_url=openapi_url, title=f"{app.title} — API",
                                   swagger_js_url=f"{ASSETS_PATH}/swagger-ui-bundle.js",
                                   swagger_css_url=f"{ASSETS_PATH}/swagger-ui.css",
                                   swagger_favicon_url=f"{ASSETS_PATH}/favicon.png")

    @app.get("/redoc", include_in_schema=False)
    async def redoc() -> HTMLResponse:
        return get_redoc_html(openapi_url=openapi_url, title=f"{app.title} — API",
                              redoc_js_url=f"{ASSETS_PATH}/redoc.standalone.js",
                              redoc_favicon_url=f"{ASSETS_PATH}/favicon.png", with_google_fonts=False)

    @app.get(f"{ASSETS_PATH}/LICENCES.txt", include_in_schema=False)
    async def licences() -> PlainTextResponse:
        return PlainTextResponse(notice)

    app.mount(ASSETS_PATH, StaticFiles(directory=str(files(_PACKAGE) / "static")), name="docs-assets")
