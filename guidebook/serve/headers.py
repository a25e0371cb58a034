"""The hardening headers of every answer of the editor and the preview.

Both servers serve only their own pages, scripts, styles and fonts: a Content-Security-Policy of
`default-src 'self'` lets nothing else load or run (inline styles are allowed: the documents' own
templates and the handout preview use them; inline scripts are not), no other site may frame a page,
a browser never guesses a type, no address (with a token in it) is sent to another site as a referrer,
and no answer is cached (the pages change with every edit).
"""

from __future__ import annotations

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "font-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def for_answer(content_type: str) -> dict[str, str]:
    """The headers of one answer. A PDF gets all but the CSP: Chromium's PDF viewer is a plugin that a
    policy of `object-src 'none'` would block, and a PDF runs no page script to restrict."""
    if content_type.split(";")[0].strip() == "application/pdf":
        return {k: v for k, v in HEADERS.items() if k != "Content-Security-Policy"}
    return dict(HEADERS)
