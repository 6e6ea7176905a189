"""The config file: who I am, rule thresholds, and named sync sources.

Found at ``--config PATH``, else ``$CASELOAD_CONFIG``, else ``config.toml`` in the user config
dir. Missing is fine (defaults). Secrets never live here: see docs/CONFIG.md.
"""

from __future__ import annotations

import contextlib
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ENV_CONFIG = "CASELOAD_CONFIG"
SECRET_ENV_PREFIX = "CASELOAD_SECRET_"  # noqa: S105 (a variable name, not a secret)


class ConfigError(Exception):
    pass


@dataclass
class Config:
    path: Path | None = None
    me: str | None = None
    thresholds: dict[str, Any] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    theme: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)


def secret_env_var(name: str, header: str | None = None) -> str:
    """The environment variable holding the secret (or an extra header's value) of
    ``[sources.NAME]``: NAME (and HEADER) upper-cased, every other character than a letter or
    digit made ``_`` (``my-sis`` -> ``CASELOAD_SECRET_MY_SIS``). Here, below every layer, so
    the config's refusal of a secret and ``sources.secrets`` name the same variable."""
    var = SECRET_ENV_PREFIX + re.sub(r"[^A-Za-z0-9]", "_", name).upper()
    if header is not None:
        var += "_" + re.sub(r"[^A-Za-z0-9]", "_", header).upper()
    return var


def default_config_path() -> Path:
    import platformdirs

    return Path(platformdirs.user_config_dir("caseload", appauthor=False)) / "config.toml"


def config_path(cli_value: str | None = None) -> Path:
    """``--config``, else ``$CASELOAD_CONFIG``, else the default. An empty ``--config ""``
    (a script's unset variable) is refused, not taken as "the default": a file named must
    exist."""
    if cli_value is not None and not cli_value.strip():
        raise ConfigError("--config names no file (an empty value)")
    value = cli_value or os.environ.get(ENV_CONFIG)
    return Path(value).expanduser() if value else default_config_path()


# Keys that hold a secret, however spelt (case, "_" and "-" ignored: clientSecret, api-key):
# refused in the file, which is not a place for secrets (docs/CONFIG.md)
_SECRET_KEYS = frozenset({"clientsecret", "secret", "password", "passwd", "token",
                          "accesstoken", "apikey", "apisecret", "privatekey"})


def load_config(cli_value: str | None = None) -> Config:
    path = config_path(cli_value)
    if not path.exists():
        if cli_value or os.environ.get(ENV_CONFIG):
            raise ConfigError(f"{path}: config file not found")
        return Config()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    known = {"me", "thresholds", "sources", "theme", "keymap"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{path}: unknown setting(s) {', '.join(unknown)}")
    me = data.get("me")
    if me is not None and not isinstance(me, str):
        raise ConfigError(f"{path}: 'me' must be a counselor's sourcedId (a string)")
    for section in ("thresholds", "sources", "keymap"):
        if not isinstance(data.get(section, {}), dict):
            raise ConfigError(f"{path}: [{section}] must be a table")
    sources = data.get("sources", {})
    for name, src in sources.items():
        if not isinstance(src, dict):
            raise ConfigError(f"{path}: [sources.{name}] must be a table")
        for secret_key in src:
            if re.sub(r"[^a-z0-9]", "", str(secret_key).casefold()) in _SECRET_KEYS:
                raise ConfigError(
                    f"{path}: [sources.{name}] must not hold '{secret_key}': use "
                    f"{secret_env_var(name)} or `caseload login {name}`"
                )
    _check_secret_names(path, sources)
    _check_thresholds(path, data.get("thresholds", {}))
    return Config(
        path=path,
        me=me,
        thresholds=dict(data.get("thresholds", {})),
        sources={k: dict(v) for k, v in sources.items()},
        theme=data.get("theme"),
        keymap=_keymap(path, data.get("keymap", {})),
    )


def _check_secret_names(path: Path, sources: dict[str, Any]) -> None:
    """Every source's secret and extra headers need an environment variable of their own:
    ``[sources.district]``'s header ``x-key`` and a ``[sources.district-x-key]``'s secret would
    both read ``CASELOAD_SECRET_DISTRICT_X_KEY``, sending one server's secret to the other."""
    seen: dict[str, str] = {}
    for name, src in sources.items():
        headers = src.get("headers", [])
        headers = [headers] if isinstance(headers, str) else headers
        uses = [(secret_env_var(name), f"[sources.{name}]'s secret")] + [
            (secret_env_var(name, h), f"[sources.{name}]'s header {h!r}")
            for h in (headers if isinstance(headers, list) else []) if isinstance(h, str)
        ]
        for var, what in uses:
            if var in seen and seen[var] != what:
                raise ConfigError(
                    f"{path}: {seen[var]} and {what} would both be read from ${var}: rename "
                    "one of them (a secret is never sent to another source's server)"
                )
            seen[var] = what


def _check_thresholds(path: Path, table: dict[str, Any]) -> None:
    """``[thresholds]`` as the rules read it (``Thresholds.from_mapping``): an unknown name, a
    value of the wrong type or out of range is a ConfigError naming the file and the key."""
    from caseload.domain.settings import Thresholds

    try:
        Thresholds.from_mapping(table)
    except ValueError as exc:
        raise ConfigError(f"{path}: [thresholds] {exc}") from None


def _keymap(path: Path, table: dict[str, Any], prefix: str = "") -> dict[str, str]:
    """``[keymap]`` as binding id -> keys; an unquoted ``caseload.filter = "g"`` is a nested
    table in TOML, flattened back to the id ``caseload.filter``."""
    out: dict[str, str] = {}
    for key, value in table.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_keymap(path, value, f"{name}."))
        elif isinstance(value, str) and value.strip():
            out[name] = value.strip()
        else:
            raise ConfigError(f"{path}: [keymap] {name} must be a key or keys, e.g. \"ctrl+f\"")
    return out



def save_me(path: Path, counselor_id: str) -> Path:
    """Set ``me = "counselor_id"`` in the config file at ``path`` (created, with its folder,
    when missing) and return the path. Every other setting, comment and the layout are kept
    (tomlkit edits the document in place). The file is written whole to a temporary file
    beside it, mode 0600, then renamed over the old one: a crash leaves the old file or the
    new, never half of one. ConfigError when the existing file is not valid TOML."""
    import tempfile

    import tomlkit
    from tomlkit.exceptions import TOMLKitError

    counselor_id = str(counselor_id).strip()
    if not counselor_id:
        raise ConfigError("me: empty counselor id")
    path = Path(path).expanduser()
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    try:
        doc = tomlkit.parse(text)
    except TOMLKitError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    if "me" in doc:
        doc["me"] = counselor_id
    else:
        # a top-level key must come before the first table: put it at the top
        fresh = tomlkit.document()
        fresh.add("me", counselor_id)
        doc = tomlkit.parse(tomlkit.dumps(fresh) + tomlkit.dumps(doc))
    from caseload._private import private_dir

    # 0700 whatever the umask; caseload's own config folder tightened, one the user named not
    private_dir(path.parent, tighten=path == default_config_path())
    fd, tmp = tempfile.mkstemp(prefix=".config-", suffix=".toml", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:  # mkstemp: 0600 already
            out.write(tomlkit.dumps(doc))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return path
