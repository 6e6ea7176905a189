"""A token server that echoes the request never makes the client secret leak (issue 11 §5).

The server answers 401 with the request's body, its Authorization header and a JSON dump of
its form in the error description: the secret comes back URL-encoded (``quote_plus``), as
base64 of ``client_id:secret`` and JSON-escaped. None of its forms may reach stdout,
stderr, a log record or the database; the 401 itself is still reported.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import sqlite3
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from caseload.cli import main
from caseload.redact import Redactor, secret_forms

CLIENT_ID = "caseload-echo"
# characters that every encoding changes: + / space & = " \ and non-ASCII
SECRET = 'Sx+/9 q&a=b"c\\dé-ü' + "Zk4wQ"


def forms(secret: str = SECRET, client_id: str = CLIENT_ID) -> set[str]:
    """The encodings a server may echo, computed here independently of caseload's code."""
    out = set()
    for text in (secret, f"{client_id}:{secret}"):
        out |= {text, quote(text), quote(text, safe=""), quote_plus(text),
                json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}
        raw = text.encode()
        for b64 in (base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()):
            out |= {b64, b64.rstrip("="), quote_plus(b64)}
    return out


def _echo(request: Request) -> Response:
    body = request.get_data(as_text=True)
    description = (
        f"invalid client; request body was {body}; "
        f"authorization was {request.headers.get('Authorization')}; "
        f"form was {json.dumps(request.form.to_dict())}"
    )
    return Response(json.dumps({"error": "invalid_client", "error_description": description}),
                    401, content_type="application/json")


@pytest.fixture
def echo_server():
    srv = HTTPServer(host="127.0.0.1", port=0)
    srv.expect_request(re.compile(".*")).respond_with_handler(_echo)
    srv.start()
    yield srv
    srv.clear()
    srv.stop()


@pytest.mark.parametrize("token_auth", ["basic", "body"])
def test_no_form_of_the_secret_reaches_output_logs_or_the_database(
    echo_server, tmp_path, monkeypatch, capsys, caplog, token_auth, new_cache):
    root = f"http://127.0.0.1:{echo_server.port}"
    lines = [
        "[sources.district]", 'kind = "oneroster"', f'base_url = "{root}/api"',
        f'token_url = "{root}/oauth/token"', f'client_id = "{CLIENT_ID}"',
    ]
    if token_auth == "body":
        lines.append('token_auth = "body"')
    (tmp_path / "c.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("CASELOAD_SECRET_DISTRICT", SECRET)
    db = new_cache
    caplog.set_level(logging.DEBUG)
    assert main(["--db", str(db), "--config", str(tmp_path / "c.toml"), "sync"]) == 1
    out, err = capsys.readouterr()
    # the 401 is still reported, and the echo did happen (the secret was in the answer)
    assert "credentials rejected by the token endpoint" in err and "HTTP 401" in err
    logs = caplog.text + "\n".join(str(r.msg) for r in caplog.records)
    con = sqlite3.connect(db)
    rows = [
        repr(row)
        for (table,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        for row in con.execute(f'SELECT * FROM "{table}"')
    ]
    con.close()
    stored = "\n".join(rows)
    assert "credentials rejected" in stored  # the failed run is recorded...
    raw_db = Path(db).read_bytes()
    for form in forms():
        for where, text in (("stdout", out), ("stderr", err), ("logs", logs), ("db", stored)):
            assert form not in text, f"{form!r} leaked to {where}"
        assert form.encode() not in raw_db, f"{form!r} in the database file"
    assert "request body was" in err and "***" in err  # the echo was there, masked


def test_the_redactor_masks_every_form():
    r = Redactor()
    r.add(SECRET, CLIENT_ID)
    for form in forms():
        assert r.scrub(f"<{form}>") == "<***>"
    assert forms() <= secret_forms(SECRET, CLIENT_ID)
    assert r.scrub("nothing secret here") == "nothing secret here"


def test_any_url_encoder_and_any_length() -> None:
    """Java's URLEncoder encodes ``~`` (%7E) and keeps ``*``; some encoders use lower-case hex
    or encode every character. A secret of 1-3 characters is masked too (it was not: forms
    shorter than 4 were dropped)."""
    r = Redactor()
    r.add("Kx~9vQ2mZ~pL*", "id")
    for echoed in ("client_secret=Kx%7E9vQ2mZ%7EpL*", "client_secret=Kx%7e9vQ2mZ%7epL%2A",
                   "client_secret=%4B%78%7E9vQ2mZ~pL*"):
        assert r.scrub(echoed) == "client_secret=***", echoed
    short = Redactor()
    short.add("abc")
    assert short.scrub("client_secret=abc&x=1") == "client_secret=***&x=1"
    spaced = Redactor()
    spaced.add("p w d!")
    assert spaced.scrub("s=p+w%20d%21") == "s=***"
