"""Shared fixtures for the operations-script tests: scratch PostgreSQL databases (created through
TEST_DATABASE_URL, always named suiftly_test_ops_*, all dropped at the end of the session, also
after failures), a migrated and populated source database, a loopback S3 server (s3rver), and a
helper that runs a script as a process, the way an operator would."""

from __future__ import annotations

import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest

SCRIPTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REPO = os.path.dirname(SCRIPTS)
sys.path.insert(0, SCRIPTS)

from lib import pg  # noqa: E402

ADMIN_URL = os.environ.get("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres")
NODE = os.path.join(REPO, "node_modules", ".bin", "node")  # the pinned Node (package "node")
S3RVER = os.path.join(REPO, "node_modules", "s3rver", "bin", "s3rver.js")
DB_PREFIX = "suiftly_test_ops_"
CUSTOMERS = 40
LOG_ROWS = 3000


def script_env(**extra: str) -> dict:
    """The environment a script runs with: this one minus anything that could point it at real
    settings (S3 credentials and endpoints, SUIFTLY_* overrides), plus `extra`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "SUIFTLY_")) and key not in ("PGDATABASE", "PGSERVICE")
    }
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def run_script(name: str, *args, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, os.path.join(SCRIPTS, name), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env if env is not None else script_env(),
        cwd=REPO,
    )


class Databases:
    """Every database name handed out here (whether the test or a script creates it) is dropped
    when the session ends."""

    def __init__(self, admin_url: str):
        self.admin_url = admin_url
        self.names: list[str] = []

    def name(self, label: str) -> str:
        name = f"{DB_PREFIX}{secrets.token_hex(4)}_{label}"
        self.names.append(name)
        return name

    def url(self, name: str) -> str:
        return pg.with_database(self.admin_url, name)

    def create(self, label: str, template: str | None = None) -> str:
        name = self.name(label)
        sql = f"CREATE DATABASE {pg.quote_ident(name)}"
        if template:
            sql += f" TEMPLATE {pg.quote_ident(template)}"
        pg.psql(self.admin_url, sql)
        return self.url(name)

    def exists(self, name: str) -> bool:
        return pg.database_exists(self.admin_url, name)

    def drop(self, name: str) -> None:
        assert name.startswith(DB_PREFIX), name
        try:
            pg.drop_database(self.admin_url, name)
        except pg.PgError as error:  # keep dropping the others
            print(f"could not drop {name}: {error}", file=sys.stderr)

    def drop_all(self) -> None:
        """In parallel: every DROP DATABASE waits for a checkpoint, and concurrent drops share
        one instead of queueing for a checkpoint each."""
        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(self.drop, self.names))
        self.names.clear()


@pytest.fixture(scope="session")
def databases():
    try:
        pg.psql(ADMIN_URL, "select 1")
    except pg.PgError as error:
        pytest.fail(f"the ops tests need PostgreSQL at TEST_DATABASE_URL ({pg.redact(ADMIN_URL)}): {error}")
    registry = Databases(ADMIN_URL)
    try:
        yield registry
    finally:
        registry.drop_all()


# Realistic rows through the app's own columns (db/schema/*.ts): customers with their escrow
# accounts, a paid subscription invoice and its charge each, deposits, activity entries with
# awkward text and JSON, ingest batches, and HAProxy log lines spread over yesterday, today and
# tomorrow's daily partitions (created by `db:seed`; the later ones stay empty).
POPULATE_SQL = f"""
insert into customers (customer_id, wallet_address, status, spending_limit_cents, payment_overdue_since,
                       billing_month, seal_keys_created, suspended_at, last_login_at)
select 1000 + i * 7919,
       '0x' || md5('wallet' || i) || md5('wallet-b' || i),
       case when i % 10 = 0 then 'suspended' else 'active' end,
       200000 + (i % 5) * 50000,
       case when i % 10 = 0 then now() - interval '9 days' end,
       '2026-11', i % 4,
       case when i % 10 = 0 then now() - interval '2 days' end,
       now() - i * interval '37 minutes'
  from generate_series(1, {CUSTOMERS}) as i;

insert into escrow_accounts (customer_id, object_id, balance_cents, balance_refreshed_at, balance_version)
select customer_id, '0x' || md5('escrow' || customer_id) || md5('escrow-b' || customer_id),
       (customer_id % 997) * 1234, now(), customer_id % 50 + 1
  from customers;

insert into billing_records (customer_id, kind, status, idempotency_key, amount_cents, period_start, period_end,
                             attempt_count, last_attempt_at, paid_at, tx_digest)
select customer_id, 'subscription', 'paid', 'month:2026-11', 2900 + customer_id % 7 * 1000,
       '2026-11-01T00:00:00Z', '2026-12-01T00:00:00Z', 1, now(), now(), 'charge-' || md5(customer_id::text)
  from customers;

insert into escrow_transactions (customer_id, kind, amount_cents, tx_digest, invoice_id, balance_after_cents, executed_at)
select customer_id, 'charge', amount_cents, 'tx-' || md5('charge' || id), id, 50000, now() - interval '1 hour'
  from billing_records;

insert into escrow_transactions (customer_id, kind, amount_cents, tx_digest, balance_after_cents, executed_at)
select customer_id, 'deposit', 100000 + customer_id, 'tx-' || md5('deposit' || customer_id), 150000, now() - interval '3 days'
  from customers;

insert into activity_log (customer_id, kind, action, summary, details, actor_address, ip)
select customer_id, 'api_key', 'api_key.create',
       E'Created key "prod, eu" \\u2014 it''s (finally) here\\nsecond line; tab\\there',
       jsonb_build_object('service', 'seal', 'prefix', 'sfy_ab', 'note', 'quote " comma , paren )'),
       wallet_address, '198.51.100.' || (customer_id % 250)
  from customers;

