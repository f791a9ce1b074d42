"""provision-server.py for real on this machine, against a temporary fs_root (so the real /etc, /opt
and /var stay untouched): an API host and a db host provisioned twice (the second run changes
nothing, to the mtime), the env file kept once edited, a dry run on a fresh root, a failing step,
refused arguments, and systemd enablement through `systemctl --root`. The system user is one that
exists (the current user) except in dry runs; the db role's PostgreSQL role and database are
named suiftly_test_ops_* and dropped at the end, also after failures. apt-get never runs: the
packages are installed here."""

from __future__ import annotations

import contextlib
import grp
import hashlib
import importlib.util
import io
import os
import pwd
import re
import secrets
import shutil
import socket
import stat
import subprocess
import urllib.parse
from dataclasses import dataclass
from types import SimpleNamespace

import pytest
from conftest import ADMIN_URL, SCRIPTS, run_script

from lib import pg

_spec = importlib.util.spec_from_file_location("provision_server", os.path.join(SCRIPTS, "provision-server.py"))
provision_server = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(provision_server)

USER = pwd.getpwuid(os.getuid()).pw_name
GROUP = grp.getgrgid(pwd.getpwuid(os.getuid()).pw_gid).gr_name
DUMMY_DATABASE_URL = "postgres://suiftly@127.0.0.1:5432/suiftly"
# The default --init (auto) picks cron where systemd is not running, as here; on a machine where it
# runs, the cron tests ask for cron explicitly.
CRON = ("--init", "cron") if os.path.isdir("/run/systemd/system") else ()


@dataclass
class Result:
    code: int
    out: str
    err: str

    def changes(self) -> list[str]:
        return [line for line in self.out.splitlines() if line.startswith("change: ")]


