"""PostgreSQL for the backup and restore scripts, through psql/pg_dump/pg_restore (no driver).

Connection URLs are postgres:// URLs. A password in the URL is handed to the client tools in
PGPASSWORD, never on their command line (where `ps` would show it), and never printed: messages
use `redact(url)`.

Table checksums (what the manifest records and restore verifies):

    for each physical table (relkind 'r' in a non-system schema, not part of an extension) —
    so a partitioned table such as haproxy_logs is counted through its leaf partitions
    haproxy_logs_pYYYYMMDD, never through the parent as well —

        h(row)   = md5(row's text form)                     -- row(r.*)::text
        checksum = md5(count || ':' || Σ first 64 bits of h || ':' || Σ last 64 bits of h)

    The sums are exact (numeric) and commute, so the checksum depends only on the multiset of
    rows, not on their physical order, and it is computed in one streaming pass with constant
    memory (no sort, no 1 GB string limit on large log tables). Row text depends on session
    settings, so every session that computes checksums first sets CHECKSUM_SETTINGS (UTC,
    ISO dates, shortest-exact floats, hex bytea, empty search_path).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import tempfile
import urllib.parse

# Session settings that fix the text form of every value, so checksums taken on one server
# compare with those taken on another.
CHECKSUM_SETTINGS = (
    "SET TimeZone = 'UTC'",
    "SET DateStyle = 'ISO, YMD'",
    "SET IntervalStyle = 'postgres'",
    "SET extra_float_digits = 3",
    "SET bytea_output = 'hex'",
    "SET search_path = ''",
)
CHECKSUM_METHOD = (
    "per physical table (leaf partitions, not their partitioned parent): "
    "md5(count || ':' || sum of the first 64 bits of md5(row(r.*)::text) || ':' || sum of the last 64 bits), "
    "sums exact, session TimeZone=UTC, DateStyle=ISO, extra_float_digits=3, bytea_output=hex, search_path=''"
)
SYSTEM_DATABASES = ("postgres", "template0", "template1")
LOCK_TIMEOUT = "60s"
CONNECT_TIMEOUT = "10"


class PgError(Exception):
    """A PostgreSQL client tool failed; the message says which and why."""


# --- URLs -----------------------------------------------------------------------------------


def check_url(url: str) -> str:
    """The URL if it is a postgres:// URL naming a database, else ValueError with the reason."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise ValueError(f"{redact(url)!r} is not a postgres:// URL")
    if not database_name(url):
        raise ValueError(f"{redact(url)!r} names no database")
    return url


def database_name(url: str) -> str:
    """The database a URL connects to (libpq: a dbname= option wins over the path)."""
    parts = urllib.parse.urlsplit(url)
    option = dict(urllib.parse.parse_qsl(parts.query)).get("dbname", "")
    return option or urllib.parse.unquote(parts.path.lstrip("/"))


def with_database(url: str, name: str) -> str:
    """The same server, user and options, another database. (Built by hand: urlunsplit would
    turn postgres:///db?host=/run/postgresql, a socket URL, into the invalid postgres:/db.)"""
    parts = urllib.parse.urlsplit(url)
    query = [
        (key, value)
        for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        if key != "dbname"
    ]
    path = "/" + urllib.parse.quote(name, safe="")
    options = "?" + urllib.parse.urlencode(query) if query else ""
    return f"{parts.scheme}://{parts.netloc}{path}{options}"


def redact(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return urllib.parse.urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, parts.fragment))


def client_args(url: str) -> tuple[str, dict]:
    """(URL without its password, environment for libpq tools) for `url`."""
    parts = urllib.parse.urlsplit(url)
    env = dict(os.environ)
    env.setdefault("PGCONNECT_TIMEOUT", CONNECT_TIMEOUT)
    env["PGAPPNAME"] = "suiftly-backup"
    if parts.password is None:
        return url, env
    env["PGPASSWORD"] = urllib.parse.unquote(parts.password)
    host = parts.netloc.rsplit("@", 1)[1]
    user = parts.netloc.rsplit("@", 1)[0].split(":", 1)[0]
    bare = urllib.parse.urlunsplit((parts.scheme, f"{user}@{host}", parts.path, parts.query, parts.fragment))
    return bare, env


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


# --- one-shot statements ---------------------------------------------------------------------


def psql(url: str, sql: str, timeout: float = 300) -> str:
    """Run SQL (one or more statements) with psql; unaligned, tuples-only output."""
    conninfo, env = client_args(url)
    argv = ["psql", "-X", "-w", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", conninfo, "-c", sql]
    try:
        result = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env)
    except FileNotFoundError as error:
        raise PgError("psql is not installed (postgresql-client)") from error
    except subprocess.TimeoutExpired as error:
        raise PgError(f"psql on {redact(url)} timed out after {timeout:.0f} s") from error
    if result.returncode != 0:
        raise PgError(f"psql on {redact(url)}: {last_lines(result.stderr)}")
    return result.stdout


def database_exists(admin_url: str, name: str) -> bool:
    out = psql(admin_url, f"select count(*) from pg_catalog.pg_database where datname = {quote_literal(name)}")
    return out.strip() == "1"


def create_database(admin_url: str, name: str, encoding: str | None = None) -> None:
    """CREATE DATABASE from template0 (nothing of template1 can collide with a restore)."""
    sql = f"CREATE DATABASE {quote_ident(name)} TEMPLATE template0"
    if encoding:
        sql += f" ENCODING {quote_literal(encoding)}"
    psql(admin_url, sql)


def drop_database(admin_url: str, name: str) -> None:
    psql(admin_url, f"DROP DATABASE IF EXISTS {quote_ident(name)} WITH (FORCE)")


