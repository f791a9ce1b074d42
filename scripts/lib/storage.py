"""Where backups live: a local directory or S3-compatible storage (Cloudflare R2), behind one
small interface, plus the naming and settings rules backup.py and restore.py share.

A backup is two objects side by side: `suiftly-YYYYMMDDTHHMMSSZ.dump` (pg_dump custom format)
and `suiftly-YYYYMMDDTHHMMSSZ.json` (its manifest). The manifest is written last, so a backup
without one is incomplete and is never restored. The timestamp in the name (UTC) is what
retention and `latest` go by, never a file's mtime.

S3: `s3://bucket/prefix`, endpoint from SUIFTLY_S3_ENDPOINT, else `[backup] s3_endpoint`, else
AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL; credentials from AWS_ACCESS_KEY_ID /
AWS_SECRET_ACCESS_KEY; path-style addressing, signature v4. boto3 is imported only for S3, and
both Debian bookworm's python3-boto3 (1.26) and current releases work.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from .config import Config, ConfigError, load_config

DEFAULT_CONFIG = "/etc/suiftly/hosts.toml"
NAME_PREFIX = "suiftly-"
STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
NAME_RE = re.compile(r"^suiftly-(\d{8}T\d{6}Z)\.(dump|json)$")
STEM_RE = re.compile(r"^suiftly-\d{8}T\d{6}Z$")


class StorageError(Exception):
    """Reading or writing the backup location failed; the message says what and where."""


# --- names -------------------------------------------------------------------------------------


def stem_at(when: datetime) -> str:
    return NAME_PREFIX + when.astimezone(UTC).strftime(STAMP_FORMAT)


def stem_time(stem: str) -> datetime:
    return datetime.strptime(stem[len(NAME_PREFIX) :], STAMP_FORMAT).replace(tzinfo=UTC)


def dump_name(stem: str) -> str:
    return stem + ".dump"


def manifest_name(stem: str) -> str:
    return stem + ".json"


def normalize_backup_name(name: str) -> str:
    """`suiftly-…Z`, `suiftly-…Z.dump` or `suiftly-…Z.json` → the stem; ValueError otherwise."""
    base = os.path.basename(name.strip())
    for suffix in (".dump", ".json"):
        if base.endswith(suffix):
            base = base[: -len(suffix)]
    if not STEM_RE.match(base):
        raise ValueError(f"{name!r} is not a backup name (expected suiftly-YYYYMMDDTHHMMSSZ or latest)")
    try:
        stem_time(base)
    except ValueError as error:
        raise ValueError(f"{name!r} has an impossible timestamp") from error
    return base


@dataclass
class Backup:
    stem: str
    created: datetime
    has_dump: bool = False
    has_manifest: bool = False

    @property
    def complete(self) -> bool:
        return self.has_dump and self.has_manifest

    @property
    def names(self) -> list[str]:
        return ([dump_name(self.stem)] if self.has_dump else []) + (
            [manifest_name(self.stem)] if self.has_manifest else []
        )


def list_backups(storage) -> list[Backup]:
    """Every backup (complete or not) in the location, oldest first. Other files are ignored."""
    found: dict[str, Backup] = {}
    for name in storage.list_names():
        match = NAME_RE.match(name)
        if not match:
            continue
        stem = name.rsplit(".", 1)[0]
        try:
            created = stem_time(stem)
        except ValueError:
            continue
        backup = found.setdefault(stem, Backup(stem, created))
        if match.group(2) == "dump":
            backup.has_dump = True
        else:
            backup.has_manifest = True
    return sorted(found.values(), key=lambda backup: backup.created)


# --- settings --------------------------------------------------------------------------------


def load_settings(config_path: str | None) -> Config | None:
    """The hosts file: the one named, else DEFAULT_CONFIG when it exists, else None.
    ConfigError when the named (or default) file is unusable."""
    if config_path:
        return load_config(config_path)
    if os.path.exists(DEFAULT_CONFIG):
        return load_config(DEFAULT_CONFIG)
    return None


def settings_argument(parser, config_path: str | None) -> Config | None:
    """load_settings for a command line: an unusable hosts file is a usage error (exit 2)."""
    try:
        return load_settings(config_path)
    except ConfigError as error:
        parser.error(str(error))


def location_argument(parser, given: str | None, config: Config | None, name: str) -> str:
    """The backup location from --<name>, else the hosts file's backup destination; a missing or
    malformed one is a usage error (exit 2)."""
    location = given or (config.backup.destination if config else "")
    if not location:
        parser.error(f"no {name}: pass --{name} or --config")
    try:
        parse_location(location)
    except ValueError as error:
        parser.error(f"{name}: {error}")
    return location


def s3_endpoint(config: Config | None) -> str | None:
    return (
        os.environ.get("SUIFTLY_S3_ENDPOINT")
        or (config.backup.s3_endpoint if config else "")
        or os.environ.get("AWS_ENDPOINT_URL_S3")
        or os.environ.get("AWS_ENDPOINT_URL")
        or None
    )


def parse_location(location: str) -> tuple[str, str, str]:
    """("local", directory, "") or ("s3", bucket, prefix); ValueError for anything else."""
    if "://" not in location:
        if not location.strip():
            raise ValueError("the backup location is empty")
        return "local", os.path.abspath(location), ""
    scheme, rest = location.split("://", 1)
    if scheme != "s3":
        raise ValueError(f"{location!r}: a backup location is a directory or s3://bucket/prefix")
    bucket, _, prefix = rest.partition("/")
    if not re.match(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", bucket):
        raise ValueError(f"{location!r}: no valid bucket name after s3://")
    return "s3", bucket, prefix.strip("/")


def open_storage(location: str, config: Config | None = None):
    kind, where, prefix = parse_location(location)
    if kind == "local":
        return LocalStorage(where)
    region = config.backup.s3_region if config else "auto"
    return S3Storage(where, prefix, endpoint=s3_endpoint(config), region=region)


# --- local directory -----------------------------------------------------------------------------


class LocalStorage:
    kind = "local"

    def __init__(self, directory: str):
        self.directory = directory

    def describe(self, name: str = "") -> str:
        return os.path.join(self.directory, name) if name else self.directory

    def ready(self) -> bool:
        return os.path.isdir(self.directory)

    def check(self) -> None:
        """Read-only: the directory (or, when it does not exist yet, its parent) is writable."""
        existing = self.directory
        while not os.path.exists(existing):
            existing = os.path.dirname(existing)
        if not os.path.isdir(existing) or not os.access(existing, os.W_OK | os.X_OK):
            raise StorageError(f"{existing} is not a writable directory (backups go to {self.directory})")

    def prepare(self) -> None:
        try:
            os.makedirs(self.directory, mode=0o700, exist_ok=True)
        except OSError as error:
            raise StorageError(f"cannot create {self.directory}: {error.strerror}") from error

    def staging_dir(self) -> str:
        """Where a new dump is written before it is stored: inside the directory, so storing it
        is a rename, never a copy."""
        return self.directory

    @contextlib.contextmanager
    def lock(self):
        """Hold an exclusive lock on the directory for a whole run, so two runs (a timer and a
        manual one) never interleave. flock on the directory itself: no lock file to leave
        behind, and the kernel releases it when the process dies."""
        fd = os.open(self.directory, os.O_RDONLY | os.O_DIRECTORY)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise StorageError(f"another backup is running in {self.directory}") from None
            yield
        finally:
            os.close(fd)

    def remove_leftovers(self, older_than_seconds: float = 86_400) -> list[str]:
        """Work directories and partial files a killed run left behind (a day old or more)."""
        removed = []
        now = time.time()
        for name in self.list_names():
            if not (name.startswith(".suiftly-backup-") or (name.startswith(".suiftly-") and name.endswith(".partial"))):
                continue
            path = self.describe(name)
            try:
                if now - os.lstat(path).st_mtime < older_than_seconds:
                    continue
                if os.path.isdir(path) and not os.path.islink(path):
                    shutil.rmtree(path)
                else:
                    os.remove(path)
                removed.append(name)
            except OSError:
                continue
        return removed

    def list_names(self) -> list[str]:
        try:
            return sorted(os.listdir(self.directory))
        except FileNotFoundError:
            return []
        except OSError as error:
            raise StorageError(f"cannot list {self.directory}: {error.strerror}") from error

    def size(self, name: str) -> int | None:
        try:
            return os.stat(self.describe(name)).st_size
        except FileNotFoundError:
            return None

    def local_path(self, name: str) -> str:
        return self.describe(name)

    def put_file(self, source: str, name: str) -> None:
        target = self.describe(name)
        try:
            if os.stat(source).st_dev == os.stat(self.directory).st_dev:
                _fsync_file(source)
                os.replace(source, target)
            else:
                with open(source, "rb") as handle:
                    self._write_atomically(name, lambda out: shutil.copyfileobj(handle, out, 1 << 20))
            _fsync_dir(self.directory)
        except OSError as error:
            raise StorageError(f"cannot store {target}: {error.strerror or error}") from error

    def put_bytes(self, data: bytes, name: str) -> None:
        try:
            self._write_atomically(name, lambda out: out.write(data))
            _fsync_dir(self.directory)
        except OSError as error:
            raise StorageError(f"cannot store {self.describe(name)}: {error.strerror or error}") from error

    def _write_atomically(self, name: str, write) -> None:
        fd, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=".partial", dir=self.directory)
        try:
            with os.fdopen(fd, "wb") as out:
                write(out)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.describe(name))
        except BaseException:
            _remove_quietly(temp)
            raise

    def get_bytes(self, name: str) -> bytes:
        try:
            with open(self.describe(name), "rb") as handle:
                return handle.read()
        except OSError as error:
            raise StorageError(f"cannot read {self.describe(name)}: {error.strerror}") from error

    def get_file(self, name: str, target: str) -> None:
        try:
            shutil.copyfile(self.describe(name), target)
        except OSError as error:
            raise StorageError(f"cannot read {self.describe(name)}: {error.strerror}") from error

    def delete(self, name: str) -> None:
        try:
            os.remove(self.describe(name))
        except FileNotFoundError:
            pass
        except OSError as error:
            raise StorageError(f"cannot delete {self.describe(name)}: {error.strerror}") from error


def file_digest(path: str) -> tuple[int, str]:
    """(size in bytes, SHA-256 hex) of a file."""
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def _fsync_file(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_quietly(path: str) -> None:
    try:
        os.remove(path)
    except OSError:
        pass


# --- S3-compatible storage ----------------------------------------------------------------------


class S3Storage:
    kind = "s3"

    def __init__(self, bucket: str, prefix: str, endpoint: str | None, region: str = "auto"):
        self.bucket = bucket
        self.prefix = prefix
        self.endpoint = endpoint
        self.region = region or "auto"
        self._client = None

    def describe(self, name: str = "") -> str:
        path = "/".join(part for part in (self.prefix, name) if part)
        where = f"s3://{self.bucket}/{path}"
        return f"{where} ({self.endpoint})" if self.endpoint and not name else where

    def key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    @property
    def client(self):
        if self._client is None:
            self._client = self._connect()
        return self._client

    def _connect(self):
        try:
            import boto3
            from botocore.config import Config as BotoConfig
        except ImportError as error:
            raise StorageError("S3 destinations need boto3 (apt-get install python3-boto3)") from error
        session = boto3.session.Session()
        if session.get_credentials() is None:
            raise StorageError(
                f"no S3 credentials for {self.describe()}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"
            )
        options = dict(
            signature_version="s3v4",
            s3={"addressing_style": "path"},
            retries={"max_attempts": 5, "mode": "standard"},
            connect_timeout=10,
            read_timeout=120,
        )
        try:
            # botocore ≥ 1.36 adds CRC checksums (and aws-chunked uploads) by default, which not
            # every S3-compatible store accepts; the SHA-256 in the manifest is the check we use.
            config = BotoConfig(
                **options, request_checksum_calculation="when_required", response_checksum_validation="when_required"
            )
        except TypeError:
            config = BotoConfig(**options)  # older botocore (Debian bookworm): no such defaults
        return session.client("s3", endpoint_url=self.endpoint, region_name=self.region, config=config)

    def _call(self, what: str, name: str, fn):
        self.client  # noqa: B018 -- connects first: a clear error without boto3 or credentials
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn()
        except ClientError as error:
            info = error.response.get("Error", {})
            code = str(info.get("Code", "?"))
            if code in ("404", "NoSuchBucket") and not name:
                detail = f"bucket {self.bucket} does not exist"
            elif code in ("403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch"):
                detail = f"{code}: access denied (check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY and the bucket)"
            else:
                detail = f"{code}: {info.get('Message') or error}"
            raise StorageError(f"S3 {what} {self.describe(name)} failed: {detail}") from error
        except (BotoCoreError, OSError) as error:
            raise StorageError(f"S3 {what} {self.describe(name)} failed: {error}") from error

    def ready(self) -> bool:
        return True

    def check(self) -> None:
        """Read-only: fail early (before a dump is made) when the bucket cannot be reached."""
        self._call("access to", "", lambda: self.client.head_bucket(Bucket=self.bucket))

    def prepare(self) -> None:
        self.check()

    def staging_dir(self) -> str | None:
        return None  # the system's temporary directory (TMPDIR; the systemd unit sets /var/tmp)

    @contextlib.contextmanager
    def lock(self):
        yield  # objects are written whole; the systemd unit (or flock in cron) serializes runs

    def remove_leftovers(self, older_than_seconds: float = 86_400) -> list[str]:
        return []  # uploads are single objects: nothing partial is ever visible

    def list_names(self) -> list[str]:
        prefix = self.key("")

        def fetch():
            names = []
            paginator = self.client.get_paginator("list_objects_v2")
            for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix, Delimiter="/"):
                for item in page.get("Contents", []):
                    names.append(item["Key"][len(prefix) :])
            return sorted(names)

        return self._call("listing of", "", fetch)

    def size(self, name: str) -> int | None:
        self.client  # noqa: B018
        from botocore.exceptions import ClientError

        def head():
            try:
                return self.client.head_object(Bucket=self.bucket, Key=self.key(name))["ContentLength"]
            except ClientError as error:
                if error.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                    return None
                raise

        return self._call("lookup of", name, head)

    def local_path(self, name: str) -> None:
        return None

    def put_file(self, source: str, name: str) -> None:
        self._call("upload to", name, lambda: self.client.upload_file(source, self.bucket, self.key(name)))

    def put_bytes(self, data: bytes, name: str) -> None:
        self._call(
            "upload to",
            name,
            lambda: self.client.put_object(
                Bucket=self.bucket, Key=self.key(name), Body=data, ContentType="application/json"
            ),
        )

    def get_bytes(self, name: str) -> bytes:
        return self._call(
            "download of", name, lambda: self.client.get_object(Bucket=self.bucket, Key=self.key(name))["Body"].read()
        )

    def get_file(self, name: str, target: str) -> None:
        self._call("download of", name, lambda: self.client.download_file(self.bucket, self.key(name), target))

    def delete(self, name: str) -> None:
        self._call("delete of", name, lambda: self.client.delete_object(Bucket=self.bucket, Key=self.key(name)))


__all__ = [
    "Backup",
    "ConfigError",
    "LocalStorage",
    "S3Storage",
    "StorageError",
    "file_digest",
    "list_backups",
    "load_settings",
    "normalize_backup_name",
    "open_storage",
    "parse_location",
]
