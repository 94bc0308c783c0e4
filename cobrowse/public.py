"""Citizen-facing routes: landing page with the code form, the session view,
and the plain pages of the footer (Hilfe, Leichte Sprache, Erklärung zur
Barrierefreiheit, Impressum, Datenschutz)."""

from __future__ import annotations

import html
import secrets

from aiohttp import web

from cobrowse.codes import normalize_code
from cobrowse.errors import JoinError
from cobrowse.i18n import t
from cobrowse.keys import CLUSTER, JOIN_THROTTLE, METRICS, STORE
from cobrowse.session.model import CoSession, Participant
from cobrowse.views import (
    SITE,
    error_block,
    hotline_html,
    render,
    render_form_page,
    render_page,
    visited_section,
)
from cobrowse.web_security import PARTICIPANT_COOKIE, client_key, form_token_ok, set_cookie

__all__ = ["routes"]

routes = web.RouteTableDef()

_JOIN_STATUS = {"malformed": 400, "unknown": 404, "expired": 410, "throttled": 429, "full": 409}


async def _own_session(request: web.Request) -> tuple[CoSession, Participant] | None:
    """The session this browser is in (its participant cookie still valid), if any."""
    token = request.cookies.get(PARTICIPANT_COOKIE)
    if not token:
        return None
    cluster = request.app.get(CLUSTER)
    if cluster is not None:
        await cluster.adopt(token)
    found = request.app[STORE].by_token(token)
    return None if found is None or found[0].ended else found


def _landing(
    request: web.Request,
    code: str = "",
    error: str = "",
    status: int = 200,
    *,
    back: bool = False,
) -> web.Response:
    return render_form_page(
        request,
        "landing.html",
        t("title_home"),
        status=status,
        back_html=render("landing_back.html") if back else "",
        error_html=error_block("code-error", error) if error else "",
        code=code,
        describedby="code-hint code-error" if error else "code-hint",
        invalid="true" if error else "false",
    )


@routes.get("/")
async def landing(request: web.Request) -> web.Response:
    return _landing(request, back=await _own_session(request) is not None)


@routes.post("/")
async def join(request: web.Request) -> web.StreamResponse:
    """Check the access code; on success set the participant cookie and open the view."""
    form = await request.post()
    if not form_token_ok(request, str(form.get("form_token", ""))):
        return _landing(request, error=t("stale_form_join"), status=403)
    typed = str(form.get("code", ""))[:40]
    own = await _own_session(request)
    if own is not None and _same_code(typed, own[0].code):
        # the same browser again (tab closed and reopened): the same participant,
        # already confirmed or still waiting, never a stranger with new words
        raise web.HTTPSeeOther("/sitzung")
    throttle = request.app[JOIN_THROTTLE]
    client = client_key(request)
    cluster = request.app.get(CLUSTER)
    try:
        throttle.check(client)  # Redis mode: this node's limits, and the cluster's too
        code = normalize_code(typed)
        try:
            if cluster is not None:  # codes shared by all nodes
                token = await cluster.join(code, client)
            else:
                _, _, token = request.app[STORE].join(code)
        except JoinError as exc:
            if exc.kind in ("unknown", "expired"):
                throttle.failed(client)
            raise
    except JoinError as exc:
        request.app[METRICS].join_failed(exc.kind)
        return _landing(request, typed, t(exc.message_key), _JOIN_STATUS[exc.kind])
    response = web.HTTPSeeOther("/sitzung")
    set_cookie(
        response, request, PARTICIPANT_COOKIE, token, request.app[STORE].config.session_max_seconds
    )
    raise response


def _same_code(typed: str, code: str) -> bool:
    try:
        return bool(code) and secrets.compare_digest(normalize_code(typed), code)
    except JoinError:
        return False


@routes.get("/sitzung")
async def citizen_view(request: web.Request) -> web.StreamResponse:
    cluster = request.app.get(CLUSTER)
    if cluster is not None:
        await cluster.adopt(request.cookies.get(PARTICIPANT_COOKIE))
    found = request.app[STORE].by_token(request.cookies.get(PARTICIPANT_COOKIE))
    if found is None:
        return _landing(
            request,
            error=t("not_in_session"),
            status=403,
        )
    hotline = hotline_html(SITE.get())
    call = f"<p>{html.escape(t('ended_call'))} {hotline}</p>" if hotline else ""
    return render_page(
        "sitzung.html",
        t("title_session"),
        role="citizen",
        scripts=("citizen.js",),
        ended_call_html=call or f"<p>{html.escape(t('ended_no_call'))}</p>",
        visited_html=visited_section("ended_citizen"),
    )


@routes.get("/spiegel")
async def mirror_frame(request: web.Request) -> web.Response:
    """The blank standards-mode document the mirror iframe starts from. Its
    waiting text speaks to whoever sees it: the console asks for ``?fuer=berater``."""
    advisor = request.query.get("fuer") == "berater"
    text = t("mirror_waiting_advisor" if advisor else "mirror_waiting")
    page = render("spiegel.html", mirror_text=text)
    return web.Response(text=page, content_type="text/html", charset="utf-8")


@routes.get("/link")
async def link_page(request: web.Request) -> web.Response:
    return render_page("link.html", t("title_link"))


@routes.get("/hilfe")
async def help_page(request: web.Request) -> web.Response:
    return render_page("hilfe.html", t("title_help"))


@routes.get("/leichte-sprache")
async def easy_language(request: web.Request) -> web.Response:
    """What this is and how to use it, in Leichte Sprache (BITV 2.0 §4)."""
    return render_page("leichte_sprache.html", t("title_easy"))


@routes.get("/barrierefreiheit")
async def accessibility_statement(request: web.Request) -> web.Response:
    """Erklärung zur Barrierefreiheit with the feedback contact (BGG §12b)."""
    return render_page("barrierefreiheit.html", t("title_accessibility"))


@routes.get("/impressum")
async def imprint(request: web.Request) -> web.Response:
    return render_page("impressum.html", t("title_imprint"))


@routes.get("/datenschutz")
async def privacy(request: web.Request) -> web.Response:
    return render_page("datenschutz.html", t("title_privacy"))


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})
