"""backup.py and restore.py for real: pg_dump/pg_restore against scratch PostgreSQL databases,
a local directory and a loopback S3 server (s3rver). Every database is dropped at the end."""

from __future__ import annotations

import configparser
import fcntl
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import time
from datetime import UTC, datetime, timedelta

import pytest
from conftest import ADMIN_URL, CUSTOMERS, LOG_ROWS, SCRIPTS, run_script, script_env

from lib import pg, storage
from lib.config import BackupSettings

STAMP = storage.STAMP_FORMAT


def stem_days_ago(days: float) -> str:
    return storage.stem_at(datetime.now(UTC) - timedelta(days=days))


def backups_in(directory) -> list[str]:
    return sorted(name for name in os.listdir(directory) if storage.NAME_RE.match(name))


def count(url: str, table: str) -> int:
    return int(pg.psql(url, f"select count(*) from {table}").strip())


def independent_digest(url: str, table: str) -> str:
    """The textbook order-independent checksum, computed without lib.pg's method."""
    sql = (
        "set timezone = 'UTC'; "
        f"select md5(coalesce(string_agg(md5(t::text), '' order by md5(t::text)), '')) from {table} t"
    )
    return pg.psql(url, sql).strip()


def write_hosts(tmp_path, database_url: str, destination: str, **backup) -> str:
    lines = [
        "[database]",
        f'url = "{database_url}"',
        "[backup]",
        f'destination = "{destination}"',
        *(f"{key} = {json.dumps(value)}" for key, value in backup.items()),
        "[[hosts]]",
        'name = "db-1"',
        'address = "localhost"',
        'roles = ["db"]',
    ]
    path = tmp_path / "hosts.toml"
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def assert_ok(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="module")
def local_backup(source_db, tmp_path_factory) -> str:
    """One backup of the source database in a local directory (returned)."""
    directory = tmp_path_factory.mktemp("backups") / "suiftly"
    assert_ok(run_script("backup.py", "--destination", directory, "--database-url", source_db))
    return str(directory)


def copy_of(directory: str, tmp_path) -> str:
    target = tmp_path / "copy"
    shutil.copytree(directory, target)
    return str(target)


def test_a_local_backup_restores_into_a_new_database_with_identical_tables(source_db, local_backup, databases):
    [dump, manifest_file] = backups_in(local_backup)
    assert dump.endswith(".dump") and manifest_file == dump.replace(".dump", ".json")
    assert oct(os.stat(os.path.join(local_backup, dump)).st_mode & 0o777) == "0o600"
    manifest = json.loads(open(os.path.join(local_backup, manifest_file)).read())
    data = open(os.path.join(local_backup, dump), "rb").read()
    assert data[:5] == b"PGDMP"  # pg_dump custom format
    assert manifest["size"] == len(data) and manifest["sha256"] == hashlib.sha256(data).hexdigest()
    assert manifest["database"] == pg.database_name(source_db)
    assert manifest["server_version_num"] >= 150000
    datetime.strptime(manifest["created_at"], "%Y-%m-%dT%H:%M:%SZ")

    # The manifest describes the source as it is (nothing wrote to it since).
    tables = manifest["tables"]
    assert tables == pg.checksums_of(source_db)
    assert tables["public.customers"]["rows"] == CUSTOMERS == count(source_db, "public.customers")
    assert tables["public.escrow_accounts"]["rows"] == CUSTOMERS
    assert tables["public.escrow_transactions"]["rows"] == 2 * CUSTOMERS
    # haproxy_logs is counted through its daily partitions, never through the parent as well.
    assert "public.haproxy_logs" not in tables
    partitions = {name: entry for name, entry in tables.items() if entry.get("partition_of") == "public.haproxy_logs"}
    assert len(partitions) >= 9 and all(name.startswith("public.haproxy_logs_p") for name in partitions)
    assert sum(entry["rows"] for entry in partitions.values()) == LOG_ROWS == count(source_db, "public.haproxy_logs")
    assert sum(1 for entry in partitions.values() if entry["rows"]) >= 2

    target = databases.name("restored")
    result = run_script("restore.py", "--backup", "latest", "--source", local_backup, "--target", databases.url(target))
    assert_ok(result)
    assert "every count and checksum matches" in result.stdout
    assert "public.haproxy_logs [" in result.stdout  # partitions rolled up in the summary

    restored = databases.url(target)
    assert pg.checksums_of(restored) == tables
    for table in ("public.customers", "public.escrow_accounts", "public.activity_log", "public.haproxy_logs"):
        assert independent_digest(restored, table) == independent_digest(source_db, table), table
    # Restored as a working database: partitioning, sequences and constraints came back.
    assert pg.psql(restored, "select relkind from pg_class where relname = 'haproxy_logs'").strip() == "p"
    pg.psql(
        restored,
        "insert into haproxy_logs (ts, region, server_id, service, client_ip, method, status, bytes_in, bytes_out,"
        " t_total_ms, t_backend_ms, outcome, batch_id) values (now(), 'r', 's', 'seal', '192.0.2.1', 'GET', 200,"
        " 1, 1, 1, 1, 'ok', 1)",
    )
    assert int(pg.psql(restored, "select max(id) from haproxy_logs").strip()) == LOG_ROWS + 1


