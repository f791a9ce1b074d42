#!/usr/bin/env python3
"""Back up the Suiftly database: one pg_dump (custom format, compressed) plus its manifest, into
a local directory or S3-compatible storage (Cloudflare R2), then prune backups past retention.

    scripts/backup.py [--config HOSTS.toml] [--destination DIR|s3://bucket/prefix]
                      [--database-url URL] [--retention-days N] [--dry-run]

Settings come from the hosts file (--config, default /etc/suiftly/hosts.toml when it exists:
[database] url, [backup] destination / retention_days / s3_endpoint / s3_region); the flags
override it. S3 credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; endpoint override:
SUIFTLY_S3_ENDPOINT. Large dumps bound for S3 are staged in TMPDIR (the systemd unit: /var/tmp).
A local destination is locked for the run (a second run at the same time exits 1).

What it does, in order:
  1. opens a REPEATABLE READ, READ ONLY transaction on the database and exports its snapshot;
  2. runs `pg_dump --format=custom --snapshot=<that snapshot>` while, in the same transaction,
     it counts and checksums every table (see scripts/lib/pg.py), so the manifest describes
     exactly the rows in the dump;
  3. stores suiftly-<UTC timestamp>.dump, then suiftly-<UTC timestamp>.json (size, SHA-256,
     created_at, database, server version, per-table rows and checksums) beside it;
  4. deletes the backups (dump and manifest) whose timestamp is more than retention_days old,
     never the one just made.

Exit status: 0 done; 1 a step failed (the message says which; a dump whose manifest could not be
stored is deleted again); 2 bad arguments or settings. --dry-run connects read-only, prints the
plan and what would be pruned, and changes nothing. Rerunning is always safe: every run makes a
new, complete backup or leaves nothing behind.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lib import pg, storage  # noqa: E402
from lib.config import BackupSettings, Config  # noqa: E402
from lib.runner import fail, say  # noqa: E402

MANIFEST_FORMAT = 1
COMPRESSION_LEVEL = "6"
LOCK_WAIT_TIMEOUT = "60s"


class BackupFailed(Exception):
    """An expected failure: reported as one message, exit 1."""


@dataclass
class Plan:
    database_url: str
    destination: str
    retention_days: int
    config: Config | None
    dry_run: bool


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of days (1 or more)")
    return value


def parse_args(argv: list[str] | None) -> Plan:
    parser = argparse.ArgumentParser(
        prog="backup.py",
        description="Dump the Suiftly database (snapshot-consistent, with a manifest of row counts and "
        "checksums) to a directory or S3, then prune backups past retention.",
    )
    parser.add_argument(
        "--config", metavar="HOSTS.toml", help=f"hosts file (default {storage.DEFAULT_CONFIG} when it exists)"
    )
    parser.add_argument(
        "--destination", metavar="DIR|s3://bucket/prefix", help="where backups go (default: [backup] destination)"
    )
    parser.add_argument("--database-url", metavar="URL", help="database to back up (default: [database] url)")
    parser.add_argument(
        "--retention-days",
        type=positive_int,
        metavar="N",
        help="delete backups older than N days "
        f"(default: [backup] retention_days, else {BackupSettings().retention_days})",
    )
    parser.add_argument("--dry-run", action="store_true", help="print the plan; change nothing")
    args = parser.parse_args(argv)

    config = storage.settings_argument(parser, args.config)
    database_url = args.database_url or (config.database_url if config else os.environ.get("SUIFTLY_DATABASE_URL"))
    if not database_url:
        parser.error("no database: pass --database-url or --config (or set SUIFTLY_DATABASE_URL)")
    try:
        pg.check_url(database_url)
    except ValueError as error:
        parser.error(f"database URL: {error}")
    destination = storage.location_argument(parser, args.destination, config, "destination")
    default_retention = config.backup.retention_days if config else BackupSettings().retention_days
    retention_days = args.retention_days or default_retention
    return Plan(database_url, destination, retention_days, config, args.dry_run)


# --- the dump ----------------------------------------------------------------------------------


def dump_in_one_snapshot(database_url: str, dump_path: str) -> dict:
    """pg_dump into dump_path and count/checksum every table, both in one exported snapshot.
    Returns the manifest's database part."""
    conninfo, env = pg.client_args(database_url)
    with pg.Session(database_url) as session:
        session.query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        pg.prepare_for_checksums(session)
        snapshot = session.value("select pg_catalog.pg_export_snapshot()")
        facts = pg.server_facts(session)
        tables = pg.list_tables(session)
        argv = [
            "pg_dump",
            "--no-password",
            "--format=custom",
            f"--compress={COMPRESSION_LEVEL}",
            f"--snapshot={snapshot}",
            f"--lock-wait-timeout={LOCK_WAIT_TIMEOUT}",
            f"--file={dump_path}",
            f"--dbname={conninfo}",
        ]
        say(f"  pg_dump --format=custom --compress={COMPRESSION_LEVEL} --snapshot={snapshot} → {dump_path}")
        with tempfile.TemporaryFile(mode="w+") as errors:
            try:
                dump = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=errors, env=env)
            except FileNotFoundError as error:
                raise BackupFailed("pg_dump is not installed (postgresql-client)") from error
            try:
                # pg_dump holds ACCESS SHARE on every table while it runs; these queries read the
                # same snapshot, so they see exactly the rows it writes.
                checksums = pg.table_checksums(session, tables)
                code = dump.wait()
            finally:
                if dump.poll() is None:
                    dump.kill()
                    dump.wait()
            if code != 0:
                errors.seek(0)
                raise BackupFailed(f"pg_dump exited {code}: {pg.last_lines(errors.read())}")
        session.query("COMMIT")
    return {
        "database": facts["database"],
        "server_version": facts["server_version"],
        "server_version_num": facts["server_version_num"],
        "encoding": facts["encoding"],
        "pg_dump_version": pg.tool_version("pg_dump"),
        "snapshot": snapshot,
        "checksum_method": pg.CHECKSUM_METHOD,
        "tables": checksums,
    }


