#!/usr/bin/env python3
"""Apply the maps of a new vault to a running HAProxy without a reload.

The manager writes api_keys.map and the IP allowlist maps beside each vault version
(app/domain/edge-maps.ts). HAProxy reads those files only when it starts; this script pushes
their current content into the running process through the runtime API, atomically per map:

    prepare map <file>            -> a new, empty version of the map
    add map @<version> <file> ... -> the new entries (in batches, payload syntax)
    commit map @<version> <file>  -> requests from now on see the whole new map at once

No connection is dropped and no request sees a half-written map. Running it twice with the same
files is harmless. Exit status: 0 applied (or nothing to do), 1 a step failed, 2 bad arguments.

    apply-maps.py --socket /run/haproxy/suiftly.sock --maps-dir /var/lib/suiftly/vault [--dry-run]
"""

from __future__ import annotations

import argparse
import os
import socket
import sys

MAP_FILES = ("api_keys.map", "ip_allowlist_cidrs.map", "ip_allowlist_pairs.map")
BATCH_LINES = 1000


class RuntimeError_(Exception):
    """The runtime API refused a command."""


def command(socket_path: str, text: str, payload: str | None = None, timeout: float = 10.0) -> str:
    """Send one command (with an optional multi-line payload) and return HAProxy's answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(timeout)
        conn.connect(socket_path)
        message = text if payload is None else f"{text} <<\n{payload}\n"
        conn.sendall(message.encode() + b"\n")
        chunks = []
        while True:
            data = conn.recv(65536)
            if not data:
                break
            chunks.append(data)
    return b"".join(chunks).decode(errors="replace")


def loaded_maps(socket_path: str) -> dict[str, str]:
    """File name (as HAProxy loaded it) by base name, from `show map`."""
    maps: dict[str, str] = {}
    for line in command(socket_path, "show map").splitlines():
        # "-1 (/path/to/api_keys.map) pattern loaded from file '/path/to/api_keys.map' used by map at file ..."
        if "(" not in line or ")" not in line:
            continue
        name = line[line.index("(") + 1 : line.index(")")]
        maps.setdefault(os.path.basename(name), name)
    return maps


def read_entries(path: str) -> list[str]:
    entries = []
    with open(path, encoding="ascii") as handle:
        for number, raw in enumerate(handle, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            if len(line.split()) != 2:
                raise ValueError(f"{path}:{number}: expected '<key> <value>', got {line!r}")
            entries.append(line)
    return entries


def apply_map(socket_path: str, loaded_name: str, entries: list[str]) -> None:
    answer = command(socket_path, f"prepare map {loaded_name}")
    marker = "New version created:"
    if marker not in answer:
        raise RuntimeError_(f"prepare map {loaded_name}: {answer.strip()}")
    version = answer.split(marker, 1)[1].strip().split()[0]
    for start in range(0, len(entries), BATCH_LINES):
        batch = "\n".join(entries[start : start + BATCH_LINES])
        answer = command(socket_path, f"add map @{version} {loaded_name}", payload=batch)
        if answer.strip():
            raise RuntimeError_(f"add map @{version} {loaded_name}: {answer.strip()}")
    answer = command(socket_path, f"commit map @{version} {loaded_name}")
    if answer.strip():
        raise RuntimeError_(f"commit map @{version} {loaded_name}: {answer.strip()}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--socket", required=True, help="HAProxy runtime API socket (stats socket … level admin)")
    parser.add_argument("--maps-dir", required=True, help="directory the vault task writes the maps to")
    parser.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    args = parser.parse_args(argv)

    if not os.path.isdir(args.maps_dir):
        print(f"apply-maps: {args.maps_dir} is not a directory", file=sys.stderr)
        return 2
    try:
        loaded = loaded_maps(args.socket)
    except OSError as error:
        print(f"apply-maps: cannot reach the runtime API at {args.socket}: {error}", file=sys.stderr)
        return 1

    failed = False
    for name in MAP_FILES:
        path = os.path.join(args.maps_dir, name)
        if name not in loaded:
            print(f"apply-maps: {name}: not used by this HAProxy (not in `show map`): skipped")
            continue
        try:
            entries = read_entries(path)
        except (OSError, ValueError) as error:
            print(f"apply-maps: {name}: {error}", file=sys.stderr)
            failed = True
            continue
        if args.dry_run:
            print(f"would replace {loaded[name]} with {len(entries)} entries from {path}")
            continue
        try:
            apply_map(args.socket, loaded[name], entries)
            print(f"applied {name}: {len(entries)} entries")
        except (OSError, RuntimeError_) as error:
            print(f"apply-maps: {name}: {error}", file=sys.stderr)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
