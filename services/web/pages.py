"""The pages: sign-in and sign-out, the language switch, the home page, models and the inbox.

Every page works as plain links and forms; htmx (when JavaScript runs) only swaps parts in place.
Every POST carries the session's CSRF token, as a form field or htmx's `X-CSRF-Token` header.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.web.api_client import Apis
from services.web.i18n import LANGUAGES, choose_language
from services.web.menu import menu_for
from services.web.sessions import Session, SessionStore
from services.web.settings import WebSettings

router = APIRouter()
LANGUAGE_COOKIE = "dvk_lang"


class SignInRequired(Exception):
    def __init__(self, expired: bool) -> None:
        self.expired = expired


class CsrfRefused(Exception):
    pass


def _settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.settings
    return settings


def _store(request: Request) -> SessionStore:
    store: SessionStore = request.app.state.sessions
    return store


def _apis(request: Request) -> Apis:
    apis: Apis = request.app.state.apis
    return apis


def _is_https(request: Request) -> bool:
    client = request.client.host if request.client else ""
    if client in _settings(request).trusted_proxies:
        return request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower() == "https"
    return request.url.scheme == "https"


def _language(request: Request, session: Session | None = None) -> str:
    chosen = session.language if session and session.language else request.cookies.get(LANGUAGE_COOKIE)
    return choose_language(chosen, request.headers.get("accept-language"))


async def current_session(request: Request) -> Session:
    session_id = request.cookies.get(_settings(request).session_cookie)
    session = await _store(request).get(session_id)
    if session is None:
        raise SignInRequired(expired=False)
    if session.expired:
        raise SignInRequired(expired=True)
    return session


SignedIn = Annotated[Session, Depends(current_session)]


def check_csrf(session: Session, request: Request, submitted: str | None) -> None:
    if not session.csrf_valid(submitted or request.headers.get("x-csrf-token")):
        raise CsrfRefused


def render(request: Request, name: str, session: Session | None, status: int = 200, **context: Any) -> HTMLResponse:
    language = _language(request, session)
    template = request.app.state.environments[language].get_template(name)
    context.update(request=request, session=session, user=session.user if session else None,
                   menu=menu_for(session.roles) if session else [], path=request.url.path,
                   csrf_token=session.csrf_secret if session else "",
                   other_languages=[lang for lang in LANGUAGES if lang != language])
    return HTMLResponse(template.render(**context), status_code=status)


async def _unread(request: Request, session: Session) -> int | None:
    page = await _apis(request).get("notifications", "/inbox", session.token, unread="true", limit=1)
    total: int = page["total"]
    return total


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request, expired: bool = False) -> HTMLResponse:
    return render(request, "sign_in.html", None, expired=expired, login="", error=None)


@router.post("/sign-in", response_model=None)
async def sign_in(request: Request, login: Annotated[str, Form(max_length=200)] = "",
                  password: Annotated[str, Form(max_length=500)] = "") -> Response:
    answer = await _apis(request).sign_in(login.strip(), password)
    if answer.status_code == 200:
        body = answer.json()
        language = request.cookies.get(LANGUAGE_COOKIE)
        session_id = await _store(request).create(body["access_token"], body["user"], float(body["expires_in"]),
                                                  language if language in LANGUAGES else None)
        response = RedirectResponse("/", status_code=303)
        response.set_cookie(_settings(request).session_cookie, session_id, httponly=True, samesite="lax",
                            secure=_is_https(request), path="/")
        return response
    if answer.status_code == 429:
        retry = answer.headers.get("retry-after", "")
        error = {"kind": "locked", "seconds": int(retry) if retry.isdigit() else None}
        status = 429
    elif answer.status_code in (401, 422):
        error = {"kind": "wrong"}
        status = 401 if answer.status_code == 401 else 422
    else:
        error = {"kind": "unavailable"}
        status = 502
    return render(request, "sign_in.html", None, status=status, expired=False, login=login, error=error)


@router.post("/sign-out")
async def sign_out(request: Request, session: SignedIn,
                   csrf_token: Annotated[str | None, Form()] = None) -> RedirectResponse:
    check_csrf(session, request, csrf_token)
    session_id = request.cookies.get(_settings(request).session_cookie)
    if session_id:
        await _store(request).delete(session_id)
    response = RedirectResponse("/sign-in", status_code=303)
    response.delete_cookie(_settings(request).session_cookie, path="/")
    return response


@router.get("/language/{language}")
async def switch_language(request: Request, language: str, back: str = "/") -> RedirectResponse:
    """A plain link (it changes nothing but the page's language), so it works without JavaScript."""
    if language not in LANGUAGES:
        language = "vi"
    target = back if back.startswith("/") and not back.startswith("//") else "/"
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(LANGUAGE_COOKIE, language, samesite="lax", secure=_is_https(request), path="/",
                        max_age=365 * 24 * 3600)
    session_id = request.cookies.get(_settings(request).session_cookie)
    if session_id:
        await _store(request).set_language(session_id, language)
    return response


@router.get("/", response_class=HTMLResponse)
async def home(request: Request, session: SignedIn) -> HTMLResponse:
    apis = _apis(request)
    models = await apis.get("registry", "/models", session.token, limit=10)
    inbox = await apis.get("notifications", "/inbox", session.token, unread="true", limit=5)
    return render(request, "home.html", session, models=models, inbox=inbox, unread=inbox["total"])


@router.get("/models", response_class=HTMLResponse)
async def models(request: Request, session: SignedIn,
                 year: Annotated[int | None, Query(ge=1945, le=2100)] = None,
                 offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> HTMLResponse:
    page = await _apis(request).get("registry", "/models", session.token, year=year, limit=20, offset=offset)
    return render(request, "models.html", session, page=page, year=year, unread=await _unread(request, session))


@router.get("/inbox", response_class=HTMLResponse)
async def inbox(request: Request, session: SignedIn,
                offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> HTMLResponse:
    page = await _apis(request).get("notifications", "/inbox", session.token, limit=20, offset=offset)
    return render(request, "inbox.html", session, page=page, unread=await _unread(request, session))


@router.post("/inbox/{notification_id}/read")
async def mark_read(request: Request, notification_id: str, session: SignedIn,
                    csrf_token: Annotated[str | None, Form()] = None) -> RedirectResponse:
    check_csrf(session, request, csrf_token)
    await _apis(request).post("notifications", f"/inbox/{quote(notification_id, safe='')}/read", session.token)
    return RedirectResponse("/inbox", status_code=303)
