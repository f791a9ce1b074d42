"""Running commands on a host: locally for localhost, over SSH otherwise. Every script prints
what it runs; in dry-run mode nothing that changes state runs at all."""

from __future__ import annotations

import shlex
import subprocess
import sys
import time
from dataclasses import dataclass

from .config import Host


class CommandFailed(Exception):
    def __init__(self, host: str, command: str, code: int, output: str):
        super().__init__(f"{host}: `{command}` exited {code}: {output.strip()[-2000:]}")
        self.code = code
        self.output = output


@dataclass
class Runner:
    host: Host
    dry_run: bool = False
    verbose: bool = True

    def _argv(self, command: str) -> list[str]:
        if self.host.is_local:
            return ["bash", "-c", command]
        return [
            "ssh",
            "-o",
            "BatchMode=yes",
            "-p",
            str(self.host.ssh_port),
            f"{self.host.ssh_user}@{self.host.address}",
            command,
        ]

    def check(self, command: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run a read-only command (also in dry-run mode); never raises on a non-zero exit."""
        return subprocess.run(self._argv(command), capture_output=True, text=True, timeout=timeout)

    def ok(self, command: str, timeout: float = 120) -> bool:
        return self.check(command, timeout).returncode == 0

    def output(self, command: str, timeout: float = 120) -> str:
        result = self.check(command, timeout)
        if result.returncode != 0:
            raise CommandFailed(self.host.name, command, result.returncode, result.stdout + result.stderr)
        return result.stdout

    def run(self, command: str, timeout: float = 1800, env: dict | None = None) -> str:
        """Run a command that changes state: printed, skipped in dry-run mode, fatal on failure."""
        if self.verbose:
            print(f"[{self.host.name}] {'would run' if self.dry_run else '$'} {command}", flush=True)
        if self.dry_run:
            return ""
        prefix = "".join(f"{key}={shlex.quote(value)} " for key, value in (env or {}).items())
        started = time.monotonic()
        result = subprocess.run(
            self._argv(prefix + command), capture_output=True, text=True, timeout=timeout
        )
        if self.verbose and time.monotonic() - started >= 1:
            print(f"[{self.host.name}]   took {time.monotonic() - started:.1f} s", flush=True)
        if result.returncode != 0:
            raise CommandFailed(self.host.name, command, result.returncode, result.stdout + result.stderr)
        return result.stdout

    def run_input(self, command: str, data: str, shown: str | None = None, timeout: float = 1800) -> str:
        """Like run(), with `data` on the command's standard input, so file contents and SQL that
        carry secrets stay off command lines; `shown` is printed (and reported) instead of the
        command when the command itself carries one."""
        label = shown or command
        if self.verbose:
            print(f"[{self.host.name}] {'would run' if self.dry_run else '$'} {label}", flush=True)
        if self.dry_run:
            return ""
        result = subprocess.run(self._argv(command), input=data, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise CommandFailed(self.host.name, label, result.returncode, result.stdout + result.stderr)
        return result.stdout


def say(message: str) -> None:
    print(message, flush=True)


def fail(message: str, code: int = 1) -> int:
    print(message, file=sys.stderr, flush=True)
    return code
