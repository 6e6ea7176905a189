"""A database URL's password never reaches a message, however the URL holds it.

``shown_url`` hid only the password of ``USER:PASSWORD@HOST``: libpq's ``password`` and
``sslpassword`` options in the query string (``...?password=...``, which SQLAlchemy hands to
psycopg as they are) were printed as typed, and a password with an unencoded ``@``
(``bob:pa@ss@host``, which SQLAlchemy reads as password ``pa``, host ``ss@host``) showed its
part after the ``@`` both in the URL and in psycopg's "failed to resolve host" reason.
"""

from __future__ import annotations

import socket
from urllib.parse import quote

import pytest

from caseload.cli import main
from caseload.store.engine import shown_url

SECRET = "Qz9vSecretWord"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _refused(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    assert main(argv) == 1
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return out + err


@pytest.mark.parametrize("url", [
    f"postgresql+psycopg://bob@127.0.0.1:{{port}}/caseload?password={SECRET}",
    f"postgresql+psycopg://bob@127.0.0.1:{{port}}/caseload?password={quote(SECRET + '&/')}",
    f"postgresql+psycopg:///caseload?host=127.0.0.1&port={{port}}&user=bob&password={SECRET}",
    f"postgresql+psycopg://bob@127.0.0.1:{{port}}/caseload?sslmode=prefer&sslpassword={SECRET}",
    f"postgresql+psycopg://bob:{SECRET[:4]}@{SECRET[4:]}@127.0.0.1:{{port}}/caseload",
])
def test_no_part_of_the_password_is_shown_when_the_server_cannot_be_reached(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    shown = _refused(["--db", url.format(port=_free_port()), "flags"], capsys)
    assert "cannot connect to the database" in shown, shown
    for part in (SECRET, SECRET[:4], SECRET[4:], quote(SECRET + "&/", safe="")):
        assert part not in shown, shown


@pytest.mark.parametrize("url, expected", [
    (f"postgresql+psycopg://bob@h/db?password={SECRET}", "postgresql+psycopg://bob@h/db?password=***"),
    (f"postgresql+psycopg://bob@h/db?sslpassword={SECRET}&sslmode=require",
     "postgresql+psycopg://bob@h/db?sslmode=require&sslpassword=***"),
    (f"postgresql+psycopg://bob:{SECRET}@h/db", "postgresql+psycopg://bob:***@h/db"),
    # cannot be read (a port that is not a number): masked all the same
    (f"postgresql://bob@h:port/db?password={SECRET}", None),
    (f"postgresql://bob:{SECRET}@h:port/db", "postgresql://bob:***@h:port/db"),
])
def test_shown_url_masks_every_password(url: str, expected: str | None) -> None:
    shown = shown_url(url)
    assert SECRET not in shown, shown
    if expected is not None:
        assert shown == expected


def test_a_url_without_a_password_is_shown_as_it_is() -> None:
    url = "postgresql+psycopg://bob@db.example:5432/caseload?sslmode=require"
    assert shown_url(url) == url