def test_a_backup_to_s3_prunes_only_expired_objects_and_restores(source_db, databases, s3, tmp_path):
    prefix = "prod"
    old, older, recent = stem_days_ago(31), stem_days_ago(400), stem_days_ago(29)
    keep_unrelated = [f"{prefix}/notes.txt", f"{prefix}/archive/{older}.dump", f"other/{old}.dump"]
    for key in [f"{prefix}/{stem}.{ext}" for stem in (old, older, recent) for ext in ("dump", "json")] + [
        f"{prefix}/{stem_days_ago(45)}.json",  # a manifest whose dump is already gone
        *keep_unrelated,
    ]:
        s3.client.put_object(Bucket=s3.bucket, Key=key, Body=b"not a real backup")

    hosts = write_hosts(
        tmp_path, source_db, f"s3://{s3.bucket}/{prefix}", s3_endpoint=s3.endpoint, retention_days=30
    )
    result = run_script("backup.py", "--config", hosts, env=s3.env)
    assert_ok(result)
    assert "pruned 5 file(s)" in result.stdout

    remaining = s3.names("")
    new = [key for key in remaining if key.startswith(f"{prefix}/suiftly-") and recent not in key]
    assert len(new) == 2 and new[0].endswith(".dump") and new[1].endswith(".json")
    stem = new[0][len(prefix) + 1 : -len(".dump")]
    assert sorted(remaining) == sorted([*new, f"{prefix}/{recent}.dump", f"{prefix}/{recent}.json", *keep_unrelated])
    manifest = json.loads(s3.client.get_object(Bucket=s3.bucket, Key=new[1])["Body"].read())
    body = s3.client.get_object(Bucket=s3.bucket, Key=new[0])["Body"].read()
    assert manifest["sha256"] == hashlib.sha256(body).hexdigest() and manifest["size"] == len(body)

    target = databases.name("from_s3")
    result = run_script("restore.py", "--config", hosts, "--backup", stem, "--target", databases.url(target), env=s3.env)
    assert_ok(result)
    assert pg.checksums_of(databases.url(target)) == manifest["tables"] == pg.checksums_of(source_db)


def test_s3_without_credentials_fails_before_dumping(source_db, s3, tmp_path):
    hosts = write_hosts(tmp_path, source_db, f"s3://{s3.bucket}/nocreds", s3_endpoint=s3.endpoint)
    result = run_script("backup.py", "--config", hosts, env=script_env())
    assert result.returncode == 1
    assert "AWS_ACCESS_KEY_ID" in result.stderr and "Traceback" not in result.stderr
    assert s3.names("nocreds/") == []


def test_a_missing_bucket_fails_before_dumping_also_in_a_dry_run(source_db, s3, tmp_path):
    hosts = write_hosts(tmp_path, source_db, "s3://no-such-bucket/prod", s3_endpoint=s3.endpoint)
    for extra in ([], ["--dry-run"]):
        result = run_script("backup.py", "--config", hosts, *extra, env=s3.env)
        assert result.returncode == 1, result
        assert "bucket no-such-bucket does not exist" in result.stderr and "Traceback" not in result.stderr
        assert "would dump" not in result.stdout


