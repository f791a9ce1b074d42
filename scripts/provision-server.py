#!/usr/bin/env python3
"""Provision a Suiftly host for a role: install and configure what the role needs, idempotently.

    provision-server.py HOST --role api|db [--config /etc/suiftly/hosts.toml] [--dry-run]
                        [--init auto|systemd|cron]

HOST is a host's name or address in the hosts file (`localhost` runs here, other hosts over SSH as
their ssh_user, root). Every step first looks at the host, then prints "ok: …" (already so) or
"change: …" and makes the change (with --dry-run: only prints it and the commands it would run).
The last line is "N changes" or "nothing to change": a second run changes nothing and says so.
Files go under the hosts file's fs_root ("/" in production).

Both roles:
  packages     Debian packages the role needs (dpkg-query; the missing ones with apt-get install)
  user         [app] user: a system account (useradd) unless it exists
  directories  <root>, <root>/releases, [app] data_dir, /etc/suiftly: owners and modes
api role:
  env file     [app] env_file from scripts/templates/suiftly.env when absent. It holds the secrets:
               once present it is never overwritten (only its owner and mode, root:<user> 0640)
  units        suiftly-app.service (the app without PM2; not enabled), suiftly-pm2.service (PM2 at
               boot), suiftly-manager.service into /etc/systemd/system; daemon-reload if one changed
  boot         suiftly-pm2.service enabled; without systemd an @reboot line in /etc/cron.d/suiftly-pm2
db role:
  database     the role and database of [database] url, created when missing (psql as superuser:
               [database] admin_url, or the postgres user over the local socket)
  hosts file   /etc/suiftly/hosts.toml (read by backups) copied from --config when absent
  manager      /etc/suiftly/manager.env from the template when absent (never overwritten), and
               suiftly-manager.service enabled (deploy.py restarts the manager on db hosts)
  backups      suiftly-backup.service and .timer installed, the timer enabled; without systemd a
               daily entry in /etc/cron.d/suiftly-backup instead

--init: auto (default) uses systemd when it runs on the host ([ -d /run/systemd/system ]), cron
otherwise; systemd under an fs_root other than "/" enables units with `systemctl --root`.

Exit status: 0 provisioned (or planned), 1 a step failed (the message names it), 2 bad arguments
or hosts file (nothing changed).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import os
import re
import shlex
import subprocess
import sys
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lib import pg  # noqa: E402
from lib.config import ROLES, Config, ConfigError, Host, load_config  # noqa: E402
from lib.runner import CommandFailed, Runner, fail, say  # noqa: E402

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
SYSTEMD_SOURCES = os.path.join(SCRIPTS, "systemd")
ENV_TEMPLATE = os.path.join(SCRIPTS, "templates", "suiftly.env")
UNIT_DIR = "/etc/systemd/system"
CONFIG_DIR = "/etc/suiftly"
MANAGER_ENV = "/etc/suiftly/manager.env"
HOSTS_FILE = "/etc/suiftly/hosts.toml"
PATH_LINE = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

PACKAGES = {
    "api": ["ca-certificates", "python3", "rsync"],
    "db": ["ca-certificates", "postgresql", "python3", "rsync"],
}
UNITS = {
    "api": ["suiftly-app.service", "suiftly-pm2.service", "suiftly-manager.service"],
    "db": ["suiftly-manager.service", "suiftly-backup.service", "suiftly-backup.timer"],
}

q = shlex.quote


class Problem(Exception):
    """A step cannot go on (the host is not in a state this script can fix)."""


class StepFailed(Exception):
    def __init__(self, step: str, detail: str):
        super().__init__(f"step '{step}' failed: {detail}")
        self.step = step
        self.detail = detail


def app_database(config: Config) -> tuple[str, str | None, str]:
    """(role, password or None, database) of [database] url."""
    parts = urllib.parse.urlsplit(config.database_url)
    role = urllib.parse.unquote(parts.username or "")
    password = urllib.parse.unquote(parts.password) if parts.password is not None else None
    name = pg.database_name(config.database_url) if parts.scheme in ("postgres", "postgresql") else ""
    if not role or not name:
        raise ConfigError(
            f"[database] url {pg.redact(config.database_url)!r} must be a postgres:// URL with a user and a database"
        )
    return role, password, name


class Provisioner:
    def __init__(self, config: Config, host: Host, role: str, dry_run: bool, init: str):
        self.config = config
        self.host = host
        self.role = role
        self.dry_run = dry_run
        self.requested_init = init
        self.runner = Runner(host, dry_run=dry_run)
        self.quiet = Runner(host, dry_run=dry_run, verbose=False)  # for writes the change line says it all
        self.changes = 0
        self.known: dict[str, tuple[str, str, str, int, str] | None] = {}  # see survey()
        self.units_changed = False
        app = config.app
        # Paths as the host sees them (units, cron lines and the env file name them); files are
        # written at the same paths under fs_root.
        self.user = app.user
        self.group = app.user
        self.root = (host.root or app.root).rstrip("/") or "/"
        self.data_dir = app.data_dir.rstrip("/") or "/"
        self.env_file = host.env_file or app.env_file
        self.pm2_home = (host.pm2_home or app.pm2_home or os.path.join(app.data_dir, "pm2")).rstrip("/")
        self.fs_root = os.path.abspath(config.fs_root)
        self.systemd = False
        self.live = False
        self.systemctl = "systemctl"

    # --- reporting ----------------------------------------------------------------------------

    def ok(self, message: str) -> None:
        say(f"ok: {message}")

    def change(self, message: str) -> None:
        self.changes += 1
        say(f"change: {message}")

    @contextlib.contextmanager
    def step(self, name: str):
        try:
            yield
        except StepFailed:
            raise
        except (Problem, CommandFailed, pg.PgError, OSError, subprocess.TimeoutExpired) as error:
            raise StepFailed(name, str(error)) from error

    def on_host(self, path: str) -> str:
        return self.config.on_host(path)

    # --- state of files and directories on the host -------------------------------------------

    def survey(self, paths: list[str]) -> None:
        """Look at many paths in one command (every command is a process, or an SSH round trip):
        kind, owner, group, mode and, for files, the SHA-256 of the content."""
        paths = [path for path in dict.fromkeys(paths) if path not in self.known]
        if not paths:
            return
        quoted = " ".join(q(path) for path in paths)
        result = self.runner.check(
            f"stat -c '%F|%U|%G|%a|%n' -- {quoted} 2>/dev/null; echo '--'; sha256sum -- {quoted} 2>/dev/null; true"
        )
        if result.returncode != 0 or "--\n" not in result.stdout:  # e.g. SSH could not connect
            raise Problem(f"cannot look at {self.host.name}: {(result.stderr or result.stdout).strip()[-500:]}")
        stats, _, sums = result.stdout.partition("--\n")
        digests = {}
        for line in sums.splitlines():
            digest, _, name = line.partition("  ")
            digests[name] = digest
        found = {}
        for line in stats.splitlines():
            kind, owner, group, mode, name = line.split("|", 4)
            found[name] = (kind, owner, group, int(mode, 8), digests.get(name, "-"))
        for path in paths:
            self.known[path] = found.get(path)

    def stat(self, path: str) -> tuple[str, str, str, int, str] | None:
        """(kind, owner, group, mode, sha256 or "-") of `path` on the host, None when absent."""
        self.survey([path])
        return self.known[path]

    def ensure_dir(self, path: str, owner: str, group: str, mode: int) -> None:
        want = f"{owner}:{group} {mode:04o}"
        state = self.stat(path)
        if state is None:
            self.change(f"create directory {path} ({want})")
            self.runner.run(f"install -d -o {q(owner)} -g {q(group)} -m {mode:o} {q(path)}")
            return
        kind, have_owner, have_group, have_mode, _ = state
        if kind != "directory":
            raise Problem(f"{path} exists and is a {kind}, not a directory")
        if (have_owner, have_group, have_mode) != (owner, group, mode):
            self.change(f"set directory {path} to {want} (was {have_owner}:{have_group} {have_mode:04o})")
            self.runner.run(f"chown {q(owner)}:{q(group)} {q(path)} && chmod {mode:o} {q(path)}")
        else:
            self.ok(f"directory {path} ({want})")

    def ensure_file(
        self, label: str, path: str, content: str, owner: str, group: str, mode: int, create_only: bool = False
    ) -> bool:
        """The file with this content, owner and mode; True when its content was (re)written.
        A create_only file is written when absent and never again (only owner and mode are fixed)."""
        want = f"{owner}:{group} {mode:04o}"
        state = self.stat(path)
        if state is None:
            self.change(f"{label}: create {path} ({want})")
            self.write(path, content, owner, group, mode, create_only)
            return True
        kind, have_owner, have_group, have_mode, digest = state
        if not kind.startswith("regular"):
            raise Problem(f"{path} exists and is a {kind}, not a file")
        if not create_only and digest != hashlib.sha256(content.encode()).hexdigest():
            self.change(f"{label}: update {path} ({want})")
            self.write(path, content, owner, group, mode, create_only)
            return True
        if (have_owner, have_group, have_mode) != (owner, group, mode):
            self.change(f"{label}: set {path} to {want} (was {have_owner}:{have_group} {have_mode:04o})")
            self.runner.run(f"chown {q(owner)}:{q(group)} {q(path)} && chmod {mode:o} {q(path)}")
        else:
            self.ok(f"{label}: {path} {'present, kept as is' if create_only else 'up to date'} ({want})")
        return False

    def write(self, path: str, content: str, owner: str, group: str, mode: int, create_only: bool) -> None:
        """Write through a temporary file in the same directory, then rename it into place (or,
        for create_only, hard-link it, which never replaces a file that appeared meanwhile)."""
        finish = f'ln "$tmp" {q(path)}' if create_only else f'mv -f "$tmp" {q(path)}'
        command = (
            f"set -e; mkdir -p {q(os.path.dirname(path))}; umask 077; "
            f"tmp=$(mktemp {q(path + '.XXXXXX')}); trap 'rm -f \"$tmp\"' EXIT; cat > \"$tmp\"; "
            f'chown {q(owner)}:{q(group)} "$tmp"; chmod {mode:o} "$tmp"; {finish}'
        )
        self.quiet.run_input(command, content, shown=f"write {path} ({owner}:{group} {mode:04o})")

    def remove_file(self, label: str, path: str, reason: str) -> None:
        if self.stat(path) is None:
            self.ok(f"{label}: no {path} ({reason})")
            return
        self.change(f"{label}: remove {path} ({reason})")
        self.runner.run(f"rm -f {q(path)}")

    # --- rendering ------------------------------------------------------------------------------

    def render(self, text: str) -> str:
        """A unit or cron file from scripts/ with the default paths and user replaced by this
        host's settings (the same text when the settings are the defaults)."""
        paths = {
            "/var/lib/suiftly/pm2": self.pm2_home,
            "/var/lib/suiftly": self.data_dir,
            "/etc/suiftly/suiftly.env": self.env_file,
            "/opt/suiftly": self.root,
        }
        destination = self.config.backup.destination
        if destination.startswith("/"):
            paths["/var/backups/suiftly"] = destination.rstrip("/") or "/"
        pattern = re.compile("|".join(re.escape(key) for key in sorted(paths, key=len, reverse=True)))
        text = pattern.sub(lambda match: paths[match.group(0)], text)
        text = re.sub(r"^User=suiftly$", f"User={self.user}", text, flags=re.MULTILINE)
        return re.sub(r"^Group=suiftly$", f"Group={self.group}", text, flags=re.MULTILINE)

    def env_file_content(self) -> str:
        with open(ENV_TEMPLATE) as handle:
            template = handle.read()
        values = {
            "@DATABASE_URL@": self.config.database_url,
            "@PORT@": str(self.config.port_of(self.host)),
            "@DATA_DIR@": self.data_dir,
            "@GROUP@": self.group,
        }
        for key, value in values.items():
            template = template.replace(key, value)
        return template

    # --- steps shared by both roles -----------------------------------------------------------

    def packages(self) -> None:
        with self.step("packages"):
            names = PACKAGES[self.role]
            listing = self.runner.check(
                "dpkg-query -W -f='${Package} ${db:Status-Abbrev}\\n' " + " ".join(q(name) for name in names)
            )
            installed = set()
            for line in listing.stdout.splitlines():
                fields = line.split()
                if len(fields) >= 2 and fields[1] == "ii":
                    installed.add(fields[0].split(":")[0])
            missing = [name for name in names if name not in installed]
            if not missing:
                self.ok(f"packages installed: {', '.join(names)}")
                return
            self.change(f"install packages: {', '.join(missing)}")
            self.runner.run(
                "export DEBIAN_FRONTEND=noninteractive && apt-get update -q && "
                f"apt-get install -y -q --no-install-recommends {' '.join(q(name) for name in missing)}"
            )

    def system_user(self) -> None:
        with self.step("user"):
            found = self.runner.check(f"getent passwd {q(self.user)} >/dev/null && id -gn {q(self.user)}")
            if found.returncode == 0:
                self.group = found.stdout.strip()
                self.ok(f"user {self.user} exists (group {self.group})")
                return
            self.group = self.user
            self.change(f"create system user {self.user} (group {self.user}, home {self.data_dir}, no login)")
            self.runner.run(
                f"useradd --system --user-group --home-dir {q(self.data_dir)} --no-create-home "
                f"--shell /usr/sbin/nologin {q(self.user)}"
            )

    def directories(self, extra: list[tuple[str, str, str, int]] = ()) -> None:
        with self.step("directories"):
            wanted = [
                (self.root, self.user, self.group, 0o755),
                (os.path.join(self.root, "releases"), self.user, self.group, 0o755),
                (self.data_dir, self.user, self.group, 0o750),
                (CONFIG_DIR, "root", "root", 0o755),
                *extra,
            ]
            seen = set()
            for path, owner, group, mode in wanted:
                if path not in seen:
                    seen.add(path)
                    self.ensure_dir(self.on_host(path), owner, group, mode)

    def probe_init(self) -> None:
        with self.step("init system"):
            running = self.runner.ok("[ -d /run/systemd/system ]")
            self.systemd = running if self.requested_init == "auto" else self.requested_init == "systemd"
            self.live = self.systemd and running and self.fs_root == "/"
            self.systemctl = "systemctl" if self.live else f"systemctl --root={q(self.fs_root)}"
            if self.systemd:
                where = "the running systemd" if self.live else f"systemctl --root={self.fs_root}"
                self.ok(f"init: systemd (units enabled through {where})")
            else:
                self.ok(f"init: cron ({'--init cron' if running else 'systemd is not running here'})")

    def units(self) -> None:
        with self.step("units"):
            for name in UNITS[self.role]:
                source = os.path.join(SYSTEMD_SOURCES, name)
                if not os.path.exists(source):
                    raise Problem(f"{source} is missing")
                with open(source) as handle:
                    content = self.render(handle.read())
                path = self.on_host(os.path.join(UNIT_DIR, name))
                if self.ensure_file(f"unit {name}", path, content, "root", "root", 0o644):
                    self.units_changed = True
        with self.step("systemd reload"):
            if not self.live:
                return
            stale = [
                name
                for name in UNITS[self.role]
                if self.runner.check(f"systemctl show -p NeedDaemonReload --value {q(name)}").stdout.strip() == "yes"
            ]
            if self.units_changed or stale:
                self.change("systemctl daemon-reload (unit files changed)")
                self.runner.run("systemctl daemon-reload")
            else:
                self.ok("systemd has loaded the current unit files")

    def enable(self, unit: str, start: bool = False) -> None:
        state = self.runner.check(f"{self.systemctl} is-enabled {q(unit)}").stdout.strip()
        if state == "enabled":
            self.ok(f"{unit} enabled")
        else:
            now = "--now " if start and self.live else ""
            self.change(f"enable {unit}{' and start it' if now else ''} (was {state or 'unknown'})")
            self.runner.run(f"{self.systemctl} enable {now}{q(unit)}")
            return
        if start and self.live:
            if self.runner.check(f"systemctl is-active {q(unit)}").stdout.strip() == "active":
                self.ok(f"{unit} active")
            else:
                self.change(f"start {unit}")
                self.runner.run(f"systemctl start {q(unit)}")

    # --- api role -------------------------------------------------------------------------------

    def unit_paths(self) -> list[str]:
        return [self.on_host(os.path.join(UNIT_DIR, name)) for name in UNITS[self.role]]

    def directory_paths(self) -> list[str]:
        paths = [self.root, os.path.join(self.root, "releases"), self.data_dir, CONFIG_DIR]
        return [self.on_host(path) for path in paths]

    def provision_api(self) -> None:
        with self.step("survey"):
            self.survey(
                [
                    *self.directory_paths(),
                    self.on_host(self.pm2_home),
                    self.config.env_file_of(self.host),
                    *self.unit_paths(),
                    self.on_host("/etc/cron.d/suiftly-pm2"),
                ]
            )
        self.packages()
        self.system_user()
        self.directories(extra=[(self.pm2_home, self.user, self.group, 0o750)])
        self.settings_file("env file", self.config.env_file_of(self.host))
        self.probe_init()
        self.units()
        with self.step("boot persistence"):
            cron = self.on_host("/etc/cron.d/suiftly-pm2")
            if self.systemd:
                self.enable("suiftly-pm2.service")
                self.remove_file("PM2 at boot", cron, "suiftly-pm2.service does this")
            else:
                self.ensure_file("PM2 at boot", cron, self.pm2_cron(), "root", "root", 0o644)

    def settings_file(self, label: str, path: str) -> None:
        """An env file from the template: created once, never overwritten (it holds the secrets);
        only its owner and mode are kept right."""
        with self.step(label):
            self.ensure_file(label, path, self.env_file_content(), "root", self.group, 0o640, create_only=True)

    def pm2_cron(self) -> str:
        node = os.path.join(self.root, "runtime", "node")
        current = os.path.join(self.root, "current")
        return (
            "# PM2 at boot on a host without systemd (written by scripts/provision-server.py; with\n"
            "# systemd, suiftly-pm2.service does this): brings back the app processes deploy.py saved.\n"
            "SHELL=/bin/sh\n"
            f"{PATH_LINE}\n"
            f"@reboot {self.user} [ -x {node} ] && cd {current} && PM2_HOME={self.pm2_home} NODE_CLUSTER_SCHED_POLICY=none "
            f"{node} {current}/node_modules/pm2/bin/pm2 resurrect 2>&1 | logger -t suiftly-pm2\n"
        )

    # --- db role --------------------------------------------------------------------------------

    def provision_db(self) -> None:
        local_backups = self.config.backup.destination.startswith("/")
        with self.step("survey"):
            self.survey(
                [
                    *self.directory_paths(),
                    *([self.on_host(self.config.backup.destination)] if local_backups else []),
                    self.on_host(HOSTS_FILE),
                    self.on_host(MANAGER_ENV),
                    *self.unit_paths(),
                    self.on_host("/etc/cron.d/suiftly-backup"),
                ]
            )
        self.packages()
        self.database()
        self.system_user()
        extra = []
        if local_backups:
            extra.append((self.config.backup.destination.rstrip("/") or "/", "postgres", "postgres", 0o700))
        self.directories(extra=extra)
        with self.step("hosts file"):
            with open(self.config.path) as handle:
                hosts = handle.read()
            self.ensure_file(
                "hosts file", self.on_host(HOSTS_FILE), hosts, "root", "postgres", 0o640, create_only=True
            )
        self.settings_file("manager env file", self.on_host(MANAGER_ENV))
        self.probe_init()
        self.units()
        with self.step("manager"):
            if self.systemd:
                self.enable("suiftly-manager.service")
            else:
                self.ok("manager: suiftly-manager.service installed, not enabled (no systemd here)")
        with self.step("backup schedule"):
            cron = self.on_host("/etc/cron.d/suiftly-backup")
            if self.systemd:
                self.enable("suiftly-backup.timer", start=True)
                self.remove_file("backup cron entry", cron, "suiftly-backup.timer runs backups")
            else:
                self.ensure_file("backup cron entry", cron, self.backup_cron(), "root", "root", 0o644)

    def backup_cron(self) -> str:
        source = os.path.join(SYSTEMD_SOURCES, "suiftly-backup.cron")
        if os.path.exists(source):
            with open(source) as handle:
                return self.render(handle.read())
        current = os.path.join(self.root, "current")
        return (
            "# Daily Suiftly database backup (scripts/backup.py) on a host without systemd, written by\n"
            "# scripts/provision-server.py (with systemd, suiftly-backup.timer runs it). Output: syslog,\n"
            "# tag suiftly-backup. Optional settings (R2 credentials…): /etc/suiftly/backup.env.\n"
            "SHELL=/bin/sh\n"
            f"{PATH_LINE}\n"
            f"15 3 * * * postgres cd {current} && {{ set -a; [ -r /etc/suiftly/backup.env ] && "
            f". /etc/suiftly/backup.env; set +a; python3 scripts/backup.py --config {HOSTS_FILE}; }} "
            "2>&1 | logger -t suiftly-backup\n"
        )

    def admin_psql(self) -> str:
        base = "psql -X -w -q -A -t -v ON_ERROR_STOP=1"
        url = self.config.database_admin_url
        if not url:
            return f"runuser -u postgres -- {base} -d postgres"
        bare, _ = pg.client_args(url)
        password = urllib.parse.urlsplit(url).password
        secret = f"PGPASSWORD={q(urllib.parse.unquote(password))} " if password is not None else ""
        return f"{secret}PGCONNECT_TIMEOUT=10 {base} -d {q(bare)}"

    def database(self) -> None:
        with self.step("database"):
            role, password, name = app_database(self.config)
            psql = self.admin_psql()
            admin = self.config.database_admin_url
            via = pg.redact(admin) if admin else "postgres (local socket)"
            probe = (
                f"select (select count(*) from pg_catalog.pg_roles where rolname = {pg.quote_literal(role)})"
                f" || ' ' || (select count(*) from pg_catalog.pg_database where datname = {pg.quote_literal(name)})"
            )
            result = self.runner.check(f"{psql} -c {q(probe)}")
            if result.returncode != 0:
                reason = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
                if not self.dry_run:
                    raise Problem(f"cannot query PostgreSQL as superuser via {via}: {reason[0]}")
                self.change(f"role {role} and database {name} if missing (PostgreSQL not reachable now: {reason[0]})")
                return
            counts = result.stdout.split()
            if len(counts) != 2:
                raise Problem(f"unexpected answer from PostgreSQL: {result.stdout.strip()!r}")
            has_role, has_database = (count == "1" for count in counts)
            if has_role:
                self.ok(f"database role {role} exists")
            else:
                with_password = ", with the password from [database] url" if password else ""
                self.change(f"create database role {role} (LOGIN{with_password})")
                sql = f"CREATE ROLE {pg.quote_ident(role)} LOGIN"
                shown = f"psql via {via}: {sql}"
                if password is not None:
                    sql += f" PASSWORD {pg.quote_literal(password)}"
                    shown += " PASSWORD '***'"
                self.runner.run_input(f"{psql} -f -", sql + ";\n", shown=shown)
            if has_database:
                self.ok(f"database {name} exists")
            else:
                self.change(f"create database {name} (owner {role}, UTF8)")
                sql = (
                    f"CREATE DATABASE {pg.quote_ident(name)} OWNER {pg.quote_ident(role)} "
                    "TEMPLATE template0 ENCODING 'UTF8'"
                )
                self.runner.run_input(f"{psql} -f -", sql + ";\n", shown=f"psql via {via}: {sql}")

    def provision(self) -> None:
        if self.role == "api":
            self.provision_api()
        else:
            self.provision_db()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description="Install and configure what a Suiftly host needs for its role (idempotent).",
        epilog=__doc__.split("\n\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("host", help="a host's name or address in the hosts file (localhost: this machine)")
    parser.add_argument("--role", required=True, choices=ROLES, help="what the host is provisioned for")
    parser.add_argument(
        "--config",
        default=os.environ.get("SUIFTLY_HOSTS", "/etc/suiftly/hosts.toml"),
        help="the hosts file (default: $SUIFTLY_HOSTS or /etc/suiftly/hosts.toml)",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    parser.add_argument(
        "--init",
        choices=("auto", "systemd", "cron"),
        default="auto",
        help="how services and schedules start at boot (default auto: systemd when it runs, else cron)",
    )
    args = parser.parse_args(argv)
    try:
        config = load_config(args.config)
        host = config.host(args.host)
        if args.role not in host.roles:
            raise ConfigError(
                f"host {host.name} has role(s) {', '.join(host.roles)} in {config.path}, not {args.role}"
            )
        if args.role == "db":
            app_database(config)
    except ConfigError as error:
        return fail(f"provision-server: {error}", 2)

    provisioner = Provisioner(config, host, args.role, args.dry_run, args.init)
    mode = " (dry run: nothing is changed)" if args.dry_run else ""
    say(f"provisioning {host.name} ({host.address}) as {args.role}{mode}")
    try:
        provisioner.provision()
    except StepFailed as error:
        done = "" if args.dry_run else f" after {provisioner.changes} change(s)"
        return fail(f"provision-server: FAILED{done}: {error}")
    count = provisioner.changes
    if count == 0:
        say(f"{host.name} ({args.role}): nothing to change")
    elif args.dry_run:
        say(f"{host.name} ({args.role}): {count} change{'s' if count != 1 else ''} planned (dry run: nothing changed)")
    else:
        say(f"{host.name} ({args.role}): {count} change{'s' if count != 1 else ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