def new_stem(existing: set[str]) -> tuple[str, datetime]:
    """A name no backup in the destination has (two runs in one second wait for the next)."""
    while True:
        now = datetime.now(UTC).replace(microsecond=0)
        stem = storage.stem_at(now)
        if stem not in existing:
            return stem, now
        time.sleep(1.0 - datetime.now(UTC).microsecond / 1e6 + 0.01)


def expired(backups: list[storage.Backup], now: datetime, retention_days: int, keep: str | None) -> list:
    cutoff = now - timedelta(days=retention_days)
    return [backup for backup in backups if backup.created < cutoff and backup.stem != keep]


def prune(store, now: datetime, retention_days: int, keep: str) -> list[str]:
    deleted = []
    for backup in expired(storage.list_backups(store), now, retention_days, keep):
        # Manifest first: an interrupted prune leaves an incomplete backup, never a manifest
        # that promises a dump which is gone.
        for name in sorted(backup.names, key=lambda name: not name.endswith(".json")):
            store.delete(name)
            deleted.append(name)
    return deleted


def run(plan: Plan) -> int:
    store = storage.open_storage(plan.destination, plan.config)
    if plan.dry_run:
        return dry_run(plan, store)
    os.umask(0o077)  # dumps hold customer data: readable by the backup user only
    store.prepare()
    with store.lock():
        return backup_and_prune(plan, store)


def backup_and_prune(plan: Plan, store) -> int:
    started = time.monotonic()
    for name in store.remove_leftovers():
        say(f"removed leftover {store.describe(name)} of an interrupted run")
    stem, created = new_stem({backup.stem for backup in storage.list_backups(store)})
    dump_name, manifest_name = storage.dump_name(stem), storage.manifest_name(stem)
    say(f"backing up {pg.redact(plan.database_url)} to {store.describe(dump_name)}")

    with tempfile.TemporaryDirectory(prefix=".suiftly-backup-", dir=store.staging_dir()) as work:
        dump_path = os.path.join(work, dump_name)
        database = dump_in_one_snapshot(plan.database_url, dump_path)
        size, sha256 = storage.file_digest(dump_path)
        manifest = {
            "format": MANIFEST_FORMAT,
            "name": dump_name,
            "created_at": created.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "size": size,
            "sha256": sha256,
            **database,
        }
        store.put_file(dump_path, dump_name)
        try:
            store.put_bytes((json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode(), manifest_name)
        except BaseException:
            try:
                store.delete(dump_name)
            except storage.StorageError as error:
                say(f"warning: could not delete the dump without a manifest: {error}")
            raise

    tables = manifest["tables"]
    rows = sum(entry["rows"] for entry in tables.values())
    say(
        f"stored {store.describe(dump_name)} and {manifest_name}: {size:,} bytes, sha256 {sha256}, "
        f"{len(tables)} tables, {rows:,} rows ({time.monotonic() - started:.1f} s)"
    )
    try:
        deleted = prune(store, created, plan.retention_days, keep=stem)
    except storage.StorageError as error:
        raise BackupFailed(f"backup {stem} is stored, but pruning old backups failed: {error}") from error
    if deleted:
        say(f"pruned {len(deleted)} file(s) older than {plan.retention_days} days: {', '.join(deleted)}")
    else:
        say(f"nothing older than {plan.retention_days} days to prune")
    return 0


def dry_run(plan: Plan, store) -> int:
    say("dry run: nothing will be changed")
    store.check()
    url = plan.database_url
    facts = pg.psql(
        url,
        "select current_setting('server_version') || '|' || pg_catalog.pg_database_size(current_database())",
    ).strip()
    version, size = facts.split("|")
    with pg.Session(url) as session:
        tables = pg.list_tables(session)
    now = datetime.now(UTC).replace(microsecond=0)
    stem = storage.stem_at(now)
    say(f"would dump     {pg.redact(url)} (PostgreSQL {version}, {len(tables)} tables, {int(size):,} bytes on disk)")
    say(f"with           pg_dump --format=custom --compress={COMPRESSION_LEVEL} --snapshot=<exported snapshot>")
    directory_note = "" if store.ready() else "  (directory would be created)"
    say(f"to             {store.describe(storage.dump_name(stem))} + {storage.manifest_name(stem)}{directory_note}")
    backups = storage.list_backups(store)
    old = expired(backups, now, plan.retention_days, keep=None)
    say(f"existing       {len(backups)} backup(s) in {store.describe()}")
    if old:
        for backup in old:
            say(f"would prune    {', '.join(backup.names)} (older than {plan.retention_days} days)")
    else:
        say(f"would prune    nothing (none older than {plan.retention_days} days)")
    return 0


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # clean up temporary files on stop
    try:
        return run(plan)
    except (BackupFailed, pg.PgError, storage.StorageError) as error:
        return fail(f"backup failed: {error}")
    except OSError as error:  # local disk: full, read-only, permissions
        return fail(f"backup failed: {error}")
    except KeyboardInterrupt:
        return fail("backup interrupted", 130)


if __name__ == "__main__":
    sys.exit(main())