RELATIONS_SQL = """
select n.nspname || '.' || c.relname
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
 where c.relkind in ('r', 'p', 'v', 'm', 'f', 'S')
   and n.nspname not in ('pg_catalog', 'information_schema')
   and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp\\_%'
 order by 1
"""


def user_relations(url: str) -> list[str]:
    """Tables, views and sequences outside the system schemas: a database is empty without any."""
    return [line for line in psql(url, RELATIONS_SQL).splitlines() if line]


# --- a session that stays open (the snapshot transaction) -------------------------------------


class Session:
    """One psql process kept open, fed statement by statement: what lets a transaction (and the
    snapshot it exports) outlive a single command. Results are returned as psql's unaligned,
    tuples-only text; a failed statement ends the session with PgError."""

    def __init__(self, url: str):
        self.url = url
        conninfo, env = client_args(url)
        self._stderr = tempfile.TemporaryFile(mode="w+")
        try:
            self._proc = subprocess.Popen(
                ["psql", "-X", "-w", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", conninfo],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self._stderr,
                text=True,
                env=env,
            )
        except FileNotFoundError as error:
            self._stderr.close()
            raise PgError("psql is not installed (postgresql-client)") from error

    def query(self, sql: str) -> str:
        marker = f"__suiftly_end_{secrets.token_hex(8)}__"
        try:
            self._proc.stdin.write(sql.rstrip().rstrip(";") + ";\n\\echo " + marker + "\n")
            self._proc.stdin.flush()
        except BrokenPipeError:
            raise self._failure() from None
        lines = []
        while True:
            line = self._proc.stdout.readline()
            if not line:
                raise self._failure()
            if line.rstrip("\n") == marker:
                return "".join(lines)
            lines.append(line)

    def value(self, sql: str) -> str:
        return self.query(sql).strip()

    def _failure(self) -> PgError:
        self._proc.wait()
        self._stderr.seek(0)
        return PgError(f"psql on {redact(self.url)}: {last_lines(self._stderr.read()) or 'connection closed'}")

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                self._proc.stdin.close()
            except BrokenPipeError:
                pass
            try:
                self._proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._stderr.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def prepare_for_checksums(session: Session) -> None:
    for statement in CHECKSUM_SETTINGS:
        session.query(statement)
    session.query(f"SET lock_timeout = {quote_literal(LOCK_TIMEOUT)}")


TABLES_SQL = """
select json_build_object('schema', n.nspname, 'name', c.relname,
                         'partition_of', case when c.relispartition then rn.nspname || '.' || root.relname end)::text
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid = c.relnamespace
  left join pg_catalog.pg_class root on c.relispartition and root.oid = pg_catalog.pg_partition_root(c.oid)
  left join pg_catalog.pg_namespace rn on rn.oid = root.relnamespace
 where c.relkind = 'r'
   and n.nspname not in ('pg_catalog', 'information_schema')
   and n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp\\_%'
   and not exists (select 1 from pg_catalog.pg_depend d
                    where d.classid = 'pg_catalog.pg_class'::pg_catalog.regclass and d.objid = c.oid and d.deptype = 'e')
 order by n.nspname, c.relname
"""


def list_tables(session: Session) -> list[dict]:
    """Physical tables with data: {schema, name, partition_of (root "schema.table" or None)}."""
    return [json.loads(line) for line in session.query(TABLES_SQL).splitlines() if line]


def qualified(table: dict) -> str:
    return f"{table['schema']}.{table['name']}"


def checksum_sql(table: dict) -> str:
    source = f"{quote_ident(table['schema'])}.{quote_ident(table['name'])}"
    half = "coalesce(sum(('x' || substr(h, {start}, 16))::bit(64)::bigint::numeric), 0)::text"
    return (
        f"select json_build_object('table', {quote_literal(qualified(table))}, 'rows', count(*), "
        f"'checksum', md5(count(*)::text || ':' || {half.format(start=1)} || ':' || {half.format(start=17)}))::text "
        f"from (select md5(row(r.*)::text) as h from only {source} as r) as rows"
    )


def table_checksums(session: Session, tables: list[dict]) -> dict[str, dict]:
    """{"schema.table": {"rows", "checksum", "partition_of"?}} for `tables`, in the session's
    snapshot. The session must have run prepare_for_checksums."""
    result: dict[str, dict] = {}
    for table in tables:
        row = json.loads(session.value(checksum_sql(table)))
        entry = {"rows": int(row["rows"]), "checksum": row["checksum"]}
        if table.get("partition_of"):
            entry["partition_of"] = table["partition_of"]
        result[row["table"]] = entry
    return result


def checksums_of(url: str) -> dict[str, dict]:
    """Counts and checksums of every table of a database, in one snapshot."""
    with Session(url) as session:
        session.query("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        prepare_for_checksums(session)
        tables = list_tables(session)
        checksums = table_checksums(session, tables)
        session.query("COMMIT")
        return checksums


def server_facts(session: Session) -> dict:
    row = json.loads(
        session.value(
            "select json_build_object('database', current_database(), "
            "'server_version', current_setting('server_version'), "
            "'server_version_num', current_setting('server_version_num')::int, "
            "'encoding', pg_catalog.pg_encoding_to_char(encoding)) "
            "from pg_catalog.pg_database where datname = current_database()"
        )
    )
    return row


def tool_version(tool: str) -> str:
    try:
        return subprocess.run([tool, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError) as error:
        raise PgError(f"{tool} is not available: {error}") from error


def last_lines(text: str, count: int = 6) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return "\n".join(lines[-count:])