def provision(*args) -> Result:
    """main() in this process (a Python start costs about a second here); the CLI itself is run
    as a process in a few tests below."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = provision_server.main([str(arg) for arg in args] + list(() if "--init" in args else CRON))
        except SystemExit as exit:
            code = exit.code
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture(autouse=True)
def no_outside_settings(monkeypatch):
    for name in ("SUIFTLY_DATABASE_URL", "SUIFTLY_HOSTS"):
        monkeypatch.delenv(name, raising=False)


@dataclass
class Site:
    config: str
    root: str  # fs_root

    def path(self, host_path: str) -> str:
        return os.path.join(self.root, host_path.lstrip("/"))


def make_site(tmp_path, *, user=USER, database_url=DUMMY_DATABASE_URL, admin_url=ADMIN_URL, roles=("api", "db"),
              app="", host="") -> Site:
    tmp_path.mkdir(parents=True, exist_ok=True)
    root = tmp_path / "root"
    config = tmp_path / "hosts.toml"
    roles_list = ", ".join(f'"{role}"' for role in roles)
    config.write_text(
        f'fs_root = "{root}"\n\n[app]\nuser = "{user}"\n{app}\n'
        f'[database]\nurl = "{database_url}"\nadmin_url = "{admin_url}"\n\n'
        f'[backup]\ndestination = "/var/backups/suiftly"\n\n'
        f'[[hosts]]\nname = "localhost"\naddress = "localhost"\nroles = [{roles_list}]\n{host}\n'
    )
    return Site(str(config), str(root))


def snapshot(root: str) -> dict:
    """Every path under root: kind, mode, owner, mtime, content digest or link target."""
    state = {}
    for directory, names, files in os.walk(root):
        for name in [*names, *files]:
            path = os.path.join(directory, name)
            info = os.lstat(path)
            if stat.S_ISLNK(info.st_mode):
                detail = os.readlink(path)
            elif stat.S_ISREG(info.st_mode):
                with open(path, "rb") as handle:
                    detail = hashlib.sha256(handle.read()).hexdigest()
            else:
                detail = None
            state[os.path.relpath(path, root)] = (info.st_mode, info.st_uid, info.st_gid, info.st_mtime_ns, detail)
    return state


def mode_of(path: str) -> tuple[str, str, int]:
    info = os.stat(path)
    return pwd.getpwuid(info.st_uid).pw_name, grp.getgrgid(info.st_gid).gr_name, stat.S_IMODE(info.st_mode)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def app_database():
    """A role and database name for the db role to create; both dropped afterwards."""
    token = secrets.token_hex(4)
    role, name, password = f"suiftly_test_ops_{token}_role", f"suiftly_test_ops_{token}_db", secrets.token_hex(12)
    admin = urllib.parse.urlsplit(ADMIN_URL)
    url = f"postgres://{role}:{password}@{admin.hostname or '127.0.0.1'}:{admin.port or 5432}/{name}"
    try:
        yield SimpleNamespace(role=role, name=name, password=password, url=url)
    finally:
        pg.psql(ADMIN_URL, f"DROP DATABASE IF EXISTS {pg.quote_ident(name)} WITH (FORCE)")
        pg.psql(ADMIN_URL, f"DROP ROLE IF EXISTS {pg.quote_ident(role)}")


def role_exists(role: str) -> bool:
    return pg.psql(ADMIN_URL, f"select count(*) from pg_roles where rolname = {pg.quote_literal(role)}").strip() == "1"


# --- api role ---------------------------------------------------------------------------------


def test_an_api_host_is_provisioned_and_a_second_run_changes_nothing(tmp_path):
    site = make_site(tmp_path, roles=("api",), app='root = "/srv/suiftly-test"', host="port = 3123")
    first = provision("localhost", "--role", "api", "--config", site.config)
    assert first.code == 0, first.out + first.err
    assert first.changes(), first.out
    assert re.search(r"^localhost \(api\): \d+ changes?$", first.out, re.MULTILINE), first.out

    for path, mode in [
        ("/srv/suiftly-test", 0o755),
        ("/srv/suiftly-test/releases", 0o755),
        ("/var/lib/suiftly", 0o750),
        ("/var/lib/suiftly/pm2", 0o750),
    ]:
        assert os.path.isdir(site.path(path)) and mode_of(site.path(path)) == (USER, GROUP, mode), path
    assert mode_of(site.path("/etc/suiftly")) == ("root", "root", 0o755)

    env_file = site.path("/etc/suiftly/suiftly.env")
    assert mode_of(env_file) == ("root", GROUP, 0o640)
    env_text = open(env_file).read()
    assert f"DATABASE_URL={DUMMY_DATABASE_URL}\n" in env_text and "PORT=3123\n" in env_text
    assert "APP_ENV=production\n" in env_text and "@" not in env_text.replace(DUMMY_DATABASE_URL, "")

    # Units rendered for this host's root and user; the app unit drains within its stop timeout.
    for unit in ("suiftly-app.service", "suiftly-pm2.service", "suiftly-manager.service"):
        text = open(site.path(f"/etc/systemd/system/{unit}")).read()
        assert mode_of(site.path(f"/etc/systemd/system/{unit}")) == ("root", "root", 0o644)
        assert "/opt/suiftly" not in text and f"User={USER}\n" in text and f"Group={GROUP}\n" in text, unit
    app_unit = open(site.path("/etc/systemd/system/suiftly-app.service")).read()
    assert "ExecStart=/srv/suiftly-test/current/node_modules/.bin/node server.js\n" in app_unit
    assert "EnvironmentFile=/etc/suiftly/suiftly.env\n" in app_unit
    assert int(re.search(r"^TimeoutStopSec=(\d+)$", app_unit, re.MULTILINE).group(1)) > 30
    # No systemd here: PM2 comes back at boot through cron; nothing was enabled.
    cron = open(site.path("/etc/cron.d/suiftly-pm2")).read()
    assert re.search(rf"^@reboot {USER} .*pm2 resurrect", cron, re.MULTILINE), cron
    assert "PM2_HOME=/var/lib/suiftly/pm2" in cron
    assert not any(name.endswith(".wants") for name in os.listdir(site.path("/etc/systemd/system")))

    before = snapshot(site.root)
    second = run_script("provision-server.py", "localhost", "--role", "api", "--config", site.config, *CRON)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "change: " not in second.stdout
    assert second.stdout.rstrip().endswith("localhost (api): nothing to change"), second.stdout
    assert snapshot(site.root) == before


def test_the_env_file_is_never_overwritten(tmp_path):
    site = make_site(tmp_path, roles=("api",))
    assert provision("localhost", "--role", "api", "--config", site.config).code == 0
    env_file = site.path("/etc/suiftly/suiftly.env")
    edited = open(env_file).read().replace("SESSION_SECRET=\n", f"SESSION_SECRET={secrets.token_hex(32)}\n")
    with open(env_file, "w") as handle:
        handle.write(edited + "SUI_NETWORK=testnet\n")
    os.chmod(env_file, 0o644)  # world-readable secrets: the mode is fixed, the content kept
    os.unlink(site.path("/etc/systemd/system/suiftly-app.service"))

    again = provision("localhost", "--role", "api", "--config", site.config)
    assert again.code == 0, again.out + again.err
    assert open(env_file).read() == edited + "SUI_NETWORK=testnet\n"
    assert mode_of(env_file) == ("root", GROUP, 0o640)
    assert [line.split(":")[1].strip() for line in again.changes()] == ["env file", "unit suiftly-app.service"]
    assert again.out.rstrip().endswith("localhost (api): 2 changes")
    assert os.path.exists(site.path("/etc/systemd/system/suiftly-app.service"))


# --- db role ----------------------------------------------------------------------------------


def test_a_db_host_is_provisioned_and_a_second_run_changes_nothing(tmp_path, app_database):
    site = make_site(tmp_path, roles=("db",), database_url=app_database.url)
    first = provision("localhost", "--role", "db", "--config", site.config)
    assert first.code == 0, first.out + first.err
    assert f"change: create database role {app_database.role}" in first.out
    assert f"change: create database {app_database.name}" in first.out
    assert app_database.password not in first.out + first.err  # the password is never printed
    # The application connects with its own URL and owns its database.
    assert pg.psql(app_database.url, "select current_user || ' ' || current_database()").strip() == (
        f"{app_database.role} {app_database.name}"
    )

    units = site.path("/etc/systemd/system")
    assert sorted(os.listdir(units)) == ["suiftly-backup.service", "suiftly-backup.timer", "suiftly-manager.service"]
    for unit in os.listdir(units):
        with open(os.path.join(SCRIPTS, "systemd", unit)) as source:
            # default root and data directory: the unit is the repository's file, byte for byte
            expected = source.read().replace("User=suiftly\n", f"User={USER}\n")
            expected = expected.replace("Group=suiftly\n", f"Group={GROUP}\n")
        assert open(os.path.join(units, unit)).read() == expected, unit
    # No systemd here: backups run from cron (as postgres, with the hosts file copied for them).
    cron = open(site.path("/etc/cron.d/suiftly-backup")).read()
    daily = r"^\S+ \S+ \S+ \S+ \S+ postgres .*scripts/backup\.py --config /etc/suiftly/hosts\.toml"
    assert re.search(daily, cron, re.MULTILINE), cron
    assert mode_of(site.path("/etc/cron.d/suiftly-backup")) == ("root", "root", 0o644)
    assert open(site.path("/etc/suiftly/hosts.toml")).read() == open(site.config).read()
    assert mode_of(site.path("/etc/suiftly/hosts.toml")) == ("root", "postgres", 0o640)
    assert mode_of(site.path("/etc/suiftly/manager.env")) == ("root", GROUP, 0o640)
    assert mode_of(site.path("/var/backups/suiftly")) == ("postgres", "postgres", 0o700)

    before = snapshot(site.root)
    second = provision("localhost", "--role", "db", "--config", site.config)
    assert second.code == 0, second.out + second.err
    assert second.changes() == [], second.out
    assert f"ok: database role {app_database.role} exists" in second.out
    assert second.out.rstrip().endswith("localhost (db): nothing to change")
    assert snapshot(site.root) == before


# --- dry run, failures, refusals --------------------------------------------------------------


def test_a_dry_run_on_a_fresh_root_lists_the_plan_and_changes_nothing(tmp_path, app_database):
    missing_user = f"sfy_nouser_{secrets.token_hex(3)}"
    assert subprocess.run(["getent", "passwd", missing_user], capture_output=True).returncode != 0
    site = make_site(tmp_path, user=missing_user, database_url=app_database.url)

    api = provision("localhost", "--role", "api", "--config", site.config, "--dry-run")
    assert api.code == 0, api.out + api.err
    assert f"change: create system user {missing_user}" in api.out
    assert re.search(rf"would run useradd --system .* {missing_user}$", api.out, re.MULTILINE), api.out
    assert f"change: create directory {site.path('/opt/suiftly/releases')}" in api.out
    assert f"change: env file: create {site.path('/etc/suiftly/suiftly.env')}" in api.out
    assert "change: PM2 at boot: create" in api.out
    assert re.search(r"^localhost \(api\): \d+ changes planned \(dry run: nothing changed\)$", api.out, re.MULTILINE)

    db = provision("localhost", "--role", "db", "--config", site.config, "--dry-run")
    assert db.code == 0, db.out + db.err
    assert f"change: create database role {app_database.role}" in db.out
    assert f"change: create database {app_database.name}" in db.out
    assert "change: backup cron entry: create" in db.out

    assert not os.path.exists(site.root)
    assert subprocess.run(["getent", "passwd", missing_user], capture_output=True).returncode != 0
    assert not role_exists(app_database.role) and not pg.database_exists(ADMIN_URL, app_database.name)


def test_a_failing_step_exits_non_zero_and_is_named(tmp_path):
    site = make_site(tmp_path, roles=("api",))
    os.makedirs(site.root)
    with open(site.path("/opt"), "w") as handle:  # a file where /opt/suiftly should go
        handle.write("in the way\n")
    result = provision("localhost", "--role", "api", "--config", site.config)
    assert result.code == 1
    assert "FAILED" in result.err and "step 'directories' failed" in result.err, result.err
    assert not os.path.exists(site.path("/etc/suiftly/suiftly.env"))  # nothing after the failure

    unreachable = f"postgres://postgres@127.0.0.1:{free_port()}/postgres"
    never = f"postgres://suiftly_test_ops_never:pw@127.0.0.1:5432/suiftly_test_ops_never_{secrets.token_hex(3)}"
    db_site = make_site(tmp_path / "db", roles=("db",), database_url=never, admin_url=unreachable)
    result = provision("localhost", "--role", "db", "--config", db_site.config)
    assert result.code == 1
    assert "step 'database' failed" in result.err and "cannot query PostgreSQL" in result.err, result.err
    assert not os.path.exists(db_site.root)


def test_bad_arguments_are_refused_and_change_nothing(tmp_path):
    site = make_site(tmp_path, roles=("api",))
    # A real process: argparse refuses with exit status 2.
    bad_role = run_script("provision-server.py", "localhost", "--role", "web", "--config", site.config)
    assert bad_role.returncode == 2 and "invalid choice: 'web'" in bad_role.stderr, bad_role.stderr
    cases = [
        (("localhost", "--config", site.config), "--role"),
        (("nowhere", "--role", "api", "--config", site.config), "no host named 'nowhere'"),
        (("localhost", "--role", "api", "--config", str(tmp_path / "missing.toml")), "not found"),
        (("localhost", "--role", "db", "--config", site.config), "not db"),
        (("localhost", "--role", "api", "--config", site.config, "--init", "upstart"), "invalid choice"),
    ]
    for args, message in cases:
        result = provision(*args)
        assert result.code == 2, (args, result.out, result.err)
        assert message in result.err, (args, result.err)
    no_user = make_site(tmp_path / "nouser", database_url="postgres://127.0.0.1:5432/suiftly")
    result = provision("localhost", "--role", "db", "--config", no_user.config)
    assert result.code == 2 and "with a user and a database" in result.err, result.err
    assert not os.path.exists(site.root) and not os.path.exists(no_user.root)


# --- systemd ----------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("systemctl") is None, reason="needs systemctl")
def test_with_systemd_the_units_are_enabled_instead_of_cron(tmp_path, app_database):
    site = make_site(tmp_path, database_url=app_database.url)
    # Provisioned before without systemd: the cron entries are there.
    assert provision("localhost", "--role", "api", "--config", site.config).code == 0
    with open(site.path("/etc/cron.d/suiftly-backup"), "w") as handle:
        handle.write("15 3 * * * postgres true\n")
    assert sorted(os.listdir(site.path("/etc/cron.d"))) == ["suiftly-backup", "suiftly-pm2"]

    # --init systemd with an fs_root: enabled through `systemctl --root`, never the machine's systemd.
    api = provision("localhost", "--role", "api", "--config", site.config, "--init", "systemd")
    db = provision("localhost", "--role", "db", "--config", site.config, "--init", "systemd")
    assert api.code == 0 and db.code == 0, api.out + api.err + db.out + db.err
    assert "change: enable suiftly-pm2.service" in api.out
    assert "change: enable suiftly-backup.timer" in db.out and "change: enable suiftly-manager.service" in db.out
    units = site.path("/etc/systemd/system")
    assert os.path.islink(os.path.join(units, "multi-user.target.wants", "suiftly-pm2.service"))
    assert os.path.islink(os.path.join(units, "multi-user.target.wants", "suiftly-manager.service"))
    assert os.path.islink(os.path.join(units, "timers.target.wants", "suiftly-backup.timer"))
    assert not os.path.exists(os.path.join(units, "multi-user.target.wants", "suiftly-app.service"))
    assert os.listdir(site.path("/etc/cron.d")) == []  # the timer and the unit replace the cron entries

    before = snapshot(site.root)
    for role in ("api", "db"):
        again = provision("localhost", "--role", role, "--config", site.config, "--init", "systemd")
        assert again.code == 0 and again.changes() == [], again.out + again.err
        assert "nothing to change" in again.out
    assert snapshot(site.root) == before


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="needs systemd-analyze")
def test_the_unit_files_are_valid():
    names = ("suiftly-app.service", "suiftly-pm2.service", "suiftly-manager.service")
    units = [os.path.join(SCRIPTS, "systemd", name) for name in names]
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", *units], capture_output=True, text=True, cwd="/")
    # The release's binaries do not exist on this machine; anything else is a real complaint.
    output = (result.stdout + result.stderr).splitlines()
    complaints = [line for line in output if line and "is not executable" not in line]
    assert complaints == []
