"""Throughput and latency of the merchant REST API against two reference views, on one gunicorn server.

Run from the project root, with the virtualenv active:

    python -m bench.api                 # full run, about 75 s
    python -m bench.api --sweep         # first try 6 gunicorn layouts on register.do (+1 min), keep the best

What it does: (re)creates a dedicated PostgreSQL database, migrates it, seeds the DEMO merchant, starts
gunicorn on a free loopback port with production-like settings (DEBUG off, real-looking secrets), loads
four endpoints in turn from a second process (wrk with a Lua script, or a Python keep-alive client if
wrk is missing), checks the answers and the rows written, prints the figures and the ratios against
the targets, then stops gunicorn and drops the database (also on Ctrl-C or an error).

    register.do                 vs  insert-ref (one INSERT through the same Django stack)
    getOrderStatusExtended.do   vs  select-ref (one SELECT by primary key through the same stack)

Never part of the tests: it needs PostgreSQL on 127.0.0.1:5432 (user postgres, trust auth) and wrk
(`apt-get install -y wrk`).
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import multiprocessing
import os
import random
import secrets
import shutil
import signal
import socket
import statistics
import string
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import psycopg

from bench.pg import drop_database, recreate_database

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"

API_USER = "demo-api"
API_PASSWORD = "demo-api-password"
RETURN_URL = "https://shop.example.tn/ok"

# The targets of the brief: API throughput relative to the reference views, and tail latency.
REGISTER_RATIO_TARGET = 0.60
STATUS_RATIO_TARGET = 0.70
P99_TARGET_MS = 50.0

# Gunicorn layouts tried by --sweep (class, workers, threads). The first is the default: on the 2-core
# machine it was written on, sync workers beat gthread by 1.5-2x on register.do (no thread switching
# under the GIL), and 3 of them (476 req/s) edged out 4 (452) and 6 (397): enough to keep both cores
# busy while one waits for PostgreSQL, few enough to leave CPU to PostgreSQL and wrk.
LAYOUTS = [
    ("sync", 3, 1),
    ("sync", 4, 1),
    ("sync", 6, 1),
    ("gthread", 2, 4),
    ("gthread", 3, 2),
    ("gthread", 4, 2),
]


# --------------------------------------------------------------------------------------------- setup


def log(message: str) -> None:
    print(message, flush=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def bench_env(database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "PUBLIC_BASE_URL", "CONN_MAX_AGE"}}
    env.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        DATABASE_URL=f"postgres://postgres@{HOST}:5432/{database}",
        DEBUG="false",
        SECRET_KEY=secrets.token_urlsafe(48),
        CARD_HASH_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS=HOST,
        SECURE_SSL_REDIRECT="false",
        SECURE_HSTS_SECONDS="0",
        LOG_LEVEL="WARNING",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])),
    )
    return env


def db_url(database: str) -> str:
    return f"postgresql://postgres@{HOST}:5432/{database}"


def manage(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{done.stdout}{done.stderr}")


def prepare_database(database: str, env: dict[str, str]) -> None:
    from bench.reference import CREATE_TABLE

    recreate_database(database)
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "seed_demo", "--orders", "0")
    with psycopg.connect(db_url(database), autocommit=True) as conn:
        conn.execute(CREATE_TABLE)
        conn.execute("ANALYZE")


def analyze(database: str) -> None:
    with psycopg.connect(db_url(database), autocommit=True) as conn:
        conn.execute("ANALYZE")


def query_one(database: str, sql: str, params: tuple = ()) -> tuple:
    with psycopg.connect(db_url(database)) as conn:
        row = conn.execute(sql, params).fetchone()
        return row if row is not None else ()


def query_column(database: str, sql: str, params: tuple = ()) -> list:
    with psycopg.connect(db_url(database)) as conn:
        return [row[0] for row in conn.execute(sql, params).fetchall()]


@dataclass(frozen=True)
class Layout:
    worker_class: str
    workers: int
    threads: int

    def __str__(self) -> str:
        threads = f" x {self.threads} threads" if self.worker_class == "gthread" else ""
        return f"gunicorn {self.worker_class}, {self.workers} workers{threads}"


class Server:
    """gunicorn in its own session, so Ctrl-C reaches us first and we stop it cleanly."""

    def __init__(self, layout: Layout, env: dict[str, str], workdir: Path) -> None:
        self.layout = layout
        self.port = free_port()
        self.log_path = workdir / f"gunicorn-{self.port}.log"
        self.command = [
            sys.executable,
            "-m",
            "gunicorn",
            "clictopay.wsgi:application",
            "--bind",
            f"{HOST}:{self.port}",
            "--worker-class",
            layout.worker_class,
            "--workers",
            str(layout.workers),
            "--threads",
            str(layout.threads),
            "--keep-alive",
            "5",
            "--backlog",
            "256",
            "--timeout",
            "30",
            "--log-level",
            "warning",
            "--chdir",
            str(ROOT),
        ]
        self._log = self.log_path.open("wb")
        self.process = subprocess.Popen(
            self.command,
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    @property
    def base(self) -> str:
        return f"http://{HOST}:{self.port}"

    def wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base}/bench/select?id=0", timeout=2):  # noqa: S310
                    return
            except urllib.error.HTTPError as error:
                if error.code == 404:
                    return  # no row 0: the reference view answered, so Django and the URLconf load
                raise RuntimeError(f"gunicorn answers HTTP {error.code}:\n{self.log_tail()}") from error
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer within {timeout:.0f} s:\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.send_signal(signal.SIGTERM)  # master stops its workers gracefully
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        self._log.close()


# ----------------------------------------------------------------------------------------- workloads


def form(values: dict[str, str]) -> str:
    return urlencode(values)


@dataclass(frozen=True)
class Workload:
    """One endpoint's load: which path, and how each request's form body is made."""

    name: str
    path: str
    check: str  # "register", "status" or "http200"
    # the parts of the body: fixed fields, then the varying one
    fixed: dict[str, str] = field(default_factory=dict)
    counter_field: str = ""  # a unique value per request: prefix + thread + counter
    pick_field: str = ""  # a value picked in turn from `choices`
    choices: tuple[str, ...] = ()


def register_workload() -> Workload:
    fixed = {"userName": API_USER, "password": API_PASSWORD, "amount": "10500", "returnUrl": RETURN_URL}
    return Workload(
        "register.do", "/payment/rest/register.do", "register", fixed, counter_field="orderNumber"
    )


def status_workload(order_ids: list[str]) -> Workload:
    fixed = {"userName": API_USER, "password": API_PASSWORD}
    return Workload(
        "getOrderStatusExtended.do",
        "/payment/rest/getOrderStatusExtended.do",
        "status",
        fixed,
        pick_field="orderId",
        choices=tuple(order_ids),
    )


def insert_workload() -> Workload:
    return Workload("insert-ref", "/bench/insert", "http200", {"amount": "10500"}, counter_field="label")


def select_workload(row_ids: list[int]) -> Workload:
    return Workload(
        "select-ref", "/bench/select", "http200", pick_field="id", choices=tuple(map(str, row_ids))
    )


@dataclass
class Result:
    requests: int  # completed responses
    seconds: float
    p50_ms: float
    p99_ms: float
    bad: int  # non-200, or a protocol error in the body, or a socket error
    socket_errors: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


# ------------------------------------------------------------------------------------------ wrk (Lua)

LUA = r"""
-- Generated by bench/api.py. Arguments: <prefix>
local threads = {}
local choices = {%(choices)s}
local path = %(path)s
local fixed = %(fixed)s
local counter_field = %(counter_field)s
local pick_field = %(pick_field)s
local check = %(check)s
local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  prefix = args[1] or "r"
  counter = 0
  bad = 0
  ok = 0
  pick = (tid * 7919) %% math.max(#choices, 1)
end

function request()
  local body = fixed
  if counter_field ~= "" then
    counter = counter + 1
    body = body .. "&" .. counter_field .. "=" .. prefix .. tid .. "-" .. counter
  end
  if pick_field ~= "" then
    pick = pick %% #choices + 1
    body = body .. "&" .. pick_field .. "=" .. choices[pick]
  end
  return wrk.format("POST", path, headers, body)
end

function response(status, headers, body)
  local good = status == 200
  if good and check == "register" then
    good = body:find('"orderId"', 1, true) ~= nil and body:find('"errorCode"', 1, true) == nil
  elseif good and check == "status" then
    good = body:find('"errorCode": "0"', 1, true) ~= nil
  end
  if good then ok = ok + 1 else bad = bad + 1 end
end

function done(summary, latency, requests)
  local tbad, tok = 0, 0
  for _, t in ipairs(threads) do
    tbad = tbad + t:get("bad")
    tok = tok + t:get("ok")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH-RESULT {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p99_us": %%d, "ok": %%d, "bad": %%d, '
    .. '"connect": %%d, "read": %%d, "write": %%d, "status": %%d, "timeout": %%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), tok, tbad,
    e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def lua_string(value: str) -> str:
    return json.dumps(value)  # a JSON string literal is a valid Lua string literal for ASCII text


def write_lua(workload: Workload, workdir: Path) -> Path:
    script = LUA % {
        "choices": ", ".join(lua_string(c) for c in workload.choices),
        "path": lua_string(workload.path),
        "fixed": lua_string(form(workload.fixed)),
        "counter_field": lua_string(workload.counter_field),
        "pick_field": lua_string(workload.pick_field),
        "check": lua_string(workload.check),
    }
    path = workdir / f"{workload.check}-{workload.path.strip('/').replace('/', '_')}.lua"
    path.write_text(script)
    return path


def run_wrk(
    server: Server,
    workload: Workload,
    prefix: str,
    seconds: float,
    connections: int,
    threads: int,
    workdir: Path,
) -> Result:
    script = write_lua(workload, workdir)
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        "--timeout",
        "10s",
        "-s",
        str(script),
        server.base + workload.path,
        "--",
        prefix,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30, check=False)
    line = next((x for x in done.stdout.splitlines() if x.startswith("BENCH-RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise RuntimeError(f"wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    data = json.loads(line.removeprefix("BENCH-RESULT "))
    socket_errors = data["connect"] + data["read"] + data["write"] + data["timeout"]
    return Result(
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        p50_ms=data["p50_us"] / 1000,
        p99_ms=data["p99_us"] / 1000,
        bad=data["bad"] + socket_errors,
        socket_errors=socket_errors,
    )


# ------------------------------------------------------------------------ fallback: Python processes


def _python_client(
    base_port: int, workload: Workload, prefix: str, seconds: float, index: int, queue: multiprocessing.Queue
) -> None:
    conn = http.client.HTTPConnection(HOST, base_port, timeout=10)
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    fixed = form(workload.fixed)
    latencies: list[float] = []
    bad = errors = counter = 0
    pick = index * 7919
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        body = fixed
        if workload.counter_field:
            counter += 1
            body += f"&{workload.counter_field}={prefix}{index}-{counter}"
        if workload.pick_field:
            pick = (pick + 1) % len(workload.choices)
            body += f"&{workload.pick_field}={workload.choices[pick]}"
        body = body.lstrip("&")
        started = time.perf_counter()
        try:
            conn.request("POST", workload.path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read()
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        except (OSError, http.client.HTTPException):
            conn.close()
            errors += 1
            continue
        latencies.append(time.perf_counter() - started)
        good = response.status == 200
        if good and workload.check == "register":
            good = b'"orderId"' in text and b'"errorCode"' not in text
        elif good and workload.check == "status":
            good = b'"errorCode": "0"' in text
        bad += not good
    queue.put((latencies, bad, errors))


def run_python(server: Server, workload: Workload, prefix: str, seconds: float, connections: int) -> Result:
    ctx = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue = ctx.Queue()
    clients = [
        ctx.Process(target=_python_client, args=(server.port, workload, prefix, seconds, i, queue))
        for i in range(connections)
    ]
    started = time.monotonic()
    for client in clients:
        client.start()
    parts = [queue.get(timeout=seconds + 30) for _ in clients]
    elapsed = time.monotonic() - started
    for client in clients:
        client.join(timeout=5)
    latencies = sorted(x for part in parts for x in part[0])
    errors = sum(part[2] for part in parts)
    if not latencies:
        return Result(0, elapsed, 0.0, 0.0, errors, errors)
    quantiles = statistics.quantiles(latencies, n=100, method="inclusive")
    return Result(
        requests=len(latencies),
        seconds=elapsed,
        p50_ms=quantiles[49] * 1000,
        p99_ms=quantiles[98] * 1000,
        bad=sum(part[1] for part in parts) + errors,
        socket_errors=errors,
    )


# ------------------------------------------------------------------------------------------- phases


@dataclass
class Options:
    seconds: float
    warmup: float
    connections: int
    threads: int
    client: str  # "wrk" or "python"
    workdir: Path
    run_id: str
    rounds: int = 2


def run_once(server: Server, workload: Workload, prefix: str, seconds: float, options: Options) -> Result:
    if options.client == "wrk":
        return run_wrk(
            server, workload, prefix, seconds, options.connections, options.threads, options.workdir
        )
    return run_python(server, workload, prefix, seconds, options.connections)


def merge(results: list[Result]) -> Result:
    """Rounds added up; p50 weighted by requests, p99 the worst round's (conservative)."""
    requests = sum(r.requests for r in results)
    return Result(
        requests=requests,
        seconds=sum(r.seconds for r in results),
        p50_ms=sum(r.p50_ms * r.requests for r in results) / requests if requests else 0.0,
        p99_ms=max(r.p99_ms for r in results),
        bad=sum(r.bad for r in results),
        socket_errors=sum(r.socket_errors for r in results),
    )


def load_pair(
    server: Server, pair: list[tuple[Workload, str]], options: Options, database: str
) -> list[Result]:
    """Warm each workload up (not counted), analyze, then measure them in alternating rounds.

    Alternating (ref, api, ref, api, ...) spreads any background load of the machine over both sides
    of a ratio. `tag` + "m" prefixes every measured counter value, so rows can be counted afterwards.
    """
    for workload, tag in pair:
        if options.warmup > 0:
            run_once(server, workload, f"{options.run_id}{tag}w", options.warmup, options)
    # The bench's tables start empty. Plans PostgreSQL caches meanwhile, the foreign-key checks' among
    # them, scan the orders table on every insert (a cost that grows with each row) until autovacuum's
    # next analyze, a minute or more away; a gateway in service has rows and statistics. Analyze as
    # autovacuum would: new statistics make every session plan again.
    analyze(database)
    rounds: list[list[Result]] = [[] for _ in pair]
    for index in range(options.rounds):
        for results, (workload, tag) in zip(rounds, pair, strict=True):
            prefix = f"{options.run_id}{tag}m{index}x"
            results.append(run_once(server, workload, prefix, options.seconds / options.rounds, options))
    return [merge(results) for results in rounds]


@dataclass
class Figures:
    name: str
    result: Result
    note: str = ""


def run_all(server: Server, database: str, options: Options) -> list[Figures]:
    run = options.run_id

    log("  insert-ref and register.do ...")
    insert, register = load_pair(
        server, [(insert_workload(), "i"), (register_workload(), "r")], options, database
    )
    (rows,) = query_one(database, "SELECT count(*) FROM bench_ref WHERE label LIKE %s", (f"{run}im%",))
    orders, operations = query_one(
        database,
        "SELECT count(DISTINCT o.id), count(op.id) FROM payments_order o "
        "LEFT JOIN payments_operation op ON op.order_id = o.id AND op.kind = 'register' "
        "WHERE o.order_number LIKE %s",
        (f"{run}rm%",),
    )

    row_ids = query_column(database, "SELECT id FROM bench_ref ORDER BY random() LIMIT 2000")
    order_ids = [
        str(x)
        for x in query_column(
            database,
            "SELECT order_id FROM payments_order WHERE order_number LIKE %s ORDER BY random() LIMIT 2000",
            (f"{run}r%",),
        )
    ]
    if not row_ids or not order_ids:
        raise RuntimeError(
            f"nothing to read back: insert-ref answered {insert.requests} ({insert.bad} bad), register.do"
            f" {register.requests} ({register.bad} bad); see the gunicorn log"
        )
    log("  select-ref and getOrderStatusExtended.do ...")
    select, status = load_pair(
        server, [(select_workload(row_ids), "s"), (status_workload(order_ids), "g")], options, database
    )
    return [
        Figures("insert-ref", insert, f"rows written {rows} / answered {insert.requests}"),
        Figures(
            "register.do",
            register,
            f"orders written {orders} (with {operations} register operations) / answered {register.requests}",
        ),
        Figures("select-ref", select),
        Figures("getOrderStatusExtended.do", status),
    ]


def busy_warning(load_before: float) -> None:
    """The figures assume the machine does nothing else; say so when it did."""
    cores = os.cpu_count() or 1
    log(
        f"\nLoad average (1 min): {load_before:.1f} at the start,"
        f" {os.getloadavg()[0]:.1f} after, on {cores} cores."
    )
    if load_before > 0.5 * cores:
        log("WARNING: the machine was already busy: every figure is lowered, the ratios less so.")


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(figures: list[Figures], layout: Layout, options: Options) -> bool:
    by_name = {f.name: f.result for f in figures}
    log("")
    log(
        f"Configuration: {layout}; load: {options.client}"
        + (f" -t{options.threads}" if options.client == "wrk" else "")
        + f" with {options.connections} connections, {options.warmup:g} s warm-up + {options.seconds:g} s"
        f" measured per endpoint in {options.rounds} rounds alternating with its reference."
    )
    log("Server: DEBUG=false, PostgreSQL 127.0.0.1:5432, persistent DB connections (CONN_MAX_AGE).")
    log("")
    log(f"{'endpoint':<27} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'requests':>9} {'bad':>5}  check")
    for figure in figures:
        r = figure.result
        log(
            f"{figure.name:<27} {r.rps:>8.0f} {r.p50_ms:>8.1f} {r.p99_ms:>8.1f} {r.requests:>9} {r.bad:>5}  "
            f"{figure.note}"
        )
    register, insert = by_name["register.do"], by_name["insert-ref"]
    status, select = by_name["getOrderStatusExtended.do"], by_name["select-ref"]
    checks = [
        (
            "register.do / insert-ref",
            register.rps / insert.rps if insert.rps else 0.0,
            f">= {REGISTER_RATIO_TARGET:.2f}",
            register.rps >= REGISTER_RATIO_TARGET * insert.rps,
        ),
        (
            "getOrderStatusExtended.do / select-ref",
            status.rps / select.rps if select.rps else 0.0,
            f">= {STATUS_RATIO_TARGET:.2f}",
            status.rps >= STATUS_RATIO_TARGET * select.rps,
        ),
        ("register.do p99 (ms)", register.p99_ms, f"< {P99_TARGET_MS:.0f}", register.p99_ms < P99_TARGET_MS),
        (
            "getOrderStatusExtended.do p99 (ms)",
            status.p99_ms,
            f"< {P99_TARGET_MS:.0f}",
            status.p99_ms < P99_TARGET_MS,
        ),
        (
            "bad answers (all endpoints)",
            float(sum(f.result.bad for f in figures)),
            "= 0",
            not any(f.result.bad for f in figures),
        ),
    ]
    log("")
    for name, value, target, ok in checks:
        log(f"{name:<40} {value:>8.2f}  target {target:<7} {verdict(ok)}")
    return all(ok for *_, ok in checks)


def sweep(env: dict[str, str], database: str, options: Options) -> Layout:
    """Try each layout on register.do for a few seconds; the best throughput wins."""
    log("Sweep: register.do per gunicorn layout")
    best: tuple[float, Layout] | None = None
    short = Options(**{**options.__dict__, "seconds": 5.0, "warmup": 2.0, "rounds": 1})
    for index, (worker_class, workers, threads) in enumerate(LAYOUTS):
        layout = Layout(worker_class, workers, threads)
        server = Server(layout, env, options.workdir)
        try:
            server.wait_ready()
            (result,) = load_pair(server, [(register_workload(), f"x{index}")], short, database)
        finally:
            server.stop()
        log(f"  {layout!s:<40} {result.rps:>7.0f} req/s  p99 {result.p99_ms:6.1f} ms  bad {result.bad}")
        if best is None or result.rps > best[0]:
            best = (result.rps, layout)
    assert best is not None
    log(f"Best: {best[1]}")
    return best[1]


# -------------------------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.api", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=12, help="measured seconds per endpoint (12)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating ref/API rounds (2)")
    parser.add_argument("--warmup", type=float, default=3, help="warm-up seconds per endpoint (3)")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections (8)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    worker_class, workers, threads = LAYOUTS[0]
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default=worker_class)
    parser.add_argument("--workers", type=int, default=workers)
    parser.add_argument("--worker-threads", type=int, default=threads, help="threads per gthread worker")
    parser.add_argument("--sweep", action="store_true", help="pick the best gunicorn layout first")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--database", default="clictopay_bench", help="dropped and re-created")
    parser.add_argument("--keep-db", action="store_true", help="leave the database behind for inspection")
    return parser.parse_args(argv)


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM and SIGINT unwind like Ctrl-C, so the `finally` blocks stop gunicorn and drop the database."""

    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started ignoring it
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        signal.signal(signal.SIGINT, previous_int)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    client = args.client
    if client == "auto":
        client = "wrk" if shutil.which("wrk") else "python"
        if client == "python":
            log("wrk not found (apt-get install -y wrk): falling back to the Python client,")
            log("which shares the 2 cores with the server and lowers every figure.")
    elif client == "wrk" and not shutil.which("wrk"):
        log("wrk not found: apt-get install -y wrk")
        return 2

    started = time.monotonic()
    load_before = os.getloadavg()[0]
    env = bench_env(args.database)
    workdir = Path(tempfile.mkdtemp(prefix="clictopay-bench-"))
    run_id = "b" + "".join(random.choices(string.ascii_lowercase + string.digits, k=5))
    options = Options(
        args.seconds, args.warmup, args.connections, args.threads, client, workdir, run_id, args.rounds
    )
    server: Server | None = None
    try:
        with terminate_as_interrupt():
            log(f"Database {args.database}: re-creating, migrating, seeding ...")
            prepare_database(args.database, env)
            if args.sweep:
                layout = sweep(env, args.database, options)
            else:
                layout = Layout(args.worker_class, args.workers, args.worker_threads)
            server = Server(layout, env, workdir)
            server.wait_ready()
            log(f"Server: {server.base} ({layout}, pid {server.process.pid}); loading ...")
            figures = run_all(server, args.database, options)
            server.stop()
            server = None
            passed = report(figures, layout, options)
            busy_warning(load_before)
            log(f"\nTotal {time.monotonic() - started:.0f} s.")
            return 0 if passed else 1
    except KeyboardInterrupt:
        log("\nInterrupted.")
        return 130
    except Exception:
        if server is not None:
            log(f"gunicorn log:\n{server.log_tail()}")
        raise
    finally:
        if server is not None:
            server.stop()
        if not args.keep_db:
            with contextlib.suppress(psycopg.Error):
                drop_database(args.database)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
