#!/usr/bin/env python3
"""Restore a Suiftly backup into a new (or empty) database and prove it is the backup.

    scripts/restore.py --backup NAME|latest --target DATABASE_URL
                       [--config HOSTS.toml] [--source DIR|s3://bucket/prefix] [--dry-run]

NAME is suiftly-YYYYMMDDTHHMMSSZ (with or without .dump); `latest` is the newest complete backup.
The source defaults to the hosts file's [backup] destination (--config, default
/etc/suiftly/hosts.toml when it exists).

In order, stopping at the first problem:
  1. finds the backup and reads its manifest (a dump without one is incomplete: never restored);
  2. refuses a target database that has any table, view or sequence outside the system schemas;
  3. fetches the dump and checks its size and SHA-256 against the manifest;
  4. creates the target database if it does not exist (through the same server's `postgres`
     database, from template0, in the backup's encoding);
  5. `pg_restore --no-owner --exit-on-error --single-transaction` into it (a failed restore leaves
     an existing target empty, and drops a target this run created);
  6. counts and checksums every table (scripts/lib/pg.py) and compares them with the manifest,
     then ANALYZEs; prints a summary.

Nothing changes before step 4, so a refused target or a corrupt dump leaves everything as it was.
Exit status: 0 restored and verified; 1 not found, refused, corrupt, failed or verification
mismatch (the restored database is kept for inspection); 2 bad arguments. --dry-run does steps 1–2,
compares the stored dump's size with the manifest, prints the plan and changes nothing.
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from lib import pg, storage  # noqa: E402
from lib.config import Config  # noqa: E402
from lib.runner import fail, say  # noqa: E402


class RestoreFailed(Exception):
    """An expected failure: reported as one message, exit 1."""


@dataclass
class Plan:
    backup: str  # a stem, or "latest"
    target_url: str
    source: str
    config: Config | None
    dry_run: bool


def parse_args(argv: list[str] | None) -> Plan:
    parser = argparse.ArgumentParser(
        prog="restore.py",
        description="Restore a backup into a new or empty database, verifying the dump before and the "
        "tables after against the backup's manifest.",
    )
    parser.add_argument("--backup", required=True, metavar="NAME", help="suiftly-YYYYMMDDTHHMMSSZ or latest")
    parser.add_argument("--target", required=True, metavar="DATABASE_URL", help="database to restore into")
    parser.add_argument(
        "--config", metavar="HOSTS.toml", help=f"hosts file (default {storage.DEFAULT_CONFIG} when it exists)"
    )
    parser.add_argument(
        "--source", metavar="DIR|s3://bucket/prefix", help="where the backups are (default: [backup] destination)"
    )
    parser.add_argument("--dry-run", action="store_true", help="check and print the plan; change nothing")
    args = parser.parse_args(argv)

    backup = "latest" if args.backup == "latest" else ""
    if not backup:
        try:
            backup = storage.normalize_backup_name(args.backup)
        except ValueError as error:
            parser.error(f"--backup: {error}")
    try:
        pg.check_url(args.target)
    except ValueError as error:
        parser.error(f"--target: {error}")
    if pg.database_name(args.target) in pg.SYSTEM_DATABASES:
        parser.error(f"--target: will not restore into the {pg.database_name(args.target)} database")
    config = storage.settings_argument(parser, args.config)
    source = storage.location_argument(parser, args.source, config, "source")
    return Plan(backup, args.target, source, config, args.dry_run)


# --- steps ---------------------------------------------------------------------------------


def find_backup(store, wanted: str) -> storage.Backup:
    backups = storage.list_backups(store)
    complete = [backup for backup in backups if backup.complete]
    if wanted == "latest":
        if not complete:
            raise RestoreFailed(f"no complete backup in {store.describe()}")
        return complete[-1]
    for backup in backups:
        if backup.stem == wanted:
            if not backup.complete:
                missing = "manifest" if backup.has_dump else "dump"
                raise RestoreFailed(f"backup {wanted} in {store.describe()} is incomplete (its {missing} is missing)")
            return backup
    recent = ", ".join(backup.stem for backup in complete[-5:]) or "none"
    raise RestoreFailed(f"backup {wanted} not found in {store.describe()} (newest: {recent})")


def read_manifest(store, backup: storage.Backup) -> dict:
    name = storage.manifest_name(backup.stem)
    try:
        manifest = json.loads(store.get_bytes(name))
        assert isinstance(manifest, dict)
        assert isinstance(manifest["size"], int) and isinstance(manifest["sha256"], str)
        assert isinstance(manifest["tables"], dict)
        for entry in manifest["tables"].values():
            assert isinstance(entry["rows"], int) and isinstance(entry["checksum"], str)
    except (ValueError, AssertionError, KeyError, TypeError) as error:
        raise RestoreFailed(f"manifest {store.describe(name)} is unreadable or incomplete ({error!r})") from error
    return manifest


def check_target(target_url: str) -> bool:
    """True when the target database exists (and is empty); RestoreFailed when it is not empty."""
    name = pg.database_name(target_url)
    admin_url = pg.with_database(target_url, "postgres")
    if not pg.database_exists(admin_url, name):
        return False
    relations = pg.user_relations(target_url)
    if relations:
        shown = ", ".join(relations[:5]) + (f" and {len(relations) - 5} more" if len(relations) > 5 else "")
        raise RestoreFailed(
            f"target database {name} is not empty ({len(relations)} relations: {shown}); "
            "restore only into a new or empty database"
        )
    return True


def fetch_and_verify(store, backup: storage.Backup, manifest: dict, work: str) -> str:
    name = storage.dump_name(backup.stem)
    path = store.local_path(name)
    if path is None:
        path = os.path.join(work, name)
        say(f"fetching {store.describe(name)}")
        store.get_file(name, path)
    size, sha256 = storage.file_digest(path)
    if size != manifest["size"] or sha256 != manifest["sha256"]:
        raise RestoreFailed(
            f"dump {name} does not match its manifest (size {size:,} vs {manifest['size']:,}, "
            f"sha256 {sha256} vs {manifest['sha256']}); nothing was restored"
        )
    say(f"verified {name}: {size:,} bytes, sha256 {sha256}")
    return path


def pg_restore(target_url: str, dump_path: str) -> None:
    conninfo, env = pg.client_args(target_url)
    argv = [
        "pg_restore",
        "--no-password",
        "--no-owner",
        "--exit-on-error",
        "--single-transaction",
        f"--dbname={conninfo}",
        dump_path,
    ]
    say(f"  pg_restore --no-owner --exit-on-error --single-transaction --dbname={pg.redact(target_url)} {dump_path}")
    try:
        result = subprocess.run(argv, capture_output=True, text=True, env=env)
    except FileNotFoundError as error:
        raise RestoreFailed("pg_restore is not installed (postgresql-client)") from error
    if result.returncode != 0:
        raise RestoreFailed(f"pg_restore exited {result.returncode}: {pg.last_lines(result.stderr)}")


def compare(expected: dict[str, dict], actual: dict[str, dict]) -> list[str]:
    problems = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        if got is None:
            problems.append(f"{table}: missing from the restored database")
        elif want is None:
            problems.append(f"{table}: not in the backup")
        elif want["rows"] != got["rows"]:
            problems.append(f"{table}: {got['rows']:,} rows, the backup has {want['rows']:,}")
        elif want["checksum"] != got["checksum"]:
            problems.append(f"{table}: checksum {got['checksum']}, the backup has {want['checksum']}")
    return problems


def summary(expected: dict[str, dict], actual: dict[str, dict], problems: list[str]) -> None:
    """One line per table; partitions are rolled up into their partitioned table."""
    bad = {problem.split(":", 1)[0] for problem in problems}
    groups: dict[str, list[str]] = {}
    for table in sorted(set(expected) | set(actual)):
        entry = expected.get(table) or actual.get(table)
        groups.setdefault(entry.get("partition_of") or table, []).append(table)
    lines = []
    for group, members in groups.items():
        rows = sum((actual.get(table) or {"rows": 0})["rows"] for table in members)
        label = group if members == [group] else f"{group} [{len(members)} partitions]"
        lines.append((label, rows, "MISMATCH" if bad & set(members) else "ok"))
    width = max((len(label) for label, _, _ in lines), default=10) + 2
    say(f"  {'table':<{width}} {'rows':>12}  check")
    for label, rows, status in lines:
        say(f"  {label:<{width}} {rows:>12,}  {status}")


def run(plan: Plan) -> int:
    started = time.monotonic()
    store = storage.open_storage(plan.source, plan.config)
    backup = find_backup(store, plan.backup)
    manifest = read_manifest(store, backup)
    target_name = pg.database_name(plan.target_url)
    rows = sum(entry["rows"] for entry in manifest["tables"].values())
    say(
        f"backup {backup.stem} in {store.describe()}: database {manifest.get('database', '?')}, "
        f"{len(manifest['tables'])} tables, {rows:,} rows, {manifest['size']:,} bytes"
    )
    exists = check_target(plan.target_url)
    stored_size = store.size(storage.dump_name(backup.stem))
    if stored_size is None:
        raise RestoreFailed(f"dump {store.describe(storage.dump_name(backup.stem))} disappeared")
    if stored_size != manifest["size"]:
        raise RestoreFailed(
            f"dump {storage.dump_name(backup.stem)} is {stored_size:,} bytes, its manifest says "
            f"{manifest['size']:,}; nothing was restored"
        )

    if plan.dry_run:
        say("dry run: nothing will be changed")
        say(f"would fetch    {store.describe(storage.dump_name(backup.stem))} and check its SHA-256")
        if exists:
            say(f"would restore  into the existing, empty database {pg.redact(plan.target_url)}")
        else:
            say(f"would create   database {target_name} (encoding {manifest.get('encoding', 'default')})")
            say(f"would restore  into {pg.redact(plan.target_url)}")
        say(f"would verify   {len(manifest['tables'])} tables' row counts and checksums against the manifest")
        return 0

    os.umask(0o077)
    with tempfile.TemporaryDirectory(prefix="suiftly-restore-") as work:
        dump_path = fetch_and_verify(store, backup, manifest, work)
        admin_url = pg.with_database(plan.target_url, "postgres")
        if not exists:
            say(f"creating database {target_name}")
            pg.create_database(admin_url, target_name, manifest.get("encoding"))
        try:
            pg_restore(plan.target_url, dump_path)
        except BaseException:
            if not exists:
                try:
                    pg.drop_database(admin_url, target_name)
                    say(f"dropped {target_name} again (this run created it)")
                except pg.PgError as error:
                    say(f"warning: could not drop {target_name}: {error}")
            raise

    actual = pg.checksums_of(plan.target_url)
    problems = compare(manifest["tables"], actual)
    summary(manifest["tables"], actual, problems)
    if problems:
        for problem in problems:
            say(f"  MISMATCH {problem}")
        raise RestoreFailed(
            f"verification failed: {len(problems)} table(s) differ from backup {backup.stem}; "
            f"database {target_name} is kept as restored for inspection"
        )
    pg.psql(plan.target_url, "ANALYZE", timeout=6 * 3600)
    say(
        f"restored {backup.stem} into {pg.redact(plan.target_url)}: {len(actual)} tables, "
        f"{sum(entry['rows'] for entry in actual.values()):,} rows, every count and checksum matches "
        f"({time.monotonic() - started:.1f} s)"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    plan = parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        return run(plan)
    except (RestoreFailed, pg.PgError, storage.StorageError) as error:
        return fail(f"restore failed: {error}")
    except OSError as error:
        return fail(f"restore failed: {error}")
    except KeyboardInterrupt:
        return fail("restore interrupted", 130)


if __name__ == "__main__":
    sys.exit(main())
