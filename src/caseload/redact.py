"""Keep secrets (a sync's credentials, a database URL's passwords) out of every message, log
record and stored row, in any encoding (used by the sources and the store: hence here).

A token server that echoes the request in its error (``invalid_client: got
grant_type=client_credentials&client_secret=s3cr%2Bt``, ``Authorization: Basic
Y2xpZW50OnMzY3IrdA==``) hands the secret back URL-encoded or base64, where a plain
``text.replace(secret, "***")`` does not find it. :class:`Redactor` knows, for each secret,
every form a server is likely to echo:

- the secret itself and ``client_id:secret`` (what HTTP Basic auth encodes);
- URL-encoded by any encoder: every character of every form below may come back as itself
  or percent-encoded (its UTF-8 bytes, upper- or lower-case hex; a space also as ``+``), so
  Python's ``quote``/``quote_plus``, Java's ``URLEncoder`` (``~`` as ``%7E``, ``*`` kept) and
  an encoder that encodes every character are all found;
- JSON-escaped (``\\"``, ``\\\\``, ``\\u00e9`` or the character itself, ``\\/``);
- base64, standard and URL-safe, with and without ``=`` padding, and those URL-encoded
  (``%2B``, ``%3D``).

:meth:`Redactor.scrub` replaces each occurrence with ``***`` (longest form first).
:class:`RedactingFilter` does the same to log records.
"""

from __future__ import annotations

import base64
import json
import logging
import re
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_LENGTH = 1  # every form, however short: a short secret garbles a message, never leaks
_PERCENT = re.compile(r"%[0-9A-F]{2}")


def _any_encoding(form: str) -> str:
    """A regex matching ``form`` with any of its characters percent-encoded (either case)."""
    parts = []
    for char in form:
        encoded = "".join(
            "%" + "".join(d if d.isdigit() else f"[{d}{d.lower()}]" for d in f"{b:02X}")
            for b in char.encode("utf-8")
        )
        alternatives = [re.escape(char), encoded, *([r"\+"] if char == " " else [])]
        parts.append(f"(?:{'|'.join(alternatives)})")
    return "".join(parts)


def _url_forms(text: str) -> set[str]:
    forms = {quote(text), quote(text, safe=""), quote_plus(text), quote_plus(text, safe="")}
    forms |= {_PERCENT.sub(lambda m: m.group().lower(), f) for f in forms}
    return forms


def _json_forms(text: str) -> set[str]:
    forms = {json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}
    return forms | {f.replace("/", "\\/") for f in forms}


def _base64_forms(text: str) -> set[str]:
    raw = text.encode("utf-8")
    forms: set[str] = set()
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        b64 = encode(raw).decode("ascii")
        forms |= {b64, b64.rstrip("=")}
    for b64 in list(forms):
        forms |= _url_forms(b64)
    return forms


def secret_forms(secret: str, client_id: str | None = None) -> set[str]:
    """Every form of ``secret`` (and of ``client_id:secret``) a server may echo."""
    out: set[str] = set()
    texts = [secret]
    if client_id is not None:
        texts.append(f"{client_id}:{secret}")
    for text in texts:
        if not text:
            continue
        out.add(text)
        out |= _url_forms(text)
        out |= _json_forms(text)
        out |= _base64_forms(text)
        for form in _json_forms(text):
            out |= _url_forms(form)
    return {f for f in out if len(f) >= MIN_LENGTH}


class Redactor:
    """Masks the forms of a set of secrets (``secret_forms``) in text."""

    def __init__(self) -> None:
        self._forms: set[str] = set()
        self._pattern: re.Pattern[str] | None = None

    def add(self, secret: str | None, client_id: str | None = None) -> None:
        """Mask ``secret``'s forms (and those of ``client_id:secret`` when given)."""
        if not secret:
            return
        new = secret_forms(secret, client_id) - self._forms
        if new:
            self._forms |= new
            self._pattern = None

    def scrub(self, text: str) -> str:
        if not self._forms or not text:
            return text
        if self._pattern is None:
            ordered = sorted(self._forms, key=lambda f: (-len(f), f))
            self._pattern = re.compile("|".join(map(_any_encoding, ordered)))
        return self._pattern.sub(MASK, text)


class RedactingFilter(logging.Filter):
    """A logging filter that masks a :class:`Redactor`'s secrets in a record's message and
    traceback text (attach it to the loggers a sync writes to)."""

    def __init__(self, redactor: Redactor) -> None:
        super().__init__()
        self.redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the template only
            message = str(record.msg)
        record.msg = self.redactor.scrub(message)
        record.args = None
        if record.exc_info:
            text = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redactor.scrub(text)
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = self.redactor.scrub(record.exc_text)
        return True
