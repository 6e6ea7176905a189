"""`caseload serve`'s HTTP surface: the token on every request, local assets only, no logs."""

from __future__ import annotations

import re
import socket
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer

from caseload.cli import build_parser, main
from caseload.tui.serve import (
    TOKEN_COOKIE,
    ServeOptions,
    app_command,
    base_url,
    build_app,
    cookie_path,
    serve,
)

TOKEN = "t0ken-for-tests_0123456789abcdef"


async def client_for(options: ServeOptions | None = None) -> TestClient:  # type: ignore[type-arg]
    app = await build_app(options or ServeOptions(port=8000), TOKEN)
    client: TestClient = TestClient(TestServer(app))  # type: ignore[type-arg]
    await client.start_server()
    return client


PATHS = ["/", "/static/js/textual.js", "/static/css/xterm.css",
         "/static/fonts/RobotoMono-VariableFont_wght.ttf", "/ws", "/download/anything"]


@pytest.mark.parametrize("path", PATHS)
async def test_every_path_needs_the_token(path: str) -> None:
    client = await client_for()
    try:
        missing = await client.get(path)
        assert missing.status == 401
        wrong = await client.get(path, params={"token": "not-it"})
        assert wrong.status == 403
        wrong_cookie = await client.get(path, cookies={TOKEN_COOKIE: "not-it"})
        assert wrong_cookie.status == 403
        for refused in (missing, wrong, wrong_cookie):
            body = await refused.text()
            assert "token" in body and "<html" not in body.lower()
            assert refused.headers["Cache-Control"] == "no-store"
    finally:
        await client.close()


async def test_the_token_opens_the_page_and_sets_a_strict_cookie_for_the_assets() -> None:
    client = await client_for()
    try:
        page = await client.get("/", params={"token": TOKEN})
        assert page.status == 200
        cookie = page.headers["Set-Cookie"]
        assert f"{TOKEN_COOKIE}={TOKEN}" in cookie
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        # the browser sends the cookie with the page's assets and its websocket
        asset = await client.get("/static/js/textual.js", cookies={TOKEN_COOKIE: TOKEN})
        assert asset.status == 200
        # (the websocket with the cookie starts the app: driven end to end in
        # test_serve_browser.py, against a test cache)
    finally:
        await client.close()


async def test_the_page_loads_nothing_from_outside_this_server() -> None:
    client = await client_for(ServeOptions(port=8000))
    try:
        page = await client.get("/", params={"token": TOKEN})
        html = await page.text()
        urls = set(re.findall(r"""(?:https?|wss?)://[^"' )]+""", html))
        assert urls, "the page names its assets by absolute URL"
        assert all(u.startswith(("http://127.0.0.1:8000/", "ws://127.0.0.1:8000/")) for u in urls)
        assert "googleapis" not in html and "@font-face" in html
        csp = page.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "font-src 'self'" in csp
        assert page.headers["Referrer-Policy"] == "no-referrer"
        # the fonts the page names are served here
        font = await client.get("/static/fonts/RobotoMono-VariableFont_wght.ttf",
                                cookies={TOKEN_COOKIE: TOKEN})
        assert font.status == 200 and len(await font.read()) > 10_000
    finally:
        await client.close()


async def test_behind_a_proxy_prefix_the_page_names_prefixed_urls_and_scopes_the_cookie() -> None:
    options = ServeOptions(port=8000, public_url="https://district.example/caseload/")
    client = await client_for(options)
    try:
        page = await client.get("/", params={"token": TOKEN})
        html = await page.text()
        assert 'src="https://district.example/caseload/static/js/textual.js"' in html
        assert 'data-session-websocket-url="wss://district.example/caseload/ws"' in html
        assert "Path=/caseload/" in page.headers["Set-Cookie"]
    finally:
        await client.close()


OTHER_DIRECTIVES = (
    "default-src 'self'", "script-src 'self' 'unsafe-inline'", "style-src 'self' 'unsafe-inline'",
    "font-src 'self'", "img-src 'self' data:", "frame-ancestors 'none'", "base-uri 'none'",
    "form-action 'none'",
)


def directives(policy: str) -> dict[str, str]:
    return {part.strip().split(" ", 1)[0]: part.strip() for part in policy.split(";")}


