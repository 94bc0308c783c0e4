"""Advisor routes: login, logout, the console page and the session API."""

from __future__ import annotations

import json
import time

from aiohttp import web

from cobrowse.accounts import LOGIN_SECONDS, LoginSession
from cobrowse.errors import JoinError
from cobrowse.i18n import t
from cobrowse.keys import AUTH, CLUSTER, STORE
from cobrowse.views import error_block, render_form_page, render_page, visited_section
from cobrowse.web_security import ADVISOR_COOKIE, client_key, form_token_ok, same_origin, set_cookie

__all__ = ["current_advisor", "routes"]

routes = web.RouteTableDef()


def current_advisor(request: web.Request) -> LoginSession | None:
    """The advisor's login session from the cookie, if any."""
    return request.app[AUTH].session(request.cookies.get(ADVISOR_COOKIE))


def _login_page(
    request: web.Request, username: str = "", error: str = "", status: int = 200
) -> web.Response:
    return render_form_page(
        request,
        "berater_login.html",
        t("title_login"),
        status=status,
        error_html=error_block("login-error", error) if error else "",
        username=username,
    )


@routes.get("/berater")
async def console(request: web.Request) -> web.Response:
    login = current_advisor(request)
    if login is None:
        return _login_page(request)
    return render_page(
        "berater_console.html",
        t("title_console"),
        role="advisor",
        scripts=("advisor.js",),
        head_html=f'<meta name="csrf-token" content="{login.csrf}">',
        username=login.name,
        csrf=login.csrf,
        visited_html=visited_section("ended_advisor"),
    )


@routes.post("/berater/anmelden")
async def login(request: web.Request) -> web.StreamResponse:
    auth = request.app[AUTH]
    form = await request.post()
    if not form_token_ok(request, str(form.get("form_token", ""))):
        return _login_page(
            request,
            error=t("stale_form_login"),
            status=403,
        )
    name = str(form.get("username", ""))[:64].strip()
    password = str(form.get("password", ""))[:1024]
    client = client_key(request)
    try:
        auth.throttle.check(client)
    except JoinError:
        return _login_page(request, name, t("login_throttled"), 429)
    if not auth.verify(name, password):
        auth.throttle.failed(client)
        return _login_page(request, name, t("login_wrong"), 401)
    token, _ = auth.login(name)
    response = web.HTTPSeeOther("/berater")
    set_cookie(response, request, ADVISOR_COOKIE, token, LOGIN_SECONDS)
    raise response


@routes.post("/berater/abmelden")
async def logout(request: web.Request) -> web.StreamResponse:
    login = current_advisor(request)
    form = await request.post()
    if login is not None and login.csrf_ok(str(form.get("csrf", ""))):
        request.app[AUTH].logout(request.cookies.get(ADVISOR_COOKIE))
    response = web.HTTPSeeOther("/berater")
    response.del_cookie(ADVISOR_COOKIE, path="/")
    raise response


def _api_advisor(request: web.Request) -> LoginSession:
    login = current_advisor(request)
    if login is None:
        raise web.HTTPUnauthorized(
            text=json.dumps({"error": t("api_login_again")}), content_type="application/json"
        )
    if not same_origin(request) or not login.csrf_ok(request.headers.get("X-CSRF-Token")):
        raise web.HTTPForbidden(
            text=json.dumps({"error": t("api_rejected")}),
            content_type="application/json",
        )
    return login


@routes.post("/api/sessions")
async def create_session(request: web.Request) -> web.Response:
    """Open a co-browsing session for the logged-in advisor and draw its code."""
    login = _api_advisor(request)
    cluster = request.app.get(CLUSTER)
    if cluster is not None:  # Redis mode: the code is unique across all nodes
        session = await cluster.create(login.name)
    else:
        session = request.app[STORE].create(login.name)
    return web.json_response(
        {"session": session.id, "code": session.code, "expires_at": session.code_expires_at}
    )


@routes.get("/api/sessions")
async def running_sessions(request: web.Request) -> web.Response:
    """The logged-in advisor's running sessions, newest first: the next login
    (another tab, after „Abmelden“ that left one open) can resume one.

    In Redis mode those of every node (the WebSocket to ``?session=`` then
    moves the session here, see cobrowse.cluster.ownership).
    """
    login = current_advisor(request)
    if login is None:
        raise web.HTTPUnauthorized(
            text=json.dumps({"error": t("api_login_again")}), content_type="application/json"
        )
    cluster = request.app.get(CLUSTER)
    if cluster is not None:
        found = [
            (m.session_id, m.code, m.code_expires_at)
            for m in await cluster.advisor_sessions(login.name)
        ]
    else:
        found = [
            (s.id, s.code, s.code_expires_at)
            for s in reversed(request.app[STORE].sessions.values())
            if s.advisor == login.name and not s.ended
        ]
    running = [{"session": sid, "code": code, "expires_at": at} for sid, code, at in found]
    return web.json_response({"sessions": running, "now": time.time()})


@routes.get("/api/sessions/{session_id}")
async def session_info(request: web.Request) -> web.Response:
    """Whether the advisor's session still runs (for reconnecting after a reload).

    Only looks: in Redis mode the session may be owned by another node (the
    WebSocket, not this request, moves it here; see cobrowse.cluster.ownership).
    """
    login = current_advisor(request)
    sid = request.match_info["session_id"]
    session = request.app[STORE].get(sid)
    found: tuple[str, str, float] | None = None
    if session is not None and session.hub.owned:
        found = (session.advisor, session.code, session.code_expires_at)
    elif (cluster := request.app.get(CLUSTER)) is not None:
        meta = await cluster.session_meta(sid)
        found = (meta.advisor, meta.code, meta.code_expires_at) if meta else None
    if login is None or found is None or found[0] != login.name:
        raise web.HTTPNotFound(
            text=json.dumps({"error": t("api_session_gone")}), content_type="application/json"
        )
    return web.json_response(
        {"session": sid, "code": found[1], "expires_at": found[2], "now": time.time()}
    )
