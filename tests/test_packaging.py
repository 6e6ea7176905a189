"""Packaging: `caseload --version`, the pyproject metadata, and a user's install without the
checkout (the demo builds the sample school from the package into the user data folder).

The last test runs `pip install .` (of a copy of the checkout's sources: pip builds the wheel
and installs it) into a fresh venv in a temp dir and runs the installed `caseload` from outside
the repository with HOME and the XDG folders in the temp dir. It needs no network: the wheel is
built without build isolation from this venv's setuptools, installed with --no-deps --no-index,
and the new venv reaches this venv's dependencies through a .pth path line (never this venv's
editable caseload: the test checks which caseload it imported).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import shutil
import stat
import subprocess
import sys
import sysconfig
import tomllib
from pathlib import Path

import pytest

import caseload
from caseload import cli, samplegen
from caseload.services import demo
from tests.paths import REPO, SAMPLE_DATA


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _assert_same_as_sample_data(folder: Path) -> None:
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted(p.name for p in SAMPLE_DATA.iterdir())
    for name in names:
        assert _sha(folder / name) == _sha(SAMPLE_DATA / name), name


# --- --version ---------------------------------------------------------------------------------


def test_version_option_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        cli.main(["--version"])
    assert exit_.value.code == 0
    installed = importlib.metadata.version("caseload")
    assert capsys.readouterr().out == f"caseload {installed}\n"
    assert installed == caseload.__version__  # pyproject reads caseload.__version__


def test_version_falls_back_to_the_package_version(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> str:
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert cli.version() == caseload.__version__


def test_pyproject_license_is_an_spdx_string_and_setuptools_supports_it() -> None:
    meta = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    assert meta["project"]["license"] == "MIT"
    assert "version" in meta["project"]["dynamic"]
    assert meta["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "caseload.__version__"}
    requires = meta["build-system"]["requires"]
    assert "setuptools>=77" in requires, requires  # the first to take an SPDX `license` string


# --- the sample school built from the package ---------------------------------------------------


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, demo.SampleSchool]:
    data = tmp_path_factory.mktemp("data") / "caseload"
    return data, demo.ensure_built_school(data)


def test_built_sample_school_is_byte_identical_to_sample_data(
    built: tuple[Path, demo.SampleSchool],
) -> None:
    data, school = built
    assert school.origin == "built"
    assert school.path == data / "sample_school"
    _assert_same_as_sample_data(school.path)


def test_built_sample_school_is_owner_only(built: tuple[Path, demo.SampleSchool]) -> None:
    data, school = built
    assert _mode(data) == 0o700
    assert _mode(school.path) == 0o700
    for p in school.path.iterdir():
        assert _mode(p) == 0o600, p.name
    assert _mode(data / demo.STAMP_FILE) == 0o600
    assert not [p for p in data.iterdir() if p.name.startswith(".")]  # no staging left


def test_built_sample_school_is_reused_while_unchanged(
    built: tuple[Path, demo.SampleSchool], monkeypatch: pytest.MonkeyPatch
) -> None:
    data, _school = built

    def no_generate(*args: object, **kwargs: object) -> Path:
        raise AssertionError("rebuilt a current sample school")

    monkeypatch.setattr(samplegen, "generate", no_generate)
    steps: list[str] = []
    again = demo.ensure_built_school(data, on_step=steps.append)
    assert again.origin == "cached"
    assert steps == []


@pytest.fixture
def small_school(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data dir holding a (5-student) built school: the rebuild rules, cheaply."""
    real = samplegen.generate
    monkeypatch.setattr(samplegen, "generate", lambda out: real(out, students=5))
    data = tmp_path / "caseload"
    assert demo.ensure_built_school(data).origin == "built"
    return data


def test_an_altered_file_is_built_again(small_school: Path) -> None:
    users = small_school / "sample_school" / "users.csv"
    original = users.read_bytes()
    users.write_bytes(original.replace(b"active", b"tobedeleted", 1))
    steps: list[str] = []
    again = demo.ensure_built_school(small_school, on_step=steps.append)
    assert again.origin == "built"
    assert users.read_bytes() == original
    assert steps == [f"Generating the sample school into {again.path} (a few seconds)…"]


def test_an_extra_or_missing_file_is_built_again(small_school: Path) -> None:
    (small_school / "sample_school" / "attendance.csv").unlink()
    assert demo.ensure_built_school(small_school).origin == "built"
    (small_school / "sample_school" / "extra.csv").write_text("x\n")
    assert demo.ensure_built_school(small_school).origin == "built"
    assert not (small_school / "sample_school" / "extra.csv").exists()


def test_another_generator_version_is_built_again(
    small_school: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "generator_fingerprint", lambda: "a later generator")
    assert demo.ensure_built_school(small_school).origin == "built"
    assert demo.ensure_built_school(small_school).origin == "cached"


