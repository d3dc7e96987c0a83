"""Driving load with wrk (Debian's package): a Lua script per page that picks a
varied URL for every request, and a `done` hook that prints the figures as JSON."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

DONE = r"""
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCHJSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,' ..
    '"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""

SETUP = r"""
local counter = 0
local next_thread = 1
setup = function(thread)
  thread:set("tid", next_thread)
  next_thread = next_thread + 1
end
init = function(args)
  math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
end
"""


@dataclass
class Result:
    requests: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int          # non-2xx/3xx responses and socket errors
    detail: str


def _lua_list(items: list) -> str:
    return "{" + ",".join(json.dumps(i) if isinstance(i, str) else str(i) for i in items) + "}"


def get_script(paths: list[str]) -> str:
    return (f"local paths = {_lua_list(paths)}\n" + SETUP
            + "request = function()\n  return wrk.format('GET', paths[math.random(#paths)])\nend\n"
            + DONE)


def answer_script(question_ids: list[int], tokens: list[str]) -> str:
    return (f"local qids = {_lua_list(question_ids)}\nlocal tokens = {_lua_list(tokens)}\n" + SETUP
            + r"""
request = function()
  counter = counter + 1
  local token = tokens[(counter + (tid or 0)) % #tokens + 1]
  local qid = qids[math.random(#qids)]
  local body = string.format('{"body": "Bench answer %d-%d-%d: restart the service, clear '
    .. 'the cache folder and check the log for the error code again."}',
    tid or 0, counter, math.random(1000000000))
  return wrk.format('POST', '/api/v1/questions/' .. qid .. '/answers',
    {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}, body)
end
""" + DONE)


def vote_script(max_post_id: int, tokens: list[str]) -> str:
    return (f"local tokens = {_lua_list(tokens)}\n" + SETUP + f"""
request = function()
  counter = counter + 1
  local token = tokens[(counter + (tid or 0)) % #tokens + 1]
  local post = math.random({max_post_id})
  local body = '{{"value": ' .. math.random(0, 1) .. '}}'
  return wrk.format('POST', '/api/v1/posts/' .. post .. '/vote',
    {{["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"}}, body)
end
""" + DONE)


def search_paths(words: list[str]) -> list[str]:
    return [f"/search?q={quote(w)}" for w in words]


def available() -> bool:
    return shutil.which("wrk") is not None


def run(base: str, script: str, path: Path, duration: int, connections: int,
        threads: int = 2) -> Result:
    path.write_text(script)
    cmd = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
           "-s", str(path), base]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=duration + 60)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("BENCHJSON ")), None)
    if line is None:
        raise RuntimeError(f"wrk printed no figures: {out.stdout[-500:]} {out.stderr[-500:]}")
    d = json.loads(line.split(" ", 1)[1])
    socket_errors = d["connect"] + d["read"] + d["write"] + d["timeout"]
    detail = (f"{d['status']} non-2xx/3xx" if d["status"] else "") + (
        f" socket c/r/w/t {d['connect']}/{d['read']}/{d['write']}/{d['timeout']}"
        if socket_errors else "")
    return Result(requests=d["requests"], rps=d["requests"] / (d["duration_us"] / 1e6),
                  p50_ms=d["p50_us"] / 1000, p99_ms=d["p99_us"] / 1000,
                  errors=d["status"] + socket_errors, detail=detail.strip())
