"""Settings: typed and validated; options over environment over the TOML file; bad values are one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from extractor.cli import app
from extractor.errors import ConfigError
from extractor.settings import resolve_settings

from .conftest import GOLDEN_FEED, SECRET

runner = CliRunner()


def test_precedence_options_over_environment_over_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "extract.toml").write_text('model = "from-file"\nconcurrency = 2\nmax_tokens = 99\ntimeout = 5\n')
    monkeypatch.setenv("OPENAI_BASE_URL", "http://env.test/v1")
    monkeypatch.setenv("EXTRACT_CONCURRENCY", "7")
    monkeypatch.setenv("EXTRACT_TIMEOUT", "9")
    settings, notice = resolve_settings({"timeout": 11.0, "model": None})
    assert notice is None
    assert settings.model == "from-file"  # only the file sets it
    assert settings.base_url == "http://env.test/v1"  # the environment
    assert settings.concurrency == 7  # environment over file
    assert settings.max_tokens == 99  # file over default
    assert settings.timeout == 11.0  # option over environment and file


def test_numbers_given_as_strings_are_coerced(tmp_path: Path):
    (tmp_path / "extract.toml").write_text('concurrency = "4"\n')
    settings, _ = resolve_settings({})
    assert settings.concurrency == 4


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ('concurrency = "four"\n', "setting concurrency"),
        ("concurrency = 0\n", "setting concurrency"),
        ('structured_output = "xml"\n', "setting structured_output"),
        ("colour = 1\n", "unknown setting(s) colour"),
        ("concurrency = \n", "not valid TOML"),
    ],
)
def test_bad_config_is_a_one_line_error_with_exit_2(tmp_path: Path, toml: str, message: str):
    (tmp_path / "extract.toml").write_text(toml)
    with pytest.raises(ConfigError, match="extract.toml"):
        resolve_settings({})
    result = runner.invoke(app, ["run", str(GOLDEN_FEED), "-q"])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.output
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "incidents.jsonl").exists()


def test_bad_environment_value_names_the_setting(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("EXTRACT_MAX_TOKENS", "lots")
    result = runner.invoke(app, ["run", str(GOLDEN_FEED), "-q"])
    assert result.exit_code == 2
    assert "setting max_tokens" in result.stderr and "'lots'" in result.stderr


def test_a_bad_key_is_never_shown(tmp_path: Path):
    (tmp_path / "extract.toml").write_text(f'api_key = ["{SECRET}"]\n')
    result = runner.invoke(app, ["run", str(GOLDEN_FEED), "-q"])
    assert result.exit_code == 2
    assert "setting api_key" in result.stderr and SECRET not in result.output


def test_repr_hides_the_key(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    settings, _ = resolve_settings({})
    assert settings.model == "gpt-4o-mini"
    assert SECRET not in repr(settings) and SECRET not in str(settings.model_dump(exclude={"api_key"}))


def test_the_run_settings_keep_the_database_and_prefilter_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """`db` and `prefilter` live in RunSettings, apart from the endpoint's LLMSettings, under the same config keys
    and environment variables as before."""
    from extractor.settings import LLMSettings, RunSettings

    assert "db" not in LLMSettings.model_fields and "prefilter" not in LLMSettings.model_fields
    config = tmp_path / "x.toml"
    config.write_text('model = "baseline"\ndb = "from-file.db"\n')
    monkeypatch.setenv("EXTRACT_PREFILTER", "true")
    settings, _ = resolve_settings({}, str(config))
    assert isinstance(settings, RunSettings) and isinstance(settings, LLMSettings)
    assert settings.db == "from-file.db" and settings.prefilter is True
    monkeypatch.setenv("EXTRACT_DB", "from-env.db")
    assert resolve_settings({}, str(config))[0].db == "from-env.db"