def test_sample_school_prefers_env_then_checkout_then_the_built_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(demo.ENV_SAMPLE_DATA, raising=False)
    school = demo.sample_school()
    assert school == demo.SampleSchool(SAMPLE_DATA, "checkout")

    monkeypatch.setenv(demo.ENV_SAMPLE_DATA, str(tmp_path / "mine"))
    with pytest.raises(FileNotFoundError, match="CASELOAD_SAMPLE_DATA"):
        demo.sample_school()
    (tmp_path / "mine").mkdir()
    assert demo.sample_school() == demo.SampleSchool(tmp_path / "mine", "env")

    monkeypatch.delenv(demo.ENV_SAMPLE_DATA)
    monkeypatch.setattr(demo, "checkout_sample_data", lambda: None)
    monkeypatch.setattr(demo, "user_data_dir", lambda: tmp_path / "data")
    monkeypatch.setattr(demo, "ensure_built_school", lambda d, on_step=None: ("built in", d))
    assert demo.sample_school() == ("built in", tmp_path / "data")


def test_a_sample_data_folder_outside_the_checkout_root_is_never_used(tmp_path: Path) -> None:
    """Only <repo>/sample_data counts: an installed copy must not pick up a `sample_data`
    folder of somebody's real data further up the tree."""
    assert demo.checkout_sample_data() == SAMPLE_DATA
    fake = tmp_path / "sample_data"
    fake.mkdir()
    (fake / "manifest.csv").write_text("propertyName,value\nsource.systemCode,district-sis\n")
    assert not demo._is_sample_school(fake)
    assert demo._is_sample_school(SAMPLE_DATA)


# --- a user's install, without the checkout -----------------------------------------------------


def _build_tools_missing() -> str | None:
    if importlib.util.find_spec("pip") is None:
        return "pip is not installed in this venv (make install puts it there)"
    try:
        found = importlib.metadata.version("setuptools")
    except importlib.metadata.PackageNotFoundError:
        return "setuptools is not installed in this venv (make install puts it there)"
    if int(found.split(".")[0]) < 77:
        return f"setuptools {found} < 77 in this venv: cannot build without network"
    return None


@pytest.mark.skipif(_build_tools_missing() is not None, reason=str(_build_tools_missing()))
def test_wheel_installed_in_a_fresh_venv_runs_version_and_demo(tmp_path: Path) -> None:
    # A copy of what the wheel is built from, so the build never writes into the checkout.
    src = tmp_path / "src-copy"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(
        REPO / "src", src / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
    )
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()
    # This venv's dependencies, as a plain path (its .pth files, the editable caseload's among
    # them, are not processed), after the new venv's own site-packages.
    (Path(purelib) / "zz_project_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    # `pip install .` (of the copy) into the new venv: one pip run builds the wheel (verbose,
    # so the build backend's warnings would show) and installs it.
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-v", "--no-deps",
         "--no-build-isolation", "--no-index", str(src)],
        capture_output=True, text=True, timeout=600,
    )
    output = install.stdout + install.stderr
    assert install.returncode == 0, output[-6000:]
    for warning in ("BuildBackendWarning", "SetuptoolsDeprecationWarning", "project.license"):
        assert warning not in output, output[-3000:]
    assert "license" not in output.lower(), output[-3000:]
    assert f"Created wheel for caseload: filename=caseload-{caseload.__version__}-" in output
    assert f"Successfully installed caseload-{caseload.__version__}" in output

    home = tmp_path / "home"
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CASELOAD_", "XDG_"))}
    env.update(
        HOME=str(home),
        XDG_DATA_HOME=str(home / ".local" / "share"),
        XDG_CONFIG_HOME=str(home / ".config"),
        XDG_CACHE_HOME=str(home / ".cache"),
        XDG_STATE_HOME=str(home / ".local" / "state"),
        PATH=f"{venv / 'bin'}{os.pathsep}/usr/bin:/bin",
        PYTHONNOUSERSITE="1",
    )
    env.pop("PYTHONPATH", None)

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            list(args), cwd=elsewhere, env=env, capture_output=True, text=True, timeout=600
        )

    where = run(str(python), "-c", "import caseload; print(caseload.__file__)")
    assert where.stdout.strip().startswith(purelib), where.stdout + where.stderr

    version = run("caseload", "--version")
    assert version.returncode == 0, version.stderr
    assert version.stdout == f"caseload {caseload.__version__}\n"

    shown = run("caseload", "demo", "--no-open")
    assert shown.returncode == 0, shown.stdout + shown.stderr
    data = home / ".local" / "share" / "caseload"
    school = data / "sample_school"
    lines = shown.stdout.splitlines()
    assert lines[0] == f"Generating the sample school into {school} (a few seconds)…"
    assert lines[1].startswith(f"Building the demo database from the sample school in {school}")
    assert lines[-1].startswith(f"Demo database ready at {data / 'demo.db'} (as of 2026-11-20)")
    _assert_same_as_sample_data(school)
    assert _mode(data) == 0o700 and _mode(school) == 0o700
    assert {_mode(p) for p in school.iterdir()} == {0o600}
    assert _mode(data / "demo.db") == 0o600
    assert not list(elsewhere.iterdir())  # nothing written to the working directory
    # (reusing the built school on the next run: test_built_sample_school_is_reused_while_unchanged)


# --- the README ---------------------------------------------------------------------------------


def test_readme_import_block_is_what_the_import_prints(sample_cli_import: tuple[Path, str]) -> None:
    """`caseload import sample_data` on a fresh database (run once per session through the CLI,
    from the repository root: conftest.py's ``sample_cli_import``) prints exactly the README's
    block, derived analytics after the load included (they print nothing)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index("$ caseload import sample_data\n") + len("$ caseload import sample_data\n")
    block = readme[start : readme.index("```", start)]
    _, out = sample_cli_import
    assert out == block
