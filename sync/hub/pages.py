"""Rendering the platform's pages for residents: Jinja2 templates in ``templates/``.

Templates hold no words: every text is a msgid declared in Python (where the
message extractor finds it), translated here into the page's language and
handed to the template, which escapes everything it prints.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from kiosk.i18n import LANGUAGES, N_, translate

#: texts of the frame every page shares
FRAME = {"nav": N_("Site"), "centres": N_("Sharing centres"), "mine": N_("My page")}

_env = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                   autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)


def page_language(request: Request) -> str:
    """``?lang=`` if it names a language of the kiosk, else the browser's, else Korean."""
    lang = request.query_params.get("lang") or request.headers.get("accept-language", "ko")[:2]
    return lang if lang in LANGUAGES else "ko"


FORM_MAX = 4096  # bytes of a posted form that are read: the forms are a few short fields


async def read_form(request: Request) -> dict[str, str]:
    """A posted form's fields (first value of each), reading at most FORM_MAX bytes."""
    raw = (await request.body())[:FORM_MAX].decode("utf-8", "replace")
    return {k: v[0] for k, v in parse_qs(raw).items() if v}


def render(name: str, lang: str, title: str, status: int = 200, *, texts: dict[str, str] | None = None,
           message: str = "", error: bool = False, **context: Any) -> HTMLResponse:
    """Template ``name`` in ``lang``: ``title`` is already translated, ``texts`` are
    msgids by the names the template uses (translated here)."""
    txt = {key: translate(msgid, lang) for key, msgid in {**FRAME, **(texts or {})}.items()}
    txt.update(context.pop("txt", {}))
    html = _env.get_template(name).render(lang=lang, title=title, txt=txt, message=message, error=error,
                                          languages=list(LANGUAGES.items()), **context)
    return HTMLResponse(html, status_code=status)
