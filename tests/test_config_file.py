"""The config file's errors name the file and the setting (docs/CONFIG.md: "Unknown settings
are an error that names them"), for ``[thresholds]`` too, and never end as an "unexpected"
error whose details are left out."""

from __future__ import annotations

from pathlib import Path

import pytest

from caseload.cli import main


def _run(tmp_path: Path, cache: Path, toml: str, *argv: str) -> str:
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml, encoding="utf-8")
    assert main(["--db", str(cache), "--config", str(cfg), *argv]) == 1
    return str(cfg)


@pytest.mark.parametrize(
    ("toml", "said"),
    [
        ("[thresholds]\nfailing_grad = 65\n", "[thresholds] unknown threshold failing_grad"),
        ('[thresholds]\nfailing_grade = "x"\n',
         "[thresholds] threshold failing_grade must be a number, not 'x'"),
        ("[thresholds]\nfailing_weeks = 0\n", "[thresholds] threshold failing_weeks must be at least 1"),
    ],
)
def test_a_bad_threshold_is_named(tmp_path, new_cache, capsys, toml, said):
    path = _run(tmp_path, new_cache, toml, "flags")
    err = capsys.readouterr().err
    assert f"caseload: error: {path}: {said}" in err
    assert "unexpected" not in err and "Traceback" not in err


def test_good_thresholds_are_taken(tmp_path, new_cache, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[thresholds]\nfailing_grade = 65\nmissing_counts_as_zero = false\n",
                   encoding="utf-8")
    assert main(["--db", str(new_cache), "--config", str(cfg), "flags"]) == 0, (
        capsys.readouterr().err
    )


def test_a_secret_in_the_config_names_the_variable_the_sync_reads(tmp_path, new_cache, capsys):
    """A source named ``my-sis`` reads its secret from CASELOAD_SECRET_MY_SIS
    (sources.secrets.env_var): the refusal names that variable, not CASELOAD_SECRET_MY-SIS."""
    _run(tmp_path, new_cache, '[sources.my-sis]\nkind = "oneroster"\nsecret = "x"\n', "sync")
    err = capsys.readouterr().err
    assert "use CASELOAD_SECRET_MY_SIS or `caseload login my-sis`" in err


def test_an_empty_config_option_is_refused_not_the_default(new_cache, capsys):
    """``--config "$CFG"`` with CFG unset must not quietly read the user's default file."""
    assert main(["--db", str(new_cache), "--config", "", "flags"]) == 1
    err = capsys.readouterr().err
    assert "--config names no file" in err and "Traceback" not in err


@pytest.mark.parametrize("second", ["district-x-key", "district_x_key"])
def test_two_sources_reading_one_secret_variable_are_refused(tmp_path, new_cache, capsys,
                                                             second):
    """[sources.district]'s header x-key and [sources.district-x-key]'s secret would both be
    read from CASELOAD_SECRET_DISTRICT_X_KEY: one server's secret sent to the other."""
    toml = ('[sources.district]\nkind = "oneroster"\nbase_url = "https://a.example/ims"\n'
            'token_url = "https://a.example/token"\nclient_id = "a"\nheaders = ["x-key"]\n\n'
            f'[sources.{second}]\nkind = "oneroster"\nbase_url = "https://b.example/ims"\n'
            'token_url = "https://b.example/token"\nclient_id = "b"\n')
    _run(tmp_path, new_cache, toml, "flags")
    err = capsys.readouterr().err
    assert "CASELOAD_SECRET_DISTRICT_X_KEY" in err and "header 'x-key'" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("theme", ['"textual-drak"', "5"])
def test_an_unknown_theme_is_named_before_the_app_starts(tmp_path, new_cache, capsys, theme):
    cfg = _run(tmp_path, new_cache, f"theme = {theme}\n", "open")
    err = capsys.readouterr().err
    assert f"{cfg}: theme" in err and "not a Textual theme" in err and "textual-dark" in err
    assert "Traceback" not in err and "unexpected" not in err


@pytest.mark.parametrize("key", ["clientSecret", "token", "api_key", "Client-Secret"])
def test_a_secret_however_spelt_is_refused_in_the_file(tmp_path, new_cache, capsys, key):
    """Secrets never go in the config file: a secret-looking key under [sources.NAME] is
    refused when the file is read (by any command), not first by a sync."""
    toml = f'[sources.sis]\nkind = "oneroster"\n"{key}" = "hunter2"\n'
    _run(tmp_path, new_cache, toml, "flags")
    err = capsys.readouterr().err
    assert f"must not hold '{key}'" in err and "CASELOAD_SECRET_SIS" in err
    assert "hunter2" not in err
