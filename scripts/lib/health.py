"""Polling an HTTP health endpoint until it answers 200 (or the deadline passes)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request


def fetch_health(url: str, timeout: float = 5.0) -> tuple[int, dict | None]:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = response.read()
            return response.status, _json(body)
    except urllib.error.HTTPError as error:
        return error.code, _json(error.read())
    except (urllib.error.URLError, OSError):
        return 0, None


def _json(body: bytes) -> dict | None:
    try:
        value = json.loads(body)
        return value if isinstance(value, dict) else None
    except ValueError:
        return None


def wait_healthy(url: str, deadline_seconds: float, interval: float = 0.5) -> tuple[bool, str]:
    """True once `url` answers 200; otherwise False and the last thing it said."""
    deadline = time.monotonic() + deadline_seconds
    last = "no answer"
    while True:
        status, body = fetch_health(url)
        if status == 200:
            return True, "200"
        last = f"HTTP {status}" if status else "no answer"
        if body:
            last += f" {json.dumps(body)[:300]}"
        if time.monotonic() >= deadline:
            return False, last
        time.sleep(interval)
