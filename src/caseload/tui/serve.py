"""``caseload serve``: the same app in a browser, through textual-serve.

Every browser connection runs ``python -m caseload open`` in a subprocess (textual-serve's
model), with this process's environment, so ``CASELOAD_DB`` / ``CASELOAD_CONFIG`` (or the
``--db`` / ``--config`` given to ``serve``) and the config's ``me`` apply as in a terminal.

``caseload serve`` opens the cache and loads the config first (``services.context.
check_workspace``): one that cannot be opened is refused there, before this module listens.

Access: a random token is printed with the URL (``?token=…``) once the port is bound (never for
a server that could not start). Every request (the page, its assets, downloads and the
websocket) must carry it, in the query string or in the ``caseload_token`` cookie the page sets
on the first visit (the browser sends it with the assets and the websocket, which
textual-serve's script opens without a query string of ours). Without it: 401; with a wrong
one: 403; no student data either way. The server binds to 127.0.0.1 unless told otherwise,
keeps no access log (the token is in request lines), and the page loads nothing from outside:
the stock template's Google Fonts link is replaced by the Roboto Mono files textual-serve
ships; a Content-Security-Policy allows only this origin, and for the websocket only the
address the page names (``ws://HOST:PORT``, or ``wss://`` and the ``--public-url``'s host).

Behind a reverse proxy on a path prefix (``https://district.example/caseload/``), pass
``--public-url`` with the prefix; the proxy strips the prefix before forwarding (see
docs/DEPLOY.md or README).
"""

from __future__ import annotations

import hmac
import secrets
import shlex
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

if TYPE_CHECKING:
    from aiohttp import web
    from textual_serve.server import Server

TOKEN_COOKIE = "caseload_token"  # noqa: S105 (the cookie's name, not a secret)
TEMPLATES = Path(__file__).parent / "web"
LOOPBACK = ("127.0.0.1", "::1", "localhost")

# the page's scripts and styles are textual-serve's (inline ones in its template too); fonts,
# images: this origin only; the websocket: the one address the page opens (``{websocket}``)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "font-src 'self'; img-src 'self' data:; connect-src 'self'{websocket}; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def websocket_origin(public_url: str) -> str | None:
    """The origin of the websocket the page opens: textual-serve names it from the public URL
    (``ws://127.0.0.1:8000/ws``; ``wss://`` for an https one, on the proxy's host and port).
    None for an IPv6 literal, which a Content-Security-Policy cannot name (``'self'`` covers
    the page's own origin's websocket in browsers that follow CSP 3)."""
    parts = urlsplit(public_url)
    if parts.hostname is None or ":" in parts.hostname:
        return None
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc.rsplit('@', 1)[-1]}"


def content_security_policy(public_url: str) -> str:
    """The policy for a server whose page is at ``public_url``: everything from this origin
    only, and the websocket to its own address, never to any host (``ws: wss:``)."""
    origin = websocket_origin(public_url)
    return CONTENT_SECURITY_POLICY.format(websocket=f" {origin}" if origin else "")


@dataclass(frozen=True)
class ServeOptions:
    host: str = "127.0.0.1"
    port: int = 8000
    public_url: str | None = None  # the address browsers use, with any proxy path prefix
    as_of: str | None = None  # passed to `caseload open --as-of`
    counselor: str | None = None  # passed to `caseload open --counselor` (default: `me`)


def new_token() -> str:
    return secrets.token_urlsafe(32)


def app_command(options: ServeOptions) -> str:
    """The shell command textual-serve runs per browser connection."""
    argv = [sys.executable, "-m", "caseload", "open"]
    if options.counselor:
        argv += ["--counselor", options.counselor]
    if options.as_of:
        argv += ["--as-of", options.as_of]
    return shlex.join(argv)


def normal_public_url(url: str) -> str:
    """``--public-url`` as textual-serve and the Content-Security-Policy must both read it: an
    http or https address with a host, its scheme and host in lower case. textual-serve opens
    ``wss://`` only for a URL that starts with ``https`` (case-sensitive) while the policy's
    origin comes from the parsed scheme: ``HTTPS://…`` made the page open ``ws://`` where the
    policy allows only ``wss://``, and the app never started. ValueError, saying what is
    expected, for anything else."""
    expected = (f"{url!r} is not an http:// or https:// address with a host (for example "
                "https://district.example/caseload)")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a port that is no number raises here)
    except ValueError:
        raise ValueError(expected) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(expected)
    user, at, host = parts.netloc.rpartition("@")
    return urlunsplit((scheme, user + at + host.lower(), parts.path, parts.query,
                       parts.fragment))


