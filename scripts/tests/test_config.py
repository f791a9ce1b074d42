"""The hosts file: a valid one loads, and every inconsistency is a clear ConfigError."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from lib.config import ConfigError, load_config  # noqa: E402

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "hosts.example.toml")


def write(tmp_path, text):
    path = tmp_path / "hosts.toml"
    path.write_text(text)
    return str(path)


def test_the_example_loads():
    config = load_config(EXAMPLE)
    assert [host.name for host in config.hosts_with("api")] == ["api-1", "api-2"]
    assert config.hosts_with("db")[0].address == "10.0.0.21"
    assert config.backup.retention_days == 30
    assert not config.hosts[0].is_local


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "at least one [[hosts]]"),
        ('[[hosts]]\nname = "a"\naddress = "localhost"\nroles = ["web"]\n[database]\nurl = "x"\n', "roles must be"),
        ('[[hosts]]\nname = "a"\nroles = ["api"]\n', "name and address are required"),
        ('[[hosts]]\nname = "a"\naddress = "localhost"\nroles = ["api"]\n', "[database] url is required"),
        ('[app]\nprot = 1\n[[hosts]]\nname = "a"\naddress = "localhost"\nroles = ["api"]\n', "unknown setting"),
        ("this is = = not toml", "not valid TOML"),
    ],
)
def test_bad_files_are_refused_with_the_reason(tmp_path, monkeypatch, text, message):
    monkeypatch.delenv("SUIFTLY_DATABASE_URL", raising=False)
    with pytest.raises(ConfigError) as error:
        load_config(write(tmp_path, text))
    assert message in str(error.value)


def test_a_missing_file_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(str(tmp_path / "nope.toml"))
