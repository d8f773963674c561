"""Who may use a served app: a random token in the URL, then a cookie; everyone else gets 403.

127.0.0.1 is reachable by every account on a shared machine, and the app reads the user's runs
and files, so (like Jupyter) the first request must carry `?token=...`. That request sets a
cookie scoped to this server so the page's own asset and websocket requests pass too.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

from aiohttp import web

TOKEN_PARAM = "token"
LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
FORBIDDEN_TEXT = (
    "403 Forbidden: open the address `workbench serve` printed; it carries this server's token.\n"
)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def new_token() -> str:
    """A fresh random access token (URL-safe, 192 bits)."""
    return secrets.token_urlsafe(24)


def cookie_name(port: int) -> str:
    """The cookie for the server on `port` (browsers share cookies across ports of one host)."""
    return f"workbench-serve-{port}"


def _matches(given: str | None, token: str) -> bool:
    return given is not None and secrets.compare_digest(given.encode(), token.encode())


def _same_origin(request: web.Request) -> bool:
    """A browser's websocket carries Origin: it must be the page this server served."""
    origin = request.headers.get("Origin")
    return origin is None or urlsplit(origin).netloc.lower() == request.host.lower()


def token_guard(token: str, port: int, *, loopback_only: bool) -> Callable:
    """aiohttp middleware: pass requests with the token (query or cookie), else 403.

    With `loopback_only`, a request naming any other host (DNS rebinding) is refused as well.
    """
    name = cookie_name(port)

    @web.middleware
    async def guard(request: web.Request, handler: Handler) -> web.StreamResponse:
        if loopback_only and (request.url.host or "").strip("[]") not in LOOPBACK_NAMES:
            return web.Response(status=403, text=FORBIDDEN_TEXT)
        by_query = _matches(request.query.get(TOKEN_PARAM), token)
        if not (by_query or _matches(request.cookies.get(name), token)):
            return web.Response(status=403, text=FORBIDDEN_TEXT)
        if not _same_origin(request):
            return web.Response(status=403, text=FORBIDDEN_TEXT)
        response = await handler(request)
        if by_query and not response.prepared:
            response.set_cookie(name, token, path="/", httponly=True, samesite="Strict")
        return response

    return guard
