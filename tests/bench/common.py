"""What the search benchmarks share: the data folder, an app on a scratch database,
the PostgreSQL benchmark database (never `test`), and a plain-text table."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("CROWDFIX_DATA", ROOT.parent / "shared" / "data"))
CACHE = ROOT / "instance" / "bench"
PG_HOST, PG_PORT = "127.0.0.1", 5432
BENCH_DB = "crowdfix_bench"
BENCH_URL = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{BENCH_DB}"
_ADMIN_DSN = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/postgres"
_BENCH_DSN = f"postgresql://postgres@{PG_HOST}:{PG_PORT}/{BENCH_DB}"


def se_files() -> list[Path]:
    return sorted(DATA.glob("se_*.jsonl"))


def newsgroups_file() -> Path:
    return DATA / "20newsgroups_comp_threads.jsonl"


def require_data() -> None:
    """Exit quietly (status 0) when the shared data folder is absent."""
    if not se_files():
        print(f"No se_*.jsonl under {DATA}: nothing to benchmark (set CROWDFIX_DATA).")
        raise SystemExit(0)


def postgres_answers(timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=timeout):
            return True
    except OSError:
        return False


def ensure_bench_database() -> str:
    """Create `crowdfix_bench` if missing; return its SQLAlchemy URL."""
    import psycopg

    with psycopg.connect(_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (BENCH_DB,)).fetchone():
            conn.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return BENCH_URL


def reset_bench_database() -> None:
    """Empty `crowdfix_bench` (its public schema) so migrations start afresh."""
    import psycopg

    with psycopg.connect(_BENCH_DSN, autocommit=True, connect_timeout=5) as conn:
        assert conn.info.dbname == BENCH_DB
        conn.execute("DROP SCHEMA IF EXISTS public CASCADE")
        conn.execute("CREATE SCHEMA public")


def bench_app(instance: Path, database_url: str, backend: str = "whoosh",
              index_dir: Path | None = None):
    from forum.app import create_app

    instance.mkdir(parents=True, exist_ok=True)
    return create_app({
        "TESTING": True, "SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": database_url,
        "SEARCH_BACKEND": backend, "SEARCH_INDEX_DIR": str(index_dir or instance / "index"),
        "INSTANCE_PATH": str(instance), "UPLOAD_DIR": str(instance / "uploads"),
        "RATELIMIT_ENABLED": False,
    })


def migrate() -> None:
    """Run the app's migrations (inside an app context)."""
    from flask_migrate import upgrade

    upgrade()


def print_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [[str(h) for h in headers], *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for n, row in enumerate(cells):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))))
        if n == 0:
            print("  ".join("-" * w for w in widths))
    sys.stdout.flush()


def _cell(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    return "-" if value is None else str(value)


def rss_mb() -> float:
    """This process's resident memory, in MB (Linux /proc)."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0