def test_retention_deletes_only_local_backups_past_it(source_db, tmp_path):
    destination = tmp_path / "backups"
    destination.mkdir()
    expired = [stem_days_ago(30.01), stem_days_ago(90)]
    kept = [stem_days_ago(29.9), stem_days_ago(1.5)]
    for stem in expired + kept:
        (destination / f"{stem}.dump").write_bytes(b"dump")
        (destination / f"{stem}.json").write_text("{}")
    (destination / f"{stem_days_ago(60)}.dump").write_bytes(b"a dump without its manifest")
    (destination / "README.txt").write_text("not a backup")
    hosts = write_hosts(tmp_path, source_db, str(destination), retention_days=30)

    result = run_script("backup.py", "--config", hosts)
    assert_ok(result)
    names = set(os.listdir(destination))
    for stem in expired:
        assert f"{stem}.dump" not in names and f"{stem}.json" not in names
    for stem in kept:
        assert f"{stem}.dump" in names and f"{stem}.json" in names
    assert "README.txt" in names and f"{stem_days_ago(60)}.dump" not in names
    assert len(backups_in(destination)) == 2 * len(kept) + 2  # plus the new one

    # Rerunning makes another complete backup; a shorter retention (the flag overrides the hosts
    # file) prunes more, and never the backups just made.
    first = {name for name in backups_in(destination) if name.rsplit(".", 1)[0] not in kept}
    assert_ok(run_script("backup.py", "--config", hosts, "--retention-days", "1"))
    names = backups_in(destination)
    assert first < set(names) and len(names) == 4
    assert {name.rsplit(".", 1)[0] for name in names}.isdisjoint(kept)
    assert not [name for name in os.listdir(destination) if name.startswith(".")]  # no leftovers


def test_restore_refuses_a_non_empty_target_and_leaves_it_alone(local_backup, databases):
    target = databases.create("not_empty")
    pg.psql(target, "create table notes (id int primary key, body text); insert into notes values (1, 'keep me')")
    before = pg.checksums_of(target)
    result = run_script("restore.py", "--backup", "latest", "--source", local_backup, "--target", target)
    assert result.returncode == 1
    assert "is not empty" in result.stderr and "public.notes" in result.stderr
    assert "Traceback" not in result.stderr
    assert pg.checksums_of(target) == before
    assert pg.user_relations(target) == ["public.notes"]


