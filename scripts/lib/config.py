"""The hosts file every operations script reads (TOML; see scripts/hosts.example.toml).

A small, explicit shape: where the app lives, which hosts play which role, how to reach the
database, where backups go. `localhost` (or 127.0.0.1) as an address means "run here, without
SSH", which is how the tests run every script for real.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field

ROLES = ("api", "db")
LOCAL_ADDRESSES = ("localhost", "127.0.0.1", "::1")


class ConfigError(Exception):
    """The hosts file is missing, unreadable or inconsistent."""


@dataclass(frozen=True)
class Host:
    name: str
    address: str
    roles: tuple[str, ...]
    ssh_user: str = "root"
    ssh_port: int = 22
    # Per-host overrides of [app] (several "hosts" on one machine: staging, tests).
    port: int | None = None
    root: str | None = None
    pm2_home: str | None = None
    env_file: str | None = None

    @property
    def is_local(self) -> bool:
        return self.address in LOCAL_ADDRESSES


@dataclass(frozen=True)
class AppSettings:
    user: str = "suiftly"
    root: str = "/opt/suiftly"
    data_dir: str = "/var/lib/suiftly"
    env_file: str = "/etc/suiftly/suiftly.env"
    port: int = 3000
    instances: int = 2
    health_path: str = "/health"
    health_timeout_seconds: float = 60.0
    pm2_home: str = ""
    manager_restart: str = "systemctl restart suiftly-manager"


@dataclass(frozen=True)
class BackupSettings:
    destination: str = "/var/backups/suiftly"
    retention_days: int = 30
    s3_endpoint: str = ""
    s3_region: str = "auto"


@dataclass(frozen=True)
class Config:
    path: str
    app: AppSettings
    hosts: tuple[Host, ...]
    database_url: str
    backup: BackupSettings
    # Prefix for every file the scripts write on a host ("/" in production); tests point it at a
    # temporary directory so provisioning localhost never touches the real /etc.
    fs_root: str = "/"
    extra: dict = field(default_factory=dict)
    # [database] admin_url: a superuser connection for provision-server.py (creating the app's
    # role and database); empty = psql as the postgres user over the db host's local socket.
    database_admin_url: str = ""

    def hosts_with(self, role: str) -> list[Host]:
        return [host for host in self.hosts if role in host.roles]

    def host(self, name: str) -> Host:
        for host in self.hosts:
            if host.name == name or host.address == name:
                return host
        raise ConfigError(f"no host named {name!r} in {self.path} (known: {', '.join(h.name for h in self.hosts)})")

    def port_of(self, host: Host) -> int:
        return host.port or self.app.port

    def root_of(self, host: Host) -> str:
        return self.on_host(host.root or self.app.root)

    def env_file_of(self, host: Host) -> str:
        return self.on_host(host.env_file or self.app.env_file)

    def pm2_home_of(self, host: Host) -> str:
        return self.on_host(host.pm2_home or self.app.pm2_home or os.path.join(self.app.data_dir, "pm2"))

    def on_host(self, path: str) -> str:
        """A path on the target host, under fs_root."""
        return os.path.join(self.fs_root, path.lstrip("/"))


def _typed(section: dict, cls, where: str):
    known = {name for name in cls.__dataclass_fields__}
    unknown = set(section) - known
    if unknown:
        raise ConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}")
    try:
        return cls(**section)
    except TypeError as error:
        raise ConfigError(f"{where}: {error}") from error


def load_config(path: str) -> Config:
    try:
        with open(path, "rb") as handle:
            raw = tomllib.load(handle)
    except FileNotFoundError as error:
        raise ConfigError(f"hosts file {path} not found") from error
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"hosts file {path} is not valid TOML: {error}") from error

    app = _typed(raw.get("app", {}), AppSettings, "[app]")
    backup = _typed(raw.get("backup", {}), BackupSettings, "[backup]")
    hosts = []
    for index, entry in enumerate(raw.get("hosts", [])):
        where = f"[[hosts]] #{index + 1}"
        if "name" not in entry or "address" not in entry:
            raise ConfigError(f"{where}: name and address are required")
        roles = tuple(entry.get("roles", []))
        bad = [role for role in roles if role not in ROLES]
        if not roles or bad:
            raise ConfigError(f"{where}: roles must be a non-empty list of {', '.join(ROLES)}")
        hosts.append(
            Host(
                name=str(entry["name"]),
                address=str(entry["address"]),
                roles=roles,
                ssh_user=str(entry.get("ssh_user", "root")),
                ssh_port=int(entry.get("ssh_port", 22)),
                port=int(entry["port"]) if "port" in entry else None,
                root=str(entry["root"]) if "root" in entry else None,
                pm2_home=str(entry["pm2_home"]) if "pm2_home" in entry else None,
                env_file=str(entry["env_file"]) if "env_file" in entry else None,
            )
        )
    if not hosts:
        raise ConfigError(f"{path}: at least one [[hosts]] entry is required")
    names = [host.name for host in hosts]
    if len(set(names)) != len(names):
        raise ConfigError(f"{path}: host names must be unique")
    database_url = os.environ.get("SUIFTLY_DATABASE_URL") or raw.get("database", {}).get("url", "")
    if not database_url:
        raise ConfigError(f"{path}: [database] url is required (or SUIFTLY_DATABASE_URL)")
    if backup.retention_days < 1:
        raise ConfigError("[backup] retention_days must be at least 1")
    return Config(
        path=path,
        app=app,
        hosts=tuple(hosts),
        database_url=database_url,
        backup=backup,
        fs_root=str(raw.get("fs_root", "/")),
        database_admin_url=str(raw.get("database", {}).get("admin_url", "")),
    )
