"""Serving an app with gunicorn for the load benchmark: a free port on 127.0.0.1,
production settings from the environment, wait until it answers, stop it, and
the resident memory of each worker (/proc/<pid>/status)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tests.bench import common

GUNICORN = Path(common.ROOT / ".venv" / "bin" / "gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    process: subprocess.Popen
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def workers(self) -> list[int]:
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return [int(p) for p in path.read_text().split()]
        except OSError:
            return []

    def worker_memory_mb(self) -> list[tuple[float, float, float, float]]:
        """(VmRSS, RssAnon, private, proportional) of each worker in MB. Private
        (Private_Clean + Private_Dirty of smaps_rollup) is what no other process
        maps: what the worker costs on its own. Proportional (Pss) splits each
        shared page (a preloaded model, the mmapped index) between its mappers."""
        out = []
        for pid in self.workers():
            try:
                fields = dict(line.split(":", 1) for line in
                              Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
                rollup = dict(line.split(":", 1) for line in
                              Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]
                              if ":" in line)
            except OSError:
                continue

            def kb(table: dict, key: str) -> float:
                return int(table.get(key, " 0 kB").split()[0]) / 1024

            out.append((kb(fields, "VmRSS"), kb(fields, "RssAnon"),
                        kb(rollup, "Private_Clean") + kb(rollup, "Private_Dirty"),
                        kb(rollup, "Pss")))
        return out

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start(app: str, env: dict[str, str], workers: int, log: Path, probe: str = "/") -> Server:
    """gunicorn APP with WORKERS sync workers; the repo's gunicorn.conf.py applies
    when present (command-line options win)."""
    port = free_port()
    cmd = [str(GUNICORN), "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
           "--access-logfile", "/dev/null", "--error-logfile", str(log), "--timeout", "120", app]
    environ = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
    environ.update(env)
    log.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(cmd, cwd=common.ROOT, env=environ, stdout=log.open("ab"),
                               stderr=subprocess.STDOUT)
    server = Server(process, port, log)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn {app} exited ({process.returncode}); see {log}")
        try:
            with urllib.request.urlopen(server.base + probe, timeout=30) as r:
                if r.status == 200 and len(server.workers()) >= workers:
                    return server
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    server.stop()
    raise RuntimeError(f"gunicorn {app} did not answer within 90 s; see {log}")


def fetch(url: str, timeout: float = 60) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read()