@pytest.mark.parametrize(("options", "connect"), [
    (ServeOptions(port=8000), "connect-src 'self' ws://127.0.0.1:8000"),
    (ServeOptions(host="0.0.0.0", port=9001), "connect-src 'self' ws://0.0.0.0:9001"),
    (ServeOptions(port=8000, public_url="https://district.example/caseload/"),
     "connect-src 'self' wss://district.example"),
    (ServeOptions(port=8000, public_url="https://district.example:8443/caseload"),
     "connect-src 'self' wss://district.example:8443"),
    (ServeOptions(port=8000, public_url="http://caseload.lan"),
     "connect-src 'self' ws://caseload.lan"),
    # textual-serve picks wss only for a URL starting "https" (case-sensitive): an upper-case
    # scheme gave the page ws:// and the policy wss:// (review s21 F6). Both read it lowered.
    (ServeOptions(port=8000, public_url="HTTPS://District.Example/caseload"),
     "connect-src 'self' wss://district.example"),
])
async def test_the_websocket_may_reach_only_the_address_the_page_names(
    options: ServeOptions, connect: str,
) -> None:
    """The CSP named bare ``ws: wss:``, which let the page's websocket go to any host (audit
    s21b D7): it names the one origin the page's websocket URL has, on the page, its assets
    and the refusals alike; every other directive as before."""
    client = await client_for(options)
    try:
        page = await client.get("/", params={"token": TOKEN})
        asset = await client.get("/static/js/textual.js", cookies={TOKEN_COOKIE: TOKEN})
        refused = await client.get("/")
        html = await page.text()
        url = re.search(r'data-session-websocket-url="([^"]+)"', html)
        assert url, "the page names no websocket"
        for response in (page, asset, refused):
            policy = directives(response.headers["Content-Security-Policy"])
            assert policy["connect-src"] == connect
            assert sorted(v for k, v in policy.items() if k != "connect-src") == sorted(
                OTHER_DIRECTIVES)
            assert response.headers["Referrer-Policy"] == "no-referrer"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Cache-Control"] == "no-store"
        origin = connect.split()[-1]
        assert url.group(1).startswith(f"{origin}/"), (url.group(1), origin)
    finally:
        await client.close()


async def test_an_ipv6_address_leaves_the_websocket_to_self() -> None:
    """A CSP source cannot name an IPv6 literal: the page's own origin ('self') only."""
    client = await client_for(ServeOptions(host="::1", port=8000))
    try:
        refused = await client.get("/")
        policy = directives(refused.headers["Content-Security-Policy"])
        assert policy["connect-src"] == "connect-src 'self'"
    finally:
        await client.close()


def test_urls_and_the_app_command() -> None:
    assert base_url(ServeOptions()) == "http://127.0.0.1:8000"
    assert base_url(ServeOptions(host="::1", port=9)) == "http://[::1]:9"
    assert cookie_path("https://d.example") == "/"
    assert cookie_path("https://d.example/a/b/") == "/a/b/"
    command = app_command(ServeOptions(counselor="cns 1", as_of="2026-11-20"))
    assert command.endswith("-m caseload open --counselor 'cns 1' --as-of 2026-11-20")


def test_serve_defaults_to_loopback_port_8000() -> None:
    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.public_url) == ("127.0.0.1", 8000, None)
    args = build_parser().parse_args(["serve", "--host", "0.0.0.0", "--port", "9000"])
    assert (args.host, args.port) == ("0.0.0.0", 9000)