def test_restore_refuses_a_tampered_dump_and_changes_nothing(local_backup, databases, tmp_path):
    source = copy_of(local_backup, tmp_path)
    dump = os.path.join(source, backups_in(source)[0])
    data = bytearray(open(dump, "rb").read())
    data[len(data) // 2] ^= 0xFF  # same size, different content
    open(dump, "wb").write(bytes(data))

    target = databases.name("tampered")
    result = run_script("restore.py", "--backup", "latest", "--source", source, "--target", databases.url(target))
    assert result.returncode == 1
    assert "does not match its manifest" in result.stderr and "sha256" in result.stderr
    assert not databases.exists(target)

    # An existing empty target stays empty too; a truncated dump is caught by its size.
    empty = databases.create("tampered_empty")
    open(dump, "wb").write(bytes(data[:-10]))
    result = run_script("restore.py", "--backup", "latest", "--source", source, "--target", empty)
    assert result.returncode == 1 and "manifest says" in result.stderr
    assert pg.user_relations(empty) == []


def test_restore_reports_tables_that_differ_from_the_manifest(local_backup, databases, tmp_path):
    source = copy_of(local_backup, tmp_path)
    manifest_path = os.path.join(source, backups_in(source)[1])
    manifest = json.loads(open(manifest_path).read())
    manifest["tables"]["public.customers"]["checksum"] = "0" * 32
    manifest["tables"]["public.escrow_accounts"]["rows"] += 1
    open(manifest_path, "w").write(json.dumps(manifest))

    target = databases.name("mismatch")
    result = run_script("restore.py", "--backup", "latest", "--source", source, "--target", databases.url(target))
    assert result.returncode == 1
    assert "verification failed: 2 table(s)" in result.stderr
    assert "MISMATCH public.customers: checksum" in result.stdout
    assert f"MISMATCH public.escrow_accounts: {CUSTOMERS} rows, the backup has {CUSTOMERS + 1}" in result.stdout
    assert databases.exists(target)  # kept for inspection


def test_the_manifest_is_taken_in_the_dump_s_snapshot_while_writes_go_on(source_db, databases, tmp_path):
    """Rows committed while the backup runs are in neither the dump nor the manifest: the restore
    of a backup taken under constant writes still matches its manifest exactly."""
    busy = databases.create("busy", template=pg.database_name(source_db))
    writer_sql = """
        do $$
        declare i int := 0;
        begin
          loop
            i := i + 1;
            insert into customers (customer_id, wallet_address)
              values (2000000 + i, '0x' || md5('busy' || i) || md5('busy-b' || i));
            insert into haproxy_logs (ts, region, server_id, service, customer_id, client_ip, method, status,
                                      bytes_in, bytes_out, t_total_ms, t_backend_ms, outcome, batch_id)
              values (now(), 'us-east-1', 'edge-0', 'seal', 2000000 + i, '203.0.113.9', 'POST', 200, 10, 20, 3, 2, 'ok', 1);
            commit;
            perform pg_sleep(0.002);  -- a steady trickle: a few hundred rows a second, not a flood
            exit when i >= 1000000;
          end loop;
        end $$;
    """
    conninfo, env = pg.client_args(busy)
    env["PGAPPNAME"] = "suiftly-test-writer"
    writer = subprocess.Popen(
        ["psql", "-X", "-q", "-d", conninfo, "-c", "set synchronous_commit = off", "-c", writer_sql],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        before = count(busy, "customers")
        for _ in range(200):  # until the writer is visibly committing
            if count(busy, "customers") > before:
                break
            assert writer.poll() is None, "the writer stopped before writing anything"
            time.sleep(0.05)
        else:
            pytest.fail("the writer committed nothing in 10 s")
        destination = tmp_path / "busy"
        assert_ok(run_script("backup.py", "--destination", destination, "--database-url", busy))
    finally:
        pg.psql(
            ADMIN_URL,
            "select pg_cancel_backend(pid) from pg_stat_activity where application_name = 'suiftly-test-writer'",
        )
        try:
            writer.wait(timeout=30)
        except subprocess.TimeoutExpired:
            writer.kill()
            writer.wait()
    after = count(busy, "customers")
    manifest = json.loads((destination / backups_in(destination)[1]).read_text())
    in_backup = manifest["tables"]["public.customers"]["rows"]
    assert before < in_backup < after, (before, in_backup, after)  # writes went on before and after the snapshot
    logs_in_backup = sum(e["rows"] for e in manifest["tables"].values() if e.get("partition_of"))
    assert logs_in_backup - LOG_ROWS == in_backup - CUSTOMERS  # the same transactions in both tables

    target = databases.name("busy_restored")
    result = run_script("restore.py", "--backup", "latest", "--source", destination, "--target", databases.url(target))
    assert_ok(result)


def test_dry_runs_change_nothing(source_db, local_backup, databases, tmp_path):
    destination = copy_of(local_backup, tmp_path)
    old = stem_days_ago(40)
    for ext in ("dump", "json"):
        open(os.path.join(destination, f"{old}.{ext}"), "w").write("old")
    before = {name: os.stat(os.path.join(destination, name)).st_mtime_ns for name in os.listdir(destination)}

    result = run_script("backup.py", "--destination", destination, "--database-url", source_db, "--dry-run")
    assert_ok(result)
    assert "dry run" in result.stdout and "would dump" in result.stdout
    assert f"would prune    {old}.dump, {old}.json" in result.stdout
    assert {name: os.stat(os.path.join(destination, name)).st_mtime_ns for name in os.listdir(destination)} == before

    missing = tmp_path / "not-yet"
    result = run_script("backup.py", "--destination", missing, "--database-url", source_db, "--dry-run")
    assert_ok(result)
    assert "directory would be created" in result.stdout and not missing.exists()

    target = databases.name("dry")
    result = run_script(
        "restore.py", "--backup", "latest", "--source", destination, "--target", databases.url(target), "--dry-run"
    )
    assert_ok(result)
    assert "would create   database" in result.stdout and not databases.exists(target)
    # A dry run still refuses what the real run would refuse.
    result = run_script("restore.py", "--backup", "latest", "--source", destination, "--target", source_db, "--dry-run")
    assert result.returncode == 1 and "is not empty" in result.stderr


URL = "postgres://postgres@127.0.0.1:5432/suiftly_test_ops_never_created"


@pytest.mark.parametrize(
    "script, args, message",
    [
        ("backup.py", ["--bogus"], "unrecognized arguments"),
        ("backup.py", ["--dry-run", "extra"], "unrecognized arguments"),
        ("backup.py", ["--destination", "ftp://host/x", "--database-url", URL], "a directory or s3://"),
        ("backup.py", ["--destination", "s3://", "--database-url", URL], "no valid bucket"),
        ("backup.py", ["--destination", "/tmp/x", "--database-url", "mysql://h/db"], "not a postgres:// URL"),
        ("backup.py", ["--config", "/nonexistent/hosts.toml"], "not found"),
        ("backup.py", ["--destination", "/tmp/x"], "no database"),
        ("backup.py", ["--destination", "/tmp/x", "--database-url", URL, "--retention-days", "0"], "1 or more"),
        ("backup.py", ["--destination", "/tmp/x", "--database-url", URL, "--retention-days", "x"], "1 or more"),
        ("restore.py", [], "required: --backup, --target"),
        ("restore.py", ["--backup", "latest"], "required: --target"),
        ("restore.py", ["--backup", "yesterday", "--target", URL, "--source", "/tmp"], "not a backup name"),
        ("restore.py", ["--backup", "suiftly-20261399T000000Z", "--target", URL, "--source", "/tmp"], "impossible"),
        ("restore.py", ["--backup", "latest", "--target", "postgres://h/template1", "--source", "/tmp"], "will not"),
        ("restore.py", ["--backup", "latest", "--target", "postgres://h", "--source", "/tmp"], "names no database"),
        ("restore.py", ["--backup", "latest", "--target", URL], "no source"),
        ("restore.py", ["--backup", "latest", "--target", URL, "--source", "gs://bucket/x"], "a directory or s3://"),
        ("restore.py", ["--backup", "latest", "--target", URL, "--config", "/nonexistent.toml"], "not found"),
    ],
)
def test_bad_arguments_exit_2_with_usage(script, args, message):
    if args == ["--destination", "/tmp/x"] and os.path.exists(storage.DEFAULT_CONFIG):
        pytest.skip(f"{storage.DEFAULT_CONFIG} exists here and supplies the database")
    result = run_script(script, *args)
    assert result.returncode == 2, result
    assert result.stderr.startswith("usage:") and message in result.stderr, result.stderr


def test_an_unknown_or_incomplete_backup_is_not_found(local_backup, databases, tmp_path):
    target = databases.name("unknown")
    url = databases.url(target)
    result = run_script("restore.py", "--backup", "suiftly-20000101T000000Z", "--source", local_backup, "--target", url)
    assert result.returncode == 1
    assert "backup suiftly-20000101T000000Z not found" in result.stderr and "newest: suiftly-" in result.stderr

    empty = tmp_path / "empty"
    empty.mkdir()
    result = run_script("restore.py", "--backup", "latest", "--source", empty, "--target", url)
    assert result.returncode == 1 and "no complete backup" in result.stderr

    stem = stem_days_ago(1)
    (empty / f"{stem}.dump").write_bytes(b"a dump whose manifest never arrived")
    result = run_script("restore.py", "--backup", f"{stem}.dump", "--source", empty, "--target", url)
    assert result.returncode == 1 and "incomplete (its manifest is missing)" in result.stderr
    assert not databases.exists(target)
    assert all("Traceback" not in text for text in (result.stdout, result.stderr))


def test_a_second_run_on_a_locked_directory_exits_1_and_writes_nothing(source_db, tmp_path):
    destination = tmp_path / "locked"
    destination.mkdir()
    fd = os.open(destination, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # what a running backup holds
        result = run_script("backup.py", "--destination", destination, "--database-url", source_db)
    finally:
        os.close(fd)
    assert result.returncode == 1 and "another backup is running" in result.stderr, result
    assert os.listdir(destination) == []


def test_urls_keep_their_server_and_options_when_the_database_changes():
    socket_url = "postgres:///suiftly?host=/var/run/postgresql"
    assert pg.with_database(socket_url, "postgres") == "postgres:///postgres?host=%2Fvar%2Frun%2Fpostgresql"
    assert pg.database_name(socket_url) == "suiftly"
    secret = "postgres://app:s%3Acret@db:5433/suiftly?sslmode=require"
    assert pg.with_database(secret, "x y") == "postgres://app:s%3Acret@db:5433/x%20y?sslmode=require"
    assert pg.redact(secret) == "postgres://app:***@db:5433/suiftly?sslmode=require"
    conninfo, env = pg.client_args(secret)
    assert "s%3Acret" not in conninfo and env["PGPASSWORD"] == "s:cret"
    assert pg.database_name("postgres://h/path?dbname=other") == "other"  # libpq: the option wins


# --- the schedule: systemd units, and the cron line for hosts without systemd ----------------

SYSTEMD = os.path.join(SCRIPTS, "systemd")


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str  # keys are case-sensitive
    parser.read(os.path.join(SYSTEMD, name))
    return parser


def test_the_backup_service_is_a_hardened_oneshot_and_the_timer_runs_it_daily():
    service = unit("suiftly-backup.service")["Service"]
    assert service["Type"] == "oneshot" and service["User"] == "postgres"
    assert service["ProtectSystem"] == "strict" and service["NoNewPrivileges"] == "yes"
    assert service["PrivateTmp"] == "yes" and service["ProtectHome"] == "yes"
    assert service["EnvironmentFile"].lstrip("-") == "/etc/suiftly/backup.env"
    assert service["ReadWritePaths"].lstrip("-") == BackupSettings().destination
    assert "scripts/backup.py --config /etc/suiftly/hosts.toml" in service["ExecStart"]
    timer = unit("suiftly-backup.timer")
    assert timer["Timer"]["Persistent"] == "true" and timer["Timer"]["RandomizedDelaySec"]
    assert timer["Timer"]["Unit"] == "suiftly-backup.service"
    assert timer["Install"]["WantedBy"] == "timers.target"
    analyze = shutil.which("systemd-analyze")
    if analyze:
        calendar = subprocess.run([analyze, "calendar", timer["Timer"]["OnCalendar"]], capture_output=True, text=True)
        assert calendar.returncode == 0, calendar.stderr
        units = [os.path.join(SYSTEMD, name) for name in ("suiftly-backup.service", "suiftly-backup.timer")]
        verify = subprocess.run([analyze, "verify", "--man=no", *units], capture_output=True, text=True, cwd="/")
        # Paths of a release that is not installed here are fine; anything else is a real complaint.
        complaints = [
            line
            for line in (verify.stdout + verify.stderr).splitlines()
            if line and "is not executable" not in line and "No such file" not in line
        ]
        assert complaints == []


def test_the_cron_entry_runs_the_same_backup_as_valid_shell():
    lines = [
        line
        for line in open(os.path.join(SYSTEMD, "suiftly-backup.cron")).read().splitlines()
        if line.strip() and not line.startswith("#") and "=" not in line.split()[0]
    ]
    assert len(lines) == 1
    fields = lines[0].split(None, 6)
    minute, hour, day, month, weekday, user, command = fields
    assert (day, month, weekday) == ("*", "*", "*") and int(minute) < 60 and int(hour) < 24
    assert user == "postgres" and "%" not in command  # % is a newline to cron
    assert "scripts/backup.py --config /etc/suiftly/hosts.toml" in command and "flock -n" in command
    syntax = subprocess.run(["sh", "-n", "-c", command], capture_output=True, text=True)
    assert syntax.returncode == 0, syntax.stderr
    assert shlex.split(command)  # balanced quotes
