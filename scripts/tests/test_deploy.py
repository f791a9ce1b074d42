"""deploy.py for real on this machine: two "API hosts" (two PM2 clusters on their own ports and
directories) and a "db host" whose manager restart leaves a mark. A first deploy, a second that
changes nothing, a rolling reload under keep-alive load with zero failed requests, a broken release
that stops at the first host and leaves the service up, and refusals (breaking migrations, bad
arguments, dry run)."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid

import pytest

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(SCRIPTS)
DEPLOY = os.path.join(SCRIPTS, "deploy.py")
ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
NODE = os.path.join(REPO, "node_modules", ".bin", "node")
PM2 = os.path.join(REPO, "node_modules", "pm2", "bin", "pm2")

pytestmark = pytest.mark.skipif(
    not os.path.exists(os.path.join(REPO, "build", "server", "index.js")),
    reason="needs the built app (npm run build)",
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(name: str) -> str:
    base, _, _ = ADMIN_URL.rpartition("/")
    return f"{base}/{name}"


def psql(url: str, sql: str) -> str:
    return subprocess.run(["psql", url, "-XAtc", sql], capture_output=True, text=True, check=True).stdout


def deploy(config: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, DEPLOY, "--config", config, "--skip-build", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def health(port: int) -> dict:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=5) as response:
        return json.loads(response.read())


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("deploy")
    name = f"suiftly_test_ops_deploy_{uuid.uuid4().hex[:10]}"
    psql(ADMIN_URL, f'create database "{name}"')
    ports = {"api-1": free_port(), "api-2": free_port()}
    env_file = tmp / "suiftly.env"
    env_file.write_text(
        "\n".join(
            [
                f"DATABASE_URL={database_url(name)}",
                "HOST=127.0.0.1",
                "APP_ENV=test",
                "LOG_LEVEL=warn",
                "MANAGER_IN_PROCESS=false",
                # A reload waits this long for a worker that never gets ready (production: 20 s).
                "SUIFTLY_LISTEN_TIMEOUT_MS=5000",
                f"DATA_DIR={tmp / 'data'}",
                "",
            ]
        )
    )
    user = subprocess.run(["id", "-un"], capture_output=True, text=True).stdout.strip()
    config = tmp / "hosts.toml"
    config.write_text(
        f"""
[app]
user = "{user}"
root = "{tmp / 'unused'}"
data_dir = "{tmp / 'data'}"
env_file = "{env_file}"
instances = 2
health_timeout_seconds = 20
manager_restart = "date +%s%N >> {tmp / 'manager-restarts'}"

[database]
url = "{database_url(name)}"

[[hosts]]
name = "api-1"
address = "127.0.0.1"
roles = ["api"]
port = {ports['api-1']}
root = "{tmp / 'api-1'}"
pm2_home = "{tmp / 'pm2-1'}"

[[hosts]]
name = "api-2"
address = "127.0.0.1"
roles = ["api"]
port = {ports['api-2']}
root = "{tmp / 'api-2'}"
pm2_home = "{tmp / 'pm2-2'}"