@pytest.mark.parametrize("port", ["70000", "65536", "0", "-1", "80x"])
def test_a_port_outside_1_to_65535_is_a_usage_error(
    port: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """--port 70000 ended in "unexpected OverflowError" (exit 1) when the server bound it."""
    with pytest.raises(SystemExit) as ended:
        main(["serve", "--port", port])
    assert ended.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"argument --port: {port!r} is not a port (a whole number, 1 to 65535)" in captured.err
    assert "unexpected" not in captured.err and "token" not in captured.err


def test_public_url_scheme_and_host_are_read_in_lower_case() -> None:
    args = build_parser().parse_args(
        ["serve", "--public-url", "HTTPS://District.Example:8443/Caseload/"])
    assert args.public_url == "https://district.example:8443/Caseload/"
    assert base_url(ServeOptions(public_url=args.public_url)) == (
        "https://district.example:8443/Caseload")
    assert base_url(ServeOptions(public_url="Http://Caseload.LAN")) == "http://caseload.lan"


@pytest.mark.parametrize("url", ["ftp://district.example/caseload", "district.example/caseload",
                                 "https:///caseload", "https://district.example:port/"])
def test_a_public_url_not_http_or_https_with_a_host_is_a_usage_error(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as ended:  # (the parser alone: nothing ever listens)
        build_parser().parse_args(["serve", "--public-url", url])
    assert ended.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert (f"argument --public-url: {url!r} is not an http:// or https:// address with a "
            "host (for example https://district.example/caseload)") in captured.err
    assert "unexpected" not in captured.err and "token" not in captured.err


def test_the_first_and_last_ports_are_accepted() -> None:
    assert build_parser().parse_args(["serve", "--port", "1"]).port == 1
    assert build_parser().parse_args(["serve", "--port", "65535"]).port == 65535


def _taken_port() -> tuple[socket.socket, int]:
    """A port something else already listens on (the caller closes the socket)."""
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    return taken, int(taken.getsockname()[1])


def test_a_port_in_use_is_a_plain_error_and_no_token_is_shown(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The URL and its token used to be printed before the port was bound: a user saw a
    token for a server that never ran."""
    monkeypatch.setenv("CASELOAD_DB", "")  # (serve sets it for the tabs: undone after)
    taken, port = _taken_port()
    try:
        announced: list[str] = []
        with pytest.raises(OSError):
            serve(ServeOptions(port=port), token=TOKEN, announce=announced.append)
        assert announced == []
        capsys.readouterr()
        assert main(["--db", str(tmp_path / "c.db"), "serve", "--port", str(port)]) == 1
    finally:
        taken.close()
    captured = capsys.readouterr()
    assert captured.out == "", captured.out
    assert captured.err.startswith(f"caseload: error: cannot serve on 127.0.0.1:{port}: ")
    assert "address already in use" in captured.err
    assert "token" not in captured.err and "Traceback" not in captured.err
    assert captured.err.count("\n") == 1, captured.err


@pytest.mark.parametrize("where", ["missing-folder", "a-folder"])
def test_a_cache_that_cannot_be_opened_is_refused_before_listening(
    where: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """serve started and printed its token with a --db in a folder that does not exist: each
    browser tab then showed a database error. The cache is opened first, as every command
    does: one line, exit 1, nothing created, and the server never starts."""
    started: list[ServeOptions] = []

    def fake_serve(options: ServeOptions, **_kwargs: object) -> None:
        started.append(options)  # (without the check: it would listen, and print a token)
        print(f"caseload is served at http://127.0.0.1:{options.port}/?token={TOKEN}")

    monkeypatch.setattr("caseload.tui.serve.serve", fake_serve)
    monkeypatch.setenv("CASELOAD_DB", "")  # (serve sets it for the tabs: undone after)
    db = tmp_path / "missing" / "x.db" if where == "missing-folder" else tmp_path
    assert main(["--db", str(db), "serve", "--port", "8123"]) == 1
    captured = capsys.readouterr()
    assert started == []
    assert captured.out == "", captured.out
    assert captured.err.startswith("caseload: error: "), captured.err
    assert captured.err.count("\n") == 1, captured.err
    assert "token" not in captured.err and "Traceback" not in captured.err
    if where == "missing-folder":
        assert f"the folder {str(tmp_path / 'missing')!r}" in captured.err
        assert not (tmp_path / "missing").exists()
    else:
        assert "is a folder, not a file" in captured.err


@pytest.mark.parametrize("theme", ['"textual-drak"', "5"])
def test_a_bad_theme_is_refused_before_listening_as_open_refuses_it(
    theme: str, tmp_path: Path, new_cache: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """serve checked the cache but not the config's theme: it listened, printed its token,
    and every browser tab (a `caseload open`) showed the theme error. It is refused first,
    with `open`'s line and exit status, and the server never starts."""
    started: list[ServeOptions] = []

    def fake_serve(options: ServeOptions, **_kwargs: object) -> None:
        started.append(options)  # (without the check: it would listen, and print a token)
        print(f"caseload is served at http://127.0.0.1:{options.port}/?token={TOKEN}")

    monkeypatch.setattr("caseload.tui.serve.serve", fake_serve)
    monkeypatch.setenv("CASELOAD_DB", "")  # (serve sets them for the tabs: undone after)
    monkeypatch.setenv("CASELOAD_CONFIG", "")
    cfg = tmp_path / "c.toml"
    cfg.write_text(f"theme = {theme}\n", encoding="utf-8")
    common = ["--db", str(new_cache), "--config", str(cfg)]
    opened = main([*common, "open"])
    said_by_open = capsys.readouterr()
    assert main([*common, "serve", "--port", "8123"]) == opened == 1
    captured = capsys.readouterr()
    assert started == []
    assert captured.out == "", captured.out
    assert captured.err == said_by_open.err, (captured.err, said_by_open.err)
    assert captured.err.startswith(f"caseload: error: {cfg}: theme "), captured.err
    assert "not a Textual theme" in captured.err and captured.err.count("\n") == 1
    assert "token" not in captured.err and "Traceback" not in captured.err


def test_a_cache_that_opens_is_served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    started: list[ServeOptions] = []
    monkeypatch.setattr("caseload.tui.serve.serve",
                        lambda options, **_kwargs: started.append(options))
    monkeypatch.setenv("CASELOAD_DB", "")  # (serve sets it for the tabs: undone after)
    db = tmp_path / "c.db"
    assert main(["--db", str(db), "serve", "--port", "8123"]) == 0
    assert [o.port for o in started] == [8123]
    assert db.exists()  # opened (and migrated) as `caseload open` would
    assert capsys.readouterr().err == ""


class _Stop(Exception):
    pass


def test_the_address_is_announced_once_the_port_listens() -> None:
    taken, port = _taken_port()
    taken.close()  # (free again: serve binds it)
    announced: list[str] = []

    def announce(line: str) -> None:
        announced.append(line)
        if "?token=" in line:  # the port is bound already: a browser could connect now
            with socket.create_connection(("127.0.0.1", port), timeout=5):
                pass
            raise _Stop

    with pytest.raises(_Stop):
        serve(ServeOptions(port=port), token=TOKEN, announce=announce)
    assert announced == [f"caseload is served at http://127.0.0.1:{port}/?token={TOKEN}"]
