"""The language an API answer's built-in texts are written in (a budget's reasons, a
transcript's labels, a codebook's headings): the browser's ``Accept-Language`` among the
languages the municipality offers, else its default language, as for problem documents
(``events.texts.choose_language``). A client that knows the person's own language (``GET
/api/v1/me``) sends it as ``Accept-Language``."""

from __future__ import annotations

from typing import Any

from litestar import Request

from events.texts import choose_language
from tenants.directory import TenantEntry


def answer_language(request: Request[Any, Any, Any], tenant: TenantEntry) -> str:
    """The language to write ``tenant``'s answer to ``request`` in."""
    return choose_language(
        None, request.headers.get("accept-language"), tenant.languages, tenant.default_language
    )
