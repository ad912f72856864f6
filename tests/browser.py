"""Shared helpers for tests that drive the real app in a real (Debian) Chromium."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
    "--disable-background-networking", "--disable-component-update",
]


def chromium_path() -> str:
    """Debian's chromium; a missing browser fails the run in CI and skips locally."""
    path = os.environ.get("T2I_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "Chromium not found: install Debian's package (apt-get install chromium) or set T2I_CHROMIUM"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def app_process(*args: str, timeout: float = 180.0, env: dict[str, str] | None = None):
    """Start ``python app.py`` on a free local port; yield (process, URL); stop it afterwards."""
    port = free_port()
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False", PYTHONUNBUFFERED="1", **(env or {}))
    process = subprocess.Popen(
        [sys.executable, str(REPO / "app.py"), "--host", "127.0.0.1", "--port", str(port), *args],
        cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"app exited with {process.returncode}:\n{process.stdout.read()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"app did not serve {url} within {timeout} s")
            time.sleep(0.5)
        yield process, url
    finally:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()


@contextmanager
def running_app(*args: str, timeout: float = 180.0, env: dict[str, str] | None = None):
    """Start ``python app.py`` on a free local port; yield its URL; stop it afterwards."""
    with app_process(*args, timeout=timeout, env=env) as (_, url):
        yield url


class EventError(RuntimeError):
    """An event answered with Gradio's error (its message, or None when the server hid it)."""


def call_event(url: str, api_name: str, data: list, timeout: float = 600.0, session: str | None = None) -> list:
    """One event through Gradio's HTTP API, as any client sends it; returns its outputs. ``session``: the
    session hash a browser keeps for its visit (None: a new session for this call, as a bare client gets)."""
    body = {"data": data} | ({"session_hash": session} if session else {})
    request = urllib.request.Request(f"{url}gradio_api/call/{api_name}", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        event = json.loads(response.read())["event_id"]
    with urllib.request.urlopen(f"{url}gradio_api/call/{api_name}/{event}", timeout=timeout) as response:
        lines = response.read().decode().splitlines()
    for kind, payload in zip(lines, lines[1:]):
        if kind == "event: complete":
            return json.loads(payload.removeprefix("data: "))
        if kind == "event: error":
            raise EventError(json.loads(payload.removeprefix("data: ")) if payload != "data: null" else None)
    raise RuntimeError(f"{api_name} did not complete: {lines[:4]}")
