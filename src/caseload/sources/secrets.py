"""Where a sync source's secrets come from: the environment, else the OS keyring.

Never the config file (``caseload.config`` refuses secret keys there), never the database,
logs or error messages.

- The client secret of ``[sources.NAME]``: ``$CASELOAD_SECRET_<NAME>`` (NAME upper-cased,
  every character that is not a letter or digit replaced by ``_``), else the keyring entry
  with service ``caseload`` and username ``NAME`` (``caseload login NAME`` stores it).
- Each extra header the source names (``headers = ["x-vendor-authorization"]``):
  ``$CASELOAD_SECRET_<NAME>_<HEADER>`` (same rule), else the keyring username
  ``NAME:header`` (header lower-cased; ``caseload login NAME --header HEADER`` stores it).

The keyring module is imported only when needed; any keyring error (no backend, a locked
collection, a broken D-Bus) counts as "absent" and the error message says so.
"""

from __future__ import annotations

import os

from caseload.config import secret_env_var

SERVICE = "caseload"


class SecretMissing(Exception):
    """No secret found. The message says where it was looked for; it never holds a secret."""


env_var = secret_env_var  # the environment variable holding source NAME's secret (or header)


def keyring_username(name: str, header: str | None = None) -> str:
    return name if header is None else f"{name}:{header.lower()}"


def _keyring_get(username: str) -> tuple[str | None, str | None]:
    """(value, problem): problem is a short hint when the keyring could not be asked."""
    try:
        import keyring

        value = keyring.get_password(SERVICE, username)
    except Exception as exc:  # any backend failure: treat as absent, say why
        return None, f"the OS keyring is unavailable ({type(exc).__name__})"
    return value, None


def _lookup(name: str, header: str | None, what: str) -> str:
    var = env_var(name, header)
    value = os.environ.get(var)
    if value:
        return value
    username = keyring_username(name, header)
    value, problem = _keyring_get(username)
    if value:
        return value
    login = f"caseload login {name}" + (f" --header {header}" if header else "")
    where = f"set ${var} or run `{login}`"
    if problem:
        raise SecretMissing(f"no {what} for source {name!r}: {where} ({problem})")
    raise SecretMissing(f"no {what} for source {name!r}: {where}")


def client_secret(name: str) -> str:
    """The OAuth client secret of source NAME (env, else keyring)."""
    return _lookup(name, None, "client secret")


def header_values(name: str, headers: list[str] | tuple[str, ...]) -> dict[str, str]:
    """The secret values of the extra headers source NAME names (env, else keyring)."""
    return {h: _lookup(name, h, f"value for header {h!r}") for h in headers}


def store_secret(name: str, secret: str, header: str | None = None) -> None:
    """Save a secret in the OS keyring (``caseload login``). Raises SecretMissing with a hint
    when no usable keyring backend exists."""
    try:
        import keyring

        keyring.set_password(SERVICE, keyring_username(name, header), secret)
    except Exception as exc:
        raise SecretMissing(
            f"cannot store the secret in the OS keyring ({type(exc).__name__}): "
            f"set ${env_var(name, header)} instead"
        ) from None
