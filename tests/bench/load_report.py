"""What the load benchmark prints after the load: the table with ratios to bare
Flask, p50 growth with size (and its SVG chart), memory per worker, the targets
missed, and a cProfile of each page that missed one."""

from __future__ import annotations

import cProfile
import io
import pstats
import random
import time

from tests.bench import common

GROWTH_PAGES = ("question", "front", "search")
# Issue 15: writes through the API, requests/s at 32 connections.
WRITE_FLOOR = {("postgres", "answer (API)"): 150, ("postgres", "vote (API)"): 150,
               ("sqlite", "answer (API)"): 80, ("sqlite", "vote (API)"): 80}
# Issue 14: search requests/s at 32 connections before it (README, 2026-12-01); 5x wanted.
SEARCH_BEFORE = {("sqlite", 100000): 4.9, ("postgres", 100000): 10.0,
                 ("sqlite", 10000): 26.0, ("postgres", 10000): 51.0}
_WRAPPERS = ("werkzeug/test.py", "flask/testing.py", "flask/app.py", "{built-in method builtins.exec}")
COLOURS = {"question": "#1f77b4", "front": "#d62728", "search": "#2ca02c"}


def report(runs: dict, bare, args, target_p99: dict[str, int]) -> None:
    rows = [["bare Flask", "-", f"{bare.rps:.1f}", bare.p50_ms, bare.p99_ms, bare.errors, "1.00"]]
    misses: list[tuple[tuple, str, str]] = []
    for (kind, n), (_, run) in runs.items():
        for name, r in run["results"].items():
            ratio = r.rps / bare.rps if bare.rps else 0
            rows.append([f"{kind} {name}", n, f"{r.rps:.1f}", r.p50_ms, r.p99_ms,
                         r.errors, f"{ratio:.2f}"])
            if name in target_p99 and r.p99_ms > target_p99[name]:
                misses.append(((kind, n), name, f"p99 {r.p99_ms:.0f} ms > {target_p99[name]} ms"))
            if name in ("question", "user") and ratio < 0.25:
                misses.append(((kind, n), name, f"req/s {ratio:.2f} of bare Flask < 0.25"))
            floor = WRITE_FLOOR.get((kind, name))
            if floor and r.rps < floor:
                misses.append(((kind, n), name, f"{r.rps:.0f} req/s < {floor}"))
            before = SEARCH_BEFORE.get((kind, n)) if name == "search" else None
            if before and r.rps < 5 * before:
                misses.append(((kind, n), name, f"{r.rps:.1f} req/s < 5 x {before} (before)"))
            drained = run.get("jobs_after", {}).get(name)
            if drained is not None and drained > 5:
                misses.append(((kind, n), name, f"jobs done {drained:.0f} s after the end > 5 s"))
            if r.errors:
                misses.append(((kind, n), name, f"{r.errors} errors ({r.detail})"))
    print(f"Per page: {args.connections} connections, {args.duration} s each, "
          f"{args.workers} gunicorn workers")
    common.print_table(["page", "threads", "req/s", "p50 ms", "p99 ms", "errors", "x bare"], rows)
    growth(runs)
    print("\nMemory per worker after the run, MB: private (pages no other process maps) /"
          " proportional (shared pages split between the processes mapping them) / resident"
          " (VmRSS, with the mmapped index files it touched):")
    mem_rows = []
    for (kind, n), (_, run) in runs.items():
        mem = run["rss"]
        mem_rows.append([f"{kind} {n}", *(f"{m[2]:.0f} / {m[3]:.0f} / {m[0]:.0f}" for m in mem)]
                        + [""] * (args.workers - len(mem)))
        if mem and max(m[2] for m in mem) > 300:
            misses.append(((kind, n), "memory",
                           f"worker private memory {max(m[2] for m in mem):.0f} MB > 300 MB"))
    common.print_table(["server", *(f"worker {i + 1}" for i in range(args.workers))], mem_rows)
    print("\nTargets missed (issues 14 and 15; the p99 targets are set at 100,000 threads):")
    if not misses:
        print("  none")
    for (kind, n), name, why in misses:
        print(f"  {kind} {n} {name}: {why}")
    if args.profile_requests:
        profile_misses(runs, misses, args.profile_requests)


def growth(runs: dict) -> None:
    sizes = sorted({n for _, n in runs})
    kinds = list(dict.fromkeys(k for k, _ in runs))
    series = {}
    for kind in kinds:
        for page in GROWTH_PAGES:
            points = [(n, runs[(kind, n)][1]["results"][page].p50_ms) for n in sizes
                      if (kind, n) in runs and page in runs[(kind, n)][1]["results"]]
            if points:
                series[(kind, page)] = points
    print("\nHow cost grows: p50 ms by threads")
    common.print_table(["page", *(f"{n:,}" for n in sizes)],
                       [[f"{k} {p}", *(dict(pts).get(n) for n in sizes)]
                        for (k, p), pts in series.items()])
    path = common.CACHE / "load-growth.svg"
    path.write_text(svg(series, sizes))
    print(f"chart: {path.relative_to(common.ROOT)}")