insert into ingest_batches (source, row_count, min_ts, max_ts, metered_at)
select '/var/log/haproxy/suiftly-' || b || '.log', {LOG_ROWS // 3}, now() - interval '1 day', now(),
       case when b < 3 then now() end
  from generate_series(1, 3) as b;

insert into haproxy_logs (ts, region, server_id, service, customer_id, key_fp, client_ip, method, status,
                          bytes_in, bytes_out, t_total_ms, t_backend_ms, outcome, repeat, batch_id)
select date_trunc('day', now()) - interval '1 day' + i * interval '50 seconds',
       case when i % 2 = 0 then 'us-east-1' else 'eu-west-1' end,
       'edge-' || (i % 3),
       case when i % 4 = 0 then 'grpc' else 'seal' end,
       case when i % 25 = 0 then null else 1000 + (i % {CUSTOMERS} + 1) * 7919 end,
       case when i % 25 = 0 then null else substr(md5('key' || i % {CUSTOMERS}), 1, 16) end,
       '203.0.113.' || (i % 250),
       case when i % 5 = 0 then 'GET' else 'POST' end,
       case when i % 25 = 0 then 401 when i % 17 = 0 then 429 when i % 53 = 0 then 503 else 200 end,
       200 + i % 700, 1500 + (i * 37) % 9000, i % 120, case when i % 25 = 0 then -1 else i % 100 end,
       case when i % 25 = 0 then 'unauthorized' when i % 17 = 0 then 'ratelimited'
            when i % 53 = 0 then 'error' else 'ok' end,
       1 + (i % 7 = 0)::int,
       (select min(id) from ingest_batches) + i % 3
  from generate_series(1, {LOG_ROWS}) as i;
"""


@pytest.fixture(scope="session")
def source_db(databases) -> str:
    """A database migrated and seeded by the app's own commands, then populated."""
    url = databases.create("source")
    env = {**script_env(), "DATABASE_URL": url, "APP_ENV": "test", "LOG_LEVEL": "warn"}
    for command in ("migrate", "seed"):
        result = subprocess.run(
            [NODE, "db/cli.ts", command], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, f"db/cli.ts {command} failed:\n{result.stdout}\n{result.stderr}"
    pg.psql(url, POPULATE_SQL)
    return url


@dataclass
class S3:
    endpoint: str
    bucket: str
    client: object
    env: dict

    def names(self, prefix: str) -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return sorted(item["Key"] for item in listing.get("Contents", []))


@pytest.fixture(scope="session")
def s3(tmp_path_factory):
    """s3rver on 127.0.0.1 (an ephemeral port) over a temporary directory, with one bucket."""
    import boto3
    from botocore.config import Config as BotoConfig

    assert os.path.exists(S3RVER), "s3rver is missing: run npm install (it is a dev dependency)"
    data = tmp_path_factory.mktemp("s3rver")
    with S3rverProcess(data) as endpoint:
        credentials = {"AWS_ACCESS_KEY_ID": "S3RVER", "AWS_SECRET_ACCESS_KEY": "S3RVER"}
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name="auto",
            aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
            config=BotoConfig(
                signature_version="s3v4", s3={"addressing_style": "path"}, connect_timeout=5, read_timeout=30
            ),
        )
        client.create_bucket(Bucket="suiftly-backups")
        yield S3(endpoint, "suiftly-backups", client, script_env(**credentials, NO_PROXY="127.0.0.1,localhost"))


class S3rverProcess:
    """s3rver as a child process. Its output goes to a file, never a pipe (nothing can block on
    a full pipe or on a read that never returns); it asks the kernel for a free port (--port 0)
    and says which in its log line; we poll the log for that line, then the port until it
    accepts a connection, and give up with the log after START_TIMEOUT seconds. The server gets
    SIGTERM on exit (and SIGKILL if it lingers), and dies with the test run if that is killed."""

    START_TIMEOUT = 30.0
    LISTENING = re.compile(r"listening on (\S+):(\d+)")

    def __init__(self, directory):
        self.directory = str(directory)
        self.log_path = os.path.join(os.path.dirname(self.directory), "s3rver.log")
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> str:
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [NODE, S3RVER, "--directory", self.directory, "--address", "127.0.0.1", "--port", "0"],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO,
                preexec_fn=_die_with_parent,
            )
        try:
            return self._wait_until_listening()
        except BaseException:
            self._stop()
            raise

    def __exit__(self, *exc) -> None:
        self._stop()

    def _log(self) -> str:
        try:
            with open(self.log_path, errors="replace") as handle:
                return handle.read()[-2000:]
        except OSError:
            return ""

    def _wait_until_listening(self) -> str:
        deadline = time.monotonic() + self.START_TIMEOUT
        port = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"s3rver exited {self.process.returncode} while starting:\n{self._log()}")
            if port is None:
                match = self.LISTENING.search(self._log())
                port = int(match.group(2)) if match else None
            if port is not None:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=1):
                        return f"http://127.0.0.1:{port}"
                except OSError:
                    pass
            time.sleep(0.05)
        raise RuntimeError(
            f"s3rver did not accept connections within {self.START_TIMEOUT:.0f} s "
            f"(port {port or 'not announced'}); its output:\n{self._log()}"
        )

    def _stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def _load_prctl():
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()  # looked up here: the child between fork and exec must not import


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the test process dies (Linux prctl), so a killed
    run leaves no server behind. Best effort: without prctl it does nothing."""
    if _PRCTL is not None:
        _PRCTL(1, int(signal.SIGTERM))  # PR_SET_PDEATHSIG