def base_url(options: ServeOptions) -> str:
    if options.public_url:
        return normal_public_url(options.public_url).rstrip("/")
    host = f"[{options.host}]" if ":" in options.host else options.host
    return f"http://{host}:{options.port}"


def cookie_path(public_url: str) -> str:
    path = urlsplit(public_url).path.rstrip("/")
    return f"{path}/" if path else "/"


def token_middleware(
    token: str, path: str, policy: str
) -> Callable[..., Awaitable[web.StreamResponse]]:
    """aiohttp middleware: 401 without the token, 403 with a wrong one; sets the cookie;
    every response not yet sent gets ``policy`` (``content_security_policy``) and the other
    hardening headers."""
    from aiohttp import web

    expected = token.encode()

    @web.middleware
    async def require_token(
        request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
    ) -> web.StreamResponse:
        in_query = request.query.get("token")
        given = in_query if in_query is not None else request.cookies.get(TOKEN_COOKIE)
        if not given:
            return _refusal(401, "This address needs the token that `caseload serve` printed.",
                            policy)
        if not hmac.compare_digest(given.encode(), expected):
            return _refusal(403, "That token is not this server's.", policy)
        response = await handler(request)
        if in_query is not None and not response.prepared:
            response.set_cookie(
                TOKEN_COOKIE, token, path=path, httponly=True, samesite="Strict",
                secure=request.secure,
            )
        if not response.prepared:
            _harden(response, policy)
        return response

    return require_token


def _harden(response: web.StreamResponse, policy: str) -> None:
    response.headers["Content-Security-Policy"] = policy
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"


def _refusal(status: int, text: str, policy: str) -> web.Response:
    from aiohttp import web

    response = web.Response(status=status, text=text + "\n", content_type="text/plain")
    _harden(response, policy)
    return response


def make_server(options: ServeOptions, token: str) -> Server:
    """A textual-serve ``Server`` with the token check, local fonts and no access log."""
    from textual_serve.server import Server

    class CaseloadServer(Server):
        async def _make_app(self) -> web.Application:
            app: web.Application = await super()._make_app()
            app.middlewares.append(token_middleware(token, cookie_path(self.public_url),
                                                    content_security_policy(self.public_url)))
            return app

        async def on_startup(self, app: web.Application) -> None:
            """textual-serve prints a banner with the command; we print the URL elsewhere."""

        def initialize_logging(self) -> None:
            """No logging setup: textual-serve's would log request lines with the token."""

    return CaseloadServer(
        app_command(options),
        host=options.host,
        port=options.port,
        title="caseload",
        public_url=base_url(options),
        templates_path=TEMPLATES,
    )


async def build_app(options: ServeOptions, token: str) -> web.Application:
    """The aiohttp application (tests drive it with aiohttp's test client)."""
    server = make_server(options, token)
    app: web.Application = await server._make_app()
    return app


def serve(options: ServeOptions, *, token: str | None = None,
          announce: Callable[[str], None] = print) -> None:
    """Run until interrupted; ``announce`` gets the URL with the token and any warning, once
    the port is bound: when it cannot be (the port is taken, the address is not this
    machine's) the OSError is raised and nothing was announced, so no token is shown for a
    server that never ran."""
    from aiohttp import web

    token = token or new_token()
    server = make_server(options, token)

    def bound(*_aiohttp_banner: object) -> None:
        """aiohttp's ``print``, called once every site listens (its banner is not shown)."""
        if options.host not in LOOPBACK:
            announce(
                f"warning: listening on {options.host}, not only this computer; anyone who "
                "can reach it still needs the token. Prefer 127.0.0.1 behind the district's "
                "proxy."
            )
        announce(f"caseload is served at {base_url(options)}/?token={token}")
        announce("Open that address in a browser on this computer. Press Ctrl+C to stop.")

    web.run_app(
        server._make_app(), host=options.host, port=options.port, access_log=None,
        print=bound, handle_signals=True,
    )