def svg(series: dict, sizes: list[int]) -> str:
    import math

    w, h, left, bottom, top, right = 640, 360, 60, 40, 30, 170
    top_ms = max([v for pts in series.values() for _, v in pts] + [1]) * 1.1
    lo, hi = math.log10(min(sizes)), math.log10(max(sizes))

    def x(n):
        return left + (0.5 if hi == lo else (math.log10(n) - lo) / (hi - lo)) * (w - left - right)

    def y(ms):
        return h - bottom - ms / top_ms * (h - top - bottom)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" '
           f'font-family="sans-serif" font-size="12">',
           f'<rect width="{w}" height="{h}" fill="white"/>',
           f'<text x="{left}" y="18" font-size="14">Crowdfix p50 latency by data size</text>',
           f'<line x1="{left}" y1="{h - bottom}" x2="{w - right}" y2="{h - bottom}" stroke="black"/>',
           f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="black"/>']
    for i in range(5):
        ms = top_ms * i / 4
        out.append(f'<text x="{left - 6}" y="{y(ms) + 4:.1f}" text-anchor="end">{ms:.0f}</text>')
        out.append(f'<line x1="{left}" y1="{y(ms):.1f}" x2="{w - right}" y2="{y(ms):.1f}" '
                   'stroke="#ddd"/>')
    out.append(f'<text x="14" y="{top + 10}">ms</text>')
    for n in sizes:
        out.append(f'<text x="{x(n):.1f}" y="{h - bottom + 16}" text-anchor="middle">{n:,}</text>')
    out.append(f'<text x="{(left + w - right) / 2}" y="{h - 6}" text-anchor="middle">'
               'threads (log scale)</text>')
    for row, ((kind, page), pts) in enumerate(series.items()):
        colour = COLOURS[page]
        dash = ' stroke-dasharray="6 4"' if kind == "postgres" else ""
        coords = " ".join(f"{x(n):.1f},{y(v):.1f}" for n, v in pts)
        out.append(f'<polyline points="{coords}" fill="none" stroke="{colour}" stroke-width="2"{dash}/>')
        out += [f'<circle cx="{x(n):.1f}" cy="{y(v):.1f}" r="3" fill="{colour}"/>' for n, v in pts]
        ly = top + 16 * row
        out.append(f'<line x1="{w - right + 10}" y1="{ly}" x2="{w - right + 34}" y2="{ly}" '
                   f'stroke="{colour}" stroke-width="2"{dash}/>')
        out.append(f'<text x="{w - right + 40}" y="{ly + 4}">{kind} {page}</text>')
    out.append("</svg>\n")
    return "\n".join(out)


def profile_misses(runs: dict, misses: list, requests: int) -> None:
    """cProfile one worker-equivalent in-process (Flask test client) over the URLs
    of each page that missed a target, at the largest size of each backend."""
    from tests.bench.load import app_for

    largest = {}
    for kind, n in runs:
        largest[kind] = max(n, largest.get(kind, 0))
    wanted = list(dict.fromkeys((key, name) for key, name, _ in misses
                                if name in runs[key][1]["urls"] and largest[key[0]] == key[1]))
    for (kind, n), name in wanted:
        ds, run = runs[(kind, n)]
        urls = run["urls"][name]
        app = app_for(ds, testing=False)
        from sqlalchemy import event

        from forum.extensions import db

        queries = [0]
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute",
                         lambda *a, _q=queries, **k: _q.__setitem__(0, _q[0] + 1))
        client = app.test_client()
        rng = random.Random(5)
        for url in rng.choices(urls, k=5):                   # warm up
            client.get(url)
        queries[0] = 0
        profiler = cProfile.Profile()
        started = time.perf_counter()
        done = 0
        profiler.enable()
        while done < requests and time.perf_counter() - started < 30:
            client.get(rng.choice(urls))
            done += 1
        profiler.disable()
        elapsed = time.perf_counter() - started
        print(f"\nProfile: {kind} {n} {name}, {done} requests in-process, "
              f"{1000 * elapsed / done:.1f} ms each (profiled), {queries[0] / done:.1f} SQL queries each")
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(60)
        lines = text.getvalue().splitlines()
        start = next((i for i, ln in enumerate(lines) if "ncalls" in ln), 0)
        body = [ln.replace(str(common.ROOT) + "/", "").replace(".venv/lib/python3.11/site-packages/", "")
                for ln in lines[start + 1:] if ln.strip() and not any(w in ln for w in _WRAPPERS)]
        print("(top 15 by cumulative time, the test client's and Flask's dispatch frames left out)")
        print("\n".join([lines[start], *body[:15]]))
        with app.app_context():
            db.engine.dispose()
