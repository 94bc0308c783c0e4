"""Forms and their submit buttons: where each one sends, and what is blocked.

A form submits with its own ``method``/``action`` unless the button that
submits it says otherwise (``formmethod``, ``formaction``): a „Speichern“
button with ``formmethod="post"`` inside a GET search form posts. The walk
keeps neither attribute (``formaction`` is a URL no participant may get);
it records, per submit control that overrides its form, a
:class:`~cobrowse.pipeline.page.FormInfo` under the control's node id
in ``Page.forms``, and the relay's navigation uses it when the advisor's
SUBMIT names that control as ``submitter``.

What may not be sent (a POST the host rules do not allow, a ``formaction``
that is no http(s) address) is marked on the submit controls only —
``disabled`` plus a ``title`` that says why (the control's accessible
description) — never on the whole form: ``aria-disabled`` on a ``<form>``
makes screen readers announce every field in it as unavailable, though the
advisor can still fill them in to show how.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from lxml.etree import _Element as Element

from cobrowse.pipeline.page import FormInfo
from cobrowse.pipeline.urls import PageUrls

__all__ = ["BLOCKED_FORM_TITLE", "BLOCKED_MARK", "FormScope", "submit_control"]

BLOCKED_FORM_TITLE: Final = (
    "Dieses Formular würde Daten absenden. In der gemeinsamen Ansicht ist es gesperrt."
)
# Marks a blocked form and its blocked submit controls (for people and styles).
BLOCKED_MARK: Final = "data-cobrowse-blocked"


@dataclass(frozen=True, slots=True)
class FormScope:
    """The form the walk is inside: how it submits, and whether that is blocked.

    ``action`` is None when the form's own action was dropped.
    """

    method: str
    action: str | None
    blocked: bool


def _is_submitter(tag: str, attrs: dict[str, str]) -> bool:
    kind = attrs.get("type", "").strip().lower()
    return kind in ("submit", "image") or (tag == "button" and kind in ("", "submit"))


def _block(attrs: dict[str, str]) -> None:
    attrs["disabled"] = ""
    attrs["title"] = BLOCKED_FORM_TITLE
    attrs[BLOCKED_MARK] = "post"


def submit_control(
    el: Element,
    tag: str,
    attrs: dict[str, str],
    form: FormScope,
    urls: PageUrls,
    allow_post: bool,
) -> FormInfo | None:
    """Handle one ``input``/``button`` (``attrs``: its emitted attributes) in ``form``.

    Blocked submit controls are marked in ``attrs``. Returns the control's own
    :class:`FormInfo` when it overrides the form's method or action (record it
    under the control's node id), else None.
    """
    if not _is_submitter(tag, attrs):
        return None
    formmethod, formaction = el.get("formmethod"), el.get("formaction")
    if formmethod is None and formaction is None:
        if form.blocked:
            _block(attrs)
        return None
    method = form.method
    if formmethod is not None and formmethod.strip():
        method = "post" if formmethod.strip().lower() == "post" else "get"
    action = form.action if formaction is None else urls.form_action(formaction)
    blocked = action is None or (method == "post" and not allow_post)
    if blocked:
        _block(attrs)
    return FormInfo(method, action or urls.url, not blocked)