[[hosts]]
name = "db-1"
address = "localhost"
roles = ["db"]
root = "{tmp / 'db-1'}"
"""
    )
    yield {"config": str(config), "tmp": tmp, "ports": ports, "database": name}
    for home in ("pm2-1", "pm2-2"):
        subprocess.run([NODE, PM2, "kill"], env={**os.environ, "PM2_HOME": str(tmp / home)}, capture_output=True)
    psql(ADMIN_URL, f'drop database if exists "{name}" with (force)')


def manager_restarts(site) -> int:
    path = site["tmp"] / "manager-restarts"
    return len(path.read_text().split()) if path.exists() else 0


def test_first_deploy_migrates_starts_every_host_and_restarts_the_manager(site):
    result = deploy(site["config"], "--release", "r1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "release r1 deployed" in result.stdout
    for port in site["ports"].values():
        assert health(port)["release"] == "r1"
    # Migrations ran once, before the hosts.
    assert int(psql(database_url(site["database"]), "select count(*) from drizzle.__drizzle_migrations")) > 0
    assert manager_restarts(site) == 1
    assert os.readlink(site["tmp"] / "api-1" / "current") == "releases/r1"


def test_a_second_run_changes_nothing(site):
    result = deploy(site["config"], "--release", "r1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "nothing to change" in result.stdout
    assert "$ rsync" not in result.stdout and "startOrReload" not in result.stdout
    assert manager_restarts(site) == 1


class Load:
    """Keep-alive clients hammering /health; a request that finds its reused connection closed
    before any response is resent once on a new connection (what browsers and HAProxy do for
    idempotent requests). Anything else — a refused connection, a non-200, a second failure — is
    a failed request."""

    def __init__(self, ports, clients=4):
        self.ports = ports
        self.clients = clients
        self.stop = threading.Event()
        self.ok = 0
        self.slowest = 0.0
        self.failed: list[str] = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.run, args=(i,), daemon=True) for i in range(clients)]

    def request(self, conn_holder, port):
        for attempt in (1, 2):
            conn = conn_holder.get(port) or http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn_holder[port] = conn
            reused = conn.sock is not None
            try:
                conn.request("GET", "/health")
                response = conn.getresponse()
                body = response.read()
                if response.getheader("connection", "").lower() == "close":
                    conn.close()
                    conn_holder.pop(port, None)
                return response.status, body
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError) as error:
                conn.close()
                conn_holder.pop(port, None)
                if attempt == 2 or not reused:
                    return 0, repr(error).encode()
            except Exception as error:  # a timeout, a refused connection: a failed request
                conn.close()
                conn_holder.pop(port, None)
                return 0, repr(error).encode()
        return 0, b"unreachable"

    def run(self, index):
        conns: dict = {}
        port = self.ports[index % len(self.ports)]
        while not self.stop.is_set():
            started = time.monotonic()
            status, body = self.request(conns, port)
            with self.lock:
                self.slowest = max(self.slowest, time.monotonic() - started)
                if status == 200:
                    self.ok += 1
                else:
                    self.failed.append(f"{port}: {status} {body[:200]!r}")
            # Steady traffic, not a CPU-starving flood: the deploy shares this machine's cores.
            time.sleep(0.01)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=15)


def test_a_rolling_reload_under_load_fails_no_request(site):
    with Load(list(site["ports"].values())) as load:
        time.sleep(1)
        result = deploy(site["config"], "--release", "r2")
        time.sleep(1)
    assert result.returncode == 0, result.stdout + result.stderr
    print(f"under load: {load.ok} answered, slowest {load.slowest:.2f} s")
    assert load.failed == [], (load.failed[:5], f"slowest answer {load.slowest:.1f} s")
    assert load.ok > 200
    for port in site["ports"].values():
        assert health(port)["release"] == "r2"
    assert manager_restarts(site) == 2


def release_copy(tmp_path, name: str, server_js: str):
    """This checkout as another release whose server.js is `server_js` (the real one is kept as
    server.real.js)."""
    copy = tmp_path / name
    subprocess.run(["cp", "-al", REPO, str(copy)], check=True)
    server = copy / "server.js"
    (copy / "server.real.js").write_text(server.read_text())
    server.unlink()  # a new file, not the hard link
    server.write_text(server_js)
    return copy


def test_a_release_that_cannot_start_stops_the_deploy_before_any_host_changes(site, tmp_path):
    broken = release_copy(tmp_path, "broken", 'console.error("this release cannot start"); process.exit(1);\n')
    with Load(list(site["ports"].values())) as load:
        result = deploy(site["config"], "--release", "r3-broken", "--source", str(broken))
    assert result.returncode == 1
    assert "api-1: release r3-broken failed to start, so it was not switched in (api-1 still serves r2)" in result.stderr
    assert "this release cannot start" in result.stderr
    # Nothing served went away: no failed request, both hosts on r2, the manager untouched.
    assert load.failed == [], load.failed[:5]
    assert load.ok > 50
    for host in ("api-1", "api-2"):
        assert os.readlink(site["tmp"] / host / "current") == "releases/r2"
        assert health(site["ports"][host])["release"] == "r2"
    assert not (site["tmp"] / "api-2" / "releases" / "r3-broken").exists()
    assert manager_restarts(site) == 2


def test_an_unhealthy_host_stops_the_deploy_and_the_service_stays_up(site, tmp_path):
    # Starts on its own (the smoke start passes) but every PM2 worker dies: only the health check
    # after the reload can catch it.
    crashing = release_copy(
        tmp_path,
        "crashing",
        "if (process.env.NODE_APP_INSTANCE !== undefined) {\n"
        '  console.error("this release dies under PM2");\n'
        "  process.exit(1);\n"
        "}\n"
        'await import("./server.real.js");\n',
    )
    result = deploy(site["config"], "--release", "r3-crashing", "--source", str(crashing))
    assert result.returncode == 1
    assert "api-1 is unhealthy after deploying r3-crashing" in result.stderr
    assert "rolled back to r2 (healthy)" in result.stderr
    # api-1 serves the previous release again (every worker, also a while later); api-2 was never
    # touched; the manager either.
    time.sleep(2)
    assert {health(site["ports"]["api-1"])["release"] for _ in range(12)} == {"r2"}
    assert health(site["ports"]["api-2"])["release"] == "r2"
    assert os.readlink(site["tmp"] / "api-1" / "current") == "releases/r2"
    assert os.readlink(site["tmp"] / "api-2" / "current") == "releases/r2"
    assert manager_restarts(site) == 2


def test_breaking_migrations_are_refused_before_anything_changes(site, tmp_path):
    source = tmp_path / "breaking"
    subprocess.run(["cp", "-al", REPO, str(source)], check=True)
    migrations = source / "db" / "migrations"
    journal_path = migrations / "meta" / "_journal.json"
    journal = json.loads(journal_path.read_text())
    tag = "9999_drop_a_column"
    journal["entries"].append({**journal["entries"][-1], "idx": 9999, "tag": tag, "when": 4_102_444_800_000})
    journal_path.unlink()
    journal_path.write_text(json.dumps(journal))
    (migrations / f"{tag}.sql").write_text('ALTER TABLE "customers" DROP COLUMN "billing_month";\n')
    result = deploy(site["config"], "--release", "r4", "--source", str(source))
    assert result.returncode == 1
    assert "9999_drop_a_column (DROP COLUMN)" in result.stderr
    assert health(site["ports"]["api-1"])["release"] == "r2"
    assert not (site["tmp"] / "api-1" / "releases" / "r4").exists()


def test_dry_run_prints_the_plan_and_changes_nothing(site):
    result = deploy(site["config"], "--release", "r5", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "would run" in result.stdout and "nothing changed" in result.stdout
    assert not (site["tmp"] / "api-1" / "releases" / "r5").exists()
    assert health(site["ports"]["api-1"])["release"] == "r2"


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--config", "/nonexistent/hosts.toml", "--release", "x"], 2, "not found"),
        (["--release", "bad release!"], 2, "--release"),
        (["--source", "/nonexistent"], 2, "not a directory"),
        (["--bogus"], 2, "unrecognized arguments"),
    ],
)
def test_bad_arguments_are_refused(site, args, code, message):
    result = subprocess.run(
        [sys.executable, DEPLOY, *(["--config", site["config"]] if "--config" not in args else []), *args],
        capture_output=True,
        text=True,
    )
    assert result.returncode == code
    assert message in result.stderr


def test_the_manager_host_gets_the_release_but_no_pm2(site):
    assert os.readlink(site["tmp"] / "db-1" / "current") == "releases/r2"
    assert (site["tmp"] / "db-1" / "manager-release").read_text().strip() == "r2"
    assert not (site["tmp"] / "db-1" / "runtime").exists()
