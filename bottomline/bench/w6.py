"""W6 (DESIGN.md §8, issue #17): the API's p99 ≤ 250 ms at 50 requests/s for 10 minutes with no error, on the
production stack (nginx with TLS, gunicorn, Redis, a job worker, PostgreSQL; bottomline/web/stack.py, the same
code as the production smoke test) with the demo county (Huangzhong at its real size, as `make demo` loads it).

An open-loop load generator from the standard library: a dispatcher hands out requests at the fixed arrival rate
whatever the answers take, a pool of threads sends them (one kept-alive TLS connection each), and each request's
latency runs from the moment it was due, so that a slow server cannot slow the offered load down (no coordinated
omission). The mix, by weight: reads (household list and detail, the work queues' counts and one queue's cases, the
county's dashboard page with a signed-in session) and writes (follow-up visits of monitored cases through the API;
declarations through the public API, each from its own loopback address as villagers' phones would be, so that
the portal's per-address limit does not refuse them). Every request is an error unless it gets its documented
status (200, or 201 for a write).

Alongside: the machine's load average and the CPU of the stack's processes, PostgreSQL's and the generator's
(sampled from /proc every 5 s), and nginx's own timings per kind (``$request_time``, ``$upstream_response_time``
from its access log): the time in Django, against the time a client sees.

    python -m bottomline.bench w6                 # 10 minutes at 50 requests/s, then 5 while W1 runs
    python -m bottomline.bench w6 --minutes 1     # a quick check (the target still applies)

Then, for ``BENCH_W6_BUSY_MINUTES`` (default half the minutes; 0: none), the same load while full screenings of
the county run one after another beside it (``Screenings``): DESIGN.md §8 allows W6 twice its p99 while W1 runs.

The measured window follows 15 s of the same load, not counted (every worker's first requests).

Needs nginx, Redis (``BENCH_REDIS``, default redis://127.0.0.1:6379/0) and PostgreSQL (``BENCH_POSTGRES``); the
scratch database ``bottomline_bench_w6`` is created and dropped. Loading the county takes a few minutes first.
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import queue
import random
import ssl
import statistics
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from bottomline.bench.report import append, check, environment_line
from bottomline.bench.scratch import SERVER

if TYPE_CHECKING:
    from bottomline.web.stack import Stack

COUNTY = "630106000000"  # 湟中区: the demo county
RATE = 50.0  # requests a second
MINUTES = 10.0
TARGET_P99_MS = 250.0
THREADS = 96  # senders: enough that a slow answer never holds up the next one due
# A request still unsent this long after the window is not sent: an error ("the server fell behind"), so that a
# saturated server ends the run on time instead of draining a backlog for as long again.
GRACE_SECONDS = 60.0
WARM_SECONDS = 15.0  # of load at the same rate before the measured window, not counted
REDIS = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379/0")
DATABASE = "bottomline_bench_w6"
TIMED_LOG = "$msec $request_time $upstream_response_time $status $request_method $uri"
# gunicorn's: microseconds inside a worker, from its accepting the request
WORKER_LOG = "%(D)s %(m)s %(U)s %(s)s"


# ---------------------------------------------------------------------------------------------- the county


def _load_county(env: dict[str, str]) -> dict[str, Any]:
    """The demo county as scripts/demo.sh loads it (demo_users refuses production mode: the loading commands
    run in development mode on the stack's database with its keys), then the benchmark's token and session."""
    from bottomline.web.stack import manage, shell_json

    loading = {**env, "BOTTOMLINE_ENV": "development", "BOTTOMLINE_DEBUG": "0"}
    for command in (
        ("regions_load", "--provinces", "63"),
        ("policy_seed",),
        ("synth", "--counties", COUNTY[:6], "--seed", "1"),
        ("demo_users",),
        ("history_synth", "--county", COUNTY[:6], "--seed", "1"),
        ("screen", "--region", COUNTY),
        ("demo_cases",),
        ("figures_refresh", "--region", COUNTY, "--months", "24"),
    ):
        manage(loading, *command, timeout=3600)
    # Fresh statistics, as autovacuum keeps them on a running server (this machine's PostgreSQL runs without it:
    # a plan made for empty tables took the queue counts from 13 ms to 190 ms).
    shell_json(env, "from bottomline.bench.w6 import analyze; analyze()", timeout=600)
    return shell_json(env, "from bottomline.bench.w6 import fixtures; fixtures()", timeout=600)


def analyze() -> None:
    """ANALYZE the stack's database (run inside it by ``manage.py shell``); prints an empty JSON object."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print("{}")


def fixtures() -> None:
    """Inside the stack (``manage.py shell``): an API token and a signed-in session (with its second factor) of
    the county officer, and the ids the requests pick from; one JSON line."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bottomline.accounts.models import TokenScope, User
    from bottomline.accounts.services import token_create
    from bottomline.monitoring.models import Case
    from bottomline.monitoring.selectors import Queue
    from bottomline.monitoring.workflow import ASSISTABLE
    from bottomline.registry.choices import RiskType
    from bottomline.registry.models import Household

    officer = User.objects.get(username="county")
    _, token = token_create(user=officer, name="W6 benchmark", scope=TokenScope.WRITE)
    device = TOTPDevice.objects.create(user=officer, name="W6 benchmark", confirmed=True)
    session = SessionStore()
    session[SESSION_KEY] = str(officer.pk)
    session[BACKEND_SESSION_KEY] = "bottomline.accounts.backends.RegionModelBackend"
    session[HASH_SESSION_KEY] = officer.get_session_auth_hash()
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.create()
    homes = Household.objects.filter(village__code__startswith=COUNTY[:6])
    cases = Case.objects.filter(household__village__code__startswith=COUNTY[:6], state__in=ASSISTABLE)
    today = timezone.localdate()
    print(
        json.dumps(
            {
                "token": token,
                "session": session.session_key,
                "households": list(homes.values_list("pk", flat=True)),
                "villages": sorted(set(homes.values_list("village__code", flat=True))),
                "cases": [
                    pk
                    for pk, on, opened in cases.values_list("pk", "identified_on", "opened_at")
                    if (on or timezone.localtime(opened).date()) <= today
                ],
                "queues": [q.value for q in Queue],
                "risk_types": list(RiskType.values),
            }
        )
    )


# ---------------------------------------------------------------------------------------------- the mix


@dataclass(frozen=True)
class Call:
    kind: str
    method: str
    path: str
    body: bytes | None = None
    expect: int = 200
    source: str | None = None  # a fresh connection from this loopback address
    cookie: bool = False  # the signed-in session instead of the token


def _id_number(rng: random.Random) -> str:
    from stdnum.cn import ric

    body = f"{COUNTY[:6]}{rng.randrange(1950, 2005)}{rng.randrange(1, 13):02d}{rng.randrange(1, 29):02d}"
    body += f"{rng.randrange(900, 1000):03d}"  # sequences the synthetic registry does not use
    return body + str(ric.calc_check_digit(body + "0"))


# Declarations of the whole benchmark (preflight, warm-up, both windows), each with its own phone number and
# address: the portal allows a phone a few a day, and a new Mix each window had started them over (a 429).
DECLARATIONS = itertools.count()


class Mix:
    """Draws the next request; the weights add up to 100."""

    def __init__(self, data: dict[str, Any], seed: int = 6) -> None:
        self.data = data
        self.rng = random.Random(seed)  # noqa: S311  (a load mix, not a secret)
        self.kinds: list[tuple[str, int, Callable[[], Call]]] = [
            ("household list", 20, self.household_list),
            ("household detail", 28, self.household_detail),
            ("queue counts", 10, lambda: Call("queue counts", "GET", "/api/v1/monitoring/queues")),
            ("queue cases", 12, self.queue_cases),
            ("dashboard", 6, lambda: Call("dashboard", "GET", f"/dashboard/{COUNTY}/", cookie=True)),
            ("follow-up", 14, self.follow_up),
            ("declaration", 10, self.declaration),
        ]
        self.weights = [w for _, w, _ in self.kinds]

    def next(self) -> Call:
        return self.rng.choices(self.kinds, weights=self.weights)[0][2]()

    def household_list(self) -> Call:
        region = COUNTY if self.rng.random() < 0.25 else self.rng.choice(self.data["villages"])
        return Call("household list", "GET", f"/api/v1/registry/households?region={region}&limit=50")

    def household_detail(self) -> Call:
        pk = self.rng.choice(self.data["households"])
        return Call("household detail", "GET", f"/api/v1/registry/households/{pk}")

    def queue_cases(self) -> Call:
        return Call(
            "queue cases", "GET", f"/api/v1/monitoring/cases?queue={self.rng.choice(self.data['queues'])}"
        )

    def follow_up(self) -> Call:
        body = {"visited_on": date.today().isoformat(), "note": "W6 benchmark visit"}
        pk = self.rng.choice(self.data["cases"])
        return Call(
            "follow-up", "POST", f"/api/v1/monitoring/cases/{pk}/follow-ups", json.dumps(body).encode(), 201
        )

    def declaration(self) -> Call:
        n = next(DECLARATIONS)
        body = {
            "name": "赵" + "明华秀兰志强"[n % 6],
            "phone": f"139{n:08d}",
            "id_number": _id_number(self.rng),
            "village_code": self.rng.choice(self.data["villages"]),
            "risk_type": self.rng.choice(self.data["risk_types"]),
            "description": "W6 benchmark",
            "consent": True,
        }
        return Call(
            "declaration",
            "POST",
            "/api/v1/portal/public/declarations",
            json.dumps(body, ensure_ascii=False).encode(),
            201,
            source=f"127.1.{n // 250}.{n % 250 + 1}",  # 62,500 addresses: one declaration each
        )


# ---------------------------------------------------------------------------------------------- the load


@dataclass
class Result:
    kind: str
    due: float
    started: float
    seconds: float
    status: int
    error: str = ""


@dataclass
class Samples:
    load: list[tuple[float, float, float]] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=lambda: defaultdict(float))  # CPU seconds over the run
    seconds: float = 0.0
    # Each second (monotonic time at its end): the machine's stalls and PostgreSQL's waits in it (``_second``).
    seconds_seen: list[tuple[float, dict[str, float]]] = field(default_factory=list)


def _machine() -> dict[str, float]:
    """Counters so far, in seconds: the kernel's pressure stall totals (/proc/pressure: "io some" is time in
    which some task waited for the disk, "io full" time in which all did) and the CPUs' iowait and steal
    (/proc/stat; steal: time the hypervisor gave to another machine)."""
    found: dict[str, float] = {}
    for name in ("cpu", "io", "memory"):
        try:
            text = Path(f"/proc/pressure/{name}").read_text()
        except OSError:
            continue
        for line in text.splitlines():
            kind, *fields = line.split()
            found[f"{name} {kind}"] = int(dict(f.split("=") for f in fields)["total"]) / 1e6
    with open("/proc/stat") as stat:
        cpu = stat.readline().split()[1:]
    ticks = os.sysconf("SC_CLK_TCK")
    found["iowait"], found["steal"] = int(cpu[4]) / ticks, int(cpu[7]) / ticks
    return found


def _second(stop: threading.Event, samples: Samples, dsn: str | None) -> None:
    """Every second: how much of it the machine stalled (``_machine``'s growth), the CPU each group of processes
    used (``_cpu_by_process``), and what PostgreSQL's active backends of the scratch database waited on (``Lock:transactionid``, ``IO:DataFileRead``, ``CPU`` when none),
    to tell a stall of the disk, of the CPU (another machine's load) or of a lock apart."""
    import psycopg

    connection = psycopg.connect(dsn, autocommit=True) if dsn else None
    try:
        before, cpu_before = _machine(), _cpu_by_process(os.getpid())
        while not stop.wait(1):
            now, cpu_now = _machine(), _cpu_by_process(os.getpid())
            seen = {key: now[key] - before.get(key, now[key]) for key in now}
            for pid, (group, cpu) in cpu_now.items():  # the CPU each group used in the second
                key = f"cpu {group}"
                seen[key] = seen.get(key, 0.0) + cpu - cpu_before.get(pid, (group, cpu))[1]
            before, cpu_before = now, cpu_now
            if connection is not None:
                rows = connection.execute(
                    "SELECT coalesce(wait_event_type || ':' || wait_event, 'CPU'), count(*) FROM pg_stat_activity "
                    "WHERE datname = %s AND state = 'active' AND pid <> pg_backend_pid() GROUP BY 1",
                    [DATABASE],
                ).fetchall()
                seen.update({f"pg {event}": float(n) for event, n in rows})
            samples.seconds_seen.append((time.monotonic(), seen))
    finally:
        if connection is not None:
            connection.close()


def _cpu_by_process(root: int) -> dict[int, tuple[str, float]]:
    """Each process's group and CPU seconds so far: the stack (this process's children and theirs), this process
    (the generator), and the PostgreSQL and Redis servers (all their processes: the machine is shared)."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, str, float]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                raw = stat.read()
        except OSError:
            continue
        name = raw[raw.index(b"(") + 1 : raw.rindex(b")")].decode(errors="replace")
        fields = raw.rsplit(b")", 1)[1].split()
        stats[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / ticks)
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, (parent, _, _) in stats.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    found: dict[int, tuple[str, float]] = {}
    for pid, (_, name, cpu) in stats.items():
        if pid == root:
            found[pid] = ("generator", cpu)
        elif pid in tree:
            found[pid] = (
                "gunicorn" if "gunicorn" in name or "bottomline" in name else name.split(":")[0],
                cpu,
            )
        elif name.startswith("postgres"):
            found[pid] = (_postgres_kind(entry.name), cpu)
        elif name.startswith("redis"):
            found[pid] = ("redis", cpu)
    return found


def _postgres_kind(pid: str) -> str:
    """A PostgreSQL process's group by its title: the backends apart from autovacuum and the background writers."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            title = cmdline.read().decode(errors="replace")
    except OSError:
        return "postgres"
    if "autovacuum" in title:
        return "postgres autovacuum"
    if any(word in title for word in ("checkpointer", "walwriter", "background writer")):
        return "postgres writers"
    return "postgres"


def _sample(stop: threading.Event, samples: Samples) -> None:
    """The load average every 5 s, and the CPU each group used over the run: per process, from its first sample
    (or from its start, for one started since) to its last, so that a PostgreSQL backend that ended during the
    run (connections are recycled) still counts."""
    first, started = _cpu_by_process(os.getpid()), time.monotonic()
    last = dict(first)
    while not stop.wait(5):
        samples.load.append(os.getloadavg())
        last.update(_cpu_by_process(os.getpid()))
    last.update(_cpu_by_process(os.getpid()))
    samples.seconds = time.monotonic() - started
    for pid, (group, cpu) in last.items():
        samples.cpu[group] += cpu - first.get(pid, (group, 0.0))[1]


class Sender(threading.Thread):
    """Takes due requests from the queue and sends them on its own kept-alive connection."""

    def __init__(
        self,
        work: queue.Queue[tuple[float, Call] | None],
        out: list[Result],
        target: dict[str, Any],
        deadline: float = float("inf"),
    ):
        super().__init__(daemon=True)
        self.work, self.out, self.target, self.deadline = work, out, target, deadline
        self.connection: http.client.HTTPSConnection | None = None

    def _connect(self, source: str | None = None) -> http.client.HTTPSConnection:
        return http.client.HTTPSConnection(
            self.target["host"],
            self.target["port"],
            timeout=60,
            context=self.target["tls"],
            source_address=(source, 0) if source else None,
        )

    def _headers(self, call: Call) -> dict[str, str]:
        headers = {"Accept-Language": "en", "Host": self.target["netloc"]}
        if call.cookie:
            headers["Cookie"] = f"sessionid={self.target['session']}"
        elif call.source is None:
            headers["Authorization"] = f"Bearer {self.target['token']}"
        if call.body is not None:
            headers["Content-Type"] = "application/json"
        return headers

    def _send(self, connection: http.client.HTTPSConnection, call: Call) -> tuple[int, bytes]:
        connection.request(call.method, call.path, body=call.body, headers=self._headers(call))
        response = connection.getresponse()
        return response.status, response.read()

    def run(self) -> None:
        while (item := self.work.get()) is not None:
            due, call = item
            started = time.monotonic()
            if started > self.deadline:
                self.out.append(
                    Result(call.kind, due, started, started - due, 0, "not sent: the server fell behind")
                )
                continue
            status, body, error = 0, b"", ""
            try:
                if call.source is not None:
                    fresh = self._connect(call.source)
                    try:
                        status, body = self._send(fresh, call)
                    finally:
                        fresh.close()
                else:
                    reused = self.connection is not None
                    if self.connection is None:
                        self.connection = self._connect()
                    try:
                        status, body = self._send(self.connection, call)
                    except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                        self.connection.close()
                        self.connection = self._connect()
                        if not reused:
                            raise
                        status, body = self._send(self.connection, call)  # nginx closed an idle keep-alive
            except Exception as exc:  # every failure is counted, and the sender goes on
                error = f"{type(exc).__name__}: {exc}"
                if self.connection is not None:
                    self.connection.close()
                    self.connection = None
            finished = time.monotonic()
            if not error and status != call.expect:
                error = f"{status}: {body[:200].decode(errors='replace')}"
            self.out.append(Result(call.kind, due, started, finished - due, status, error))
        if self.connection is not None:
            self.connection.close()


def preflight(*, url: str, ca: str, data: dict[str, Any]) -> None:
    """Send each kind of request once (unmeasured: it also warms the workers); a kind that fails stops the
    benchmark before its minutes of load, with the answer."""
    from bottomline.web.stack import StackFailed

    results: list[Result] = []
    work: queue.Queue[tuple[float, Call] | None] = queue.Queue()
    mix = Mix(data, seed=0)
    for _, _, draw in mix.kinds:
        work.put((time.monotonic(), draw()))
    work.put(None)
    parts = urlparse(url)
    sender = Sender(work, results, _target(parts.hostname or "", parts.port or 443, parts.netloc, ca, data))
    sender.run()
    for r in results:
        print(f"  preflight {r.kind}: {r.status} in {r.seconds * 1000:.0f} ms {r.error[:300]}", flush=True)
    failed = [r for r in results if r.error]
    if failed:
        raise StackFailed(
            f"{len(failed)} kind(s) of request fail: " + "; ".join(f"{r.kind}: {r.error}" for r in failed)
        )


def _target(host: str, port: int, netloc: str, ca: str, data: dict[str, Any]) -> dict[str, Any]:
    return {
        "host": host,
        "port": port,
        "netloc": netloc,
        "tls": ssl.create_default_context(cafile=ca),
        "token": data["token"],
        "session": data["session"],
    }


def drive(
    *, url: str, ca: str, data: dict[str, Any], rate: float, seconds: float, dsn: str | None = None
) -> tuple[list[Result], Samples]:
    """Offer ``rate`` requests a second for ``seconds`` (open loop); every request's result and the samples
    (with PostgreSQL's waits each second when ``dsn`` is given)."""
    parts = urlparse(url)
    target = _target(parts.hostname or "", parts.port or 443, parts.netloc, ca, data)
    mix = Mix(data)
    work: queue.Queue[tuple[float, Call] | None] = queue.Queue()
    results: list[Result] = []
    begin = time.monotonic() + 0.5
    senders = [Sender(work, results, target, begin + seconds + GRACE_SECONDS) for _ in range(THREADS)]
    for sender in senders:
        sender.start()
    samples, stop = Samples(), threading.Event()
    sampler = threading.Thread(target=_sample, args=(stop, samples), daemon=True)
    sampler.start()
    watcher = threading.Thread(target=_second, args=(stop, samples, dsn), daemon=True)
    watcher.start()
    count = int(rate * seconds)
    for i in range(count):
        due = begin + i / rate
        call = mix.next()  # drawn before its time, so that drawing never delays a send
        pause = due - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        work.put((due, call))
    for _ in senders:
        work.put(None)
    for sender in senders:
        sender.join(timeout=max(0.0, begin + seconds + GRACE_SECONDS + 70 - time.monotonic()))
    stop.set()
    sampler.join()
    watcher.join()
    return results, samples


# ---------------------------------------------------------------------------------------------- figures


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def _kind_of(method: str, uri: str) -> str | None:
    if uri.startswith("/api/v1/registry/households/"):
        return "household detail"
    if uri.startswith("/api/v1/registry/households"):
        return "household list"
    if uri == "/api/v1/monitoring/queues":
        return "queue counts"
    if uri == "/api/v1/monitoring/cases":
        return "queue cases"
    if uri.startswith("/dashboard/"):
        return "dashboard"
    if uri.endswith("/follow-ups"):
        return "follow-up"
    if uri == "/api/v1/portal/public/declarations":
        return "declaration"
    return None


def server_times(log: Path, since: float) -> dict[str, tuple[list[float], list[float]]]:
    """nginx's request time and gunicorn's (upstream) time per kind, in ms, from the access log."""
    times: dict[str, tuple[list[float], list[float]]] = defaultdict(lambda: ([], []))
    for line in log.read_text(errors="replace").splitlines():
        parts = line.split()
        if len(parts) < 6 or float(parts[0]) < since:
            continue
        kind = _kind_of(parts[4], parts[5])
        if kind is None:
            continue
        times[kind][0].append(float(parts[1]) * 1000)
        if parts[2] not in {"-", ""}:
            times[kind][1].append(float(parts[2].split(",")[-1]) * 1000)
    return times


def worker_times(log: Path) -> dict[str, list[float]]:
    """The time each request spent inside a gunicorn worker per kind, in ms, from gunicorn's access log: beside
    nginx's upstream time (which adds the wait for a free worker) it tells queueing from work."""
    times: dict[str, list[float]] = defaultdict(list)
    if not log.exists():
        return times
    for line in log.read_text(errors="replace").splitlines():
        parts = line.split()
        kind = _kind_of(parts[1], parts[2]) if len(parts) >= 4 and parts[0].isdigit() else None
        if kind is not None:
            times[kind].append(int(parts[0]) / 1000)
    return times


def slow_seconds(
    results: list[Result], limit_ms: float, seen: list[tuple[float, dict[str, float]]] | None = None
) -> list[str]:
    """Whether the slow requests come together (a stall of the whole stack) or spread over the run (queueing):
    the seconds (from the first request due) that hold them, and the p99 of each minute; with ``seen``
    (``Samples.seconds_seen``), what the machine and PostgreSQL did in the worst seconds and over the run."""
    if not results:
        return []
    begin = min(r.due for r in results)
    slow: dict[int, int] = defaultdict(int)
    minutes: dict[int, list[float]] = defaultdict(list)
    for r in results:
        if r.seconds * 1000 > limit_ms:
            slow[int(r.due - begin)] += 1
        minutes[int((r.due - begin) // 60)].append(r.seconds * 1000)
    total = sum(slow.values())
    worst = sorted(slow.items(), key=lambda kv: -kv[1])[:10]
    held = sum(n for _, n in worst)
    return [
        f"Requests over {limit_ms:.0f} ms: {total}, due in {len(slow)} distinct seconds; the 10 worst seconds "
        f"(t = {', '.join(f'{t} s ({n})' for t, n in sorted(worst))}) hold {held / max(total, 1):.0%} of them.",
        "p99 of each minute, ms: "
        + ", ".join(f"{_pct(ms, 99):.0f}" for _, ms in sorted(minutes.items()))
        + ".",
        *_stalls(begin, [t for t, _ in sorted(worst)], seen or []),
    ]


def _stalls(begin: float, worst: list[int], seen: list[tuple[float, dict[str, float]]]) -> list[str]:
    """What was seen in the worst seconds (and the one before each), and in all, from the per-second samples."""
    if not seen:
        return []
    by_second = {int(at - begin): values for at, values in seen}

    def said(values: dict[str, float]) -> str:
        shown = [f"{key} {value:.2f}" for key, value in sorted(values.items()) if value >= 0.05]
        return ", ".join(shown) or "nothing"

    totals: dict[str, float] = defaultdict(float)
    for _, values in seen:
        for key, value in values.items():
            totals[key] += value
    span = len(seen)
    lines = [
        f"Over the {span} s sampled (seconds of stall, or PostgreSQL backends waiting, per second on average): "
        + ", ".join(
            f"{key} {value / span:.2f}" for key, value in sorted(totals.items()) if value / span >= 0.01
        )
        + "."
    ]
    lines += [
        f"- t = {t} s: {said(by_second.get(t, {}))}; the second before: {said(by_second.get(t - 1, {}))}"
        for t in worst
    ]
    return lines


def report(
    results: list[Result],
    samples: Samples,
    servers: dict[str, tuple[list[float], list[float]]],
    minutes: float,
    workers: dict[str, list[float]] | None = None,
) -> tuple[list[str], float, int]:
    """The figures' lines, the overall p99 and the error count."""
    by_kind: dict[str, list[Result]] = defaultdict(list)
    for r in results:
        by_kind[r.kind].append(r)
    lines = [
        "| kind | requests | p50 ms | p95 ms | p99 ms | max ms | errors | nginx p50 / p99 ms | upstream p50 / p99 ms "
        "| in a worker p50 / p99 ms |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    order = [k for k, _, _ in Mix({"villages": [], "households": [], "cases": []}).kinds]
    for kind in [*order, "all"]:
        rows = results if kind == "all" else by_kind.get(kind, [])
        ms = [r.seconds * 1000 for r in rows]
        failed = sum(1 for r in rows if r.error)
        nginx = [t for k, (n, _) in servers.items() if kind in (k, "all") for t in n]
        upstream = [t for k, (_, u) in servers.items() if kind in (k, "all") for t in u]
        inside = [t for k, w in (workers or {}).items() if kind in (k, "all") for t in w]
        lines.append(
            f"| {kind} | {len(rows)} | {_pct(ms, 50):.0f} | {_pct(ms, 95):.0f} | {_pct(ms, 99):.0f} | "
            f"{max(ms, default=0):.0f} | {failed} | {_pct(nginx, 50):.0f} / {_pct(nginx, 99):.0f} | "
            f"{_pct(upstream, 50):.0f} / {_pct(upstream, 99):.0f} | {_pct(inside, 50):.0f} / {_pct(inside, 99):.0f} |"
        )
    every = [r.seconds * 1000 for r in results]
    errors = [r for r in results if r.error]
    lag = [(r.started - r.due) * 1000 for r in results]
    span = (max(r.due for r in results) - min(r.due for r in results)) if results else 0.0
    loads = samples.load or [os.getloadavg()]
    lines += [
        "",
        f"Offered {len(results)} requests in {span:.0f} s ({len(results) / max(span, 1):.1f}/s, {minutes:g} min); "
        f"a request waited for a free sender p99 {_pct(lag, 99):.0f} ms, max {max(lag, default=0):.0f} ms "
        f"(latency counts from when it was due).",
        *slow_seconds(results, TARGET_P99_MS, samples.seconds_seen),
        f"Load average (1 min) during the run: mean {statistics.mean(x[0] for x in loads):.2f}, "
        f"max {max(x[0] for x in loads):.2f}; at the end {loads[-1][0]:.2f} / {loads[-1][1]:.2f} / "
        f"{loads[-1][2]:.2f} (1/5/15 min) on {os.cpu_count()} CPUs shared with other work.",
        "CPU over the run, in cores: "
        + ", ".join(
            f"{group} {cpu / max(samples.seconds, 1):.2f}"
            for group, cpu in sorted(samples.cpu.items(), key=lambda kv: -kv[1])
            if cpu / max(samples.seconds, 1) >= 0.01
        )
        + " (postgres and redis: every database of the machine).",
    ]
    if errors:
        seen: dict[str, int] = defaultdict(int)
        for r in errors:
            seen[f"{r.kind}: {r.error[:120]}"] += 1
        lines += ["", "Errors (first kinds):", *(f"- {n} × {text}" for text, n in list(seen.items())[:8])]
    return lines, _pct(every, 99), len(errors)


class Screenings:
    """W1 beside the load (DESIGN.md §8: W6 ≤ 2× while W1 runs): full screenings of the county, one after
    another, each ``manage.py screen`` in a process of its own as the timers start it (niced as their units),
    on the stack's database."""

    def __init__(self, env: dict[str, str]) -> None:
        from bottomline.web.stack import ROOT

        self.env = env
        unit = (ROOT / "deploy/systemd/bottomline-screen-full.service").read_text()
        self.nice = next(line.split("=", 1)[1] for line in unit.splitlines() if line.startswith("Nice="))
        self.seconds: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        from bottomline.web.stack import manage

        while not self._stop.is_set():
            began = time.perf_counter()
            manage(self.env, "screen", "--region", COUNTY, timeout=3600, nice=self.nice)
            self.seconds.append(time.perf_counter() - began)

    def __enter__(self) -> Screenings:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def _window(stack: Stack, rate: float, minutes: float) -> tuple[list[str], float, int]:
    """One measured window of load on the stack: its lines, p99 and error count."""
    (stack.logs / "gunicorn-access.log").write_text("")
    since = time.time()
    results, samples = drive(
        url=stack.url,
        ca=stack.data["ca"],
        data=stack.data,
        rate=rate,
        seconds=minutes * 60,
        dsn=f"{SERVER}/postgres",
    )
    servers = server_times(stack.logs / "nginx-access.log", since)
    return report(results, samples, servers, minutes, worker_times(stack.logs / "gunicorn-access.log"))


def main(minutes: float | None = None) -> None:
    from bottomline.web.stack import production_stack

    minutes = float(os.environ.get("BENCH_W6_MINUTES", MINUTES)) if minutes is None else minutes
    busy_minutes = float(os.environ.get("BENCH_W6_BUSY_MINUTES", minutes / 2))
    rate = float(os.environ.get("BENCH_W6_RATE", RATE))
    with (
        tempfile.TemporaryDirectory(prefix="bench-w6-") as folder,
        production_stack(
            Path(folder),
            prepare=_load_county,
            postgres=SERVER,
            redis_url=REDIS,
            database=DATABASE,
            workers=None,  # deploy/gunicorn.conf.py's own number for this machine
            access_format=TIMED_LOG,
            gunicorn_format=WORKER_LOG,
            manage_timeout=3600,
            ready_seconds=600,  # five workers start at once on a busy machine
        ) as stack,
    ):
        workers = stack.env.get("GUNICORN_WORKERS") or str(min(2 * (os.cpu_count() or 1) + 1, 9))
        print(
            f"W6: the stack is up at {stack.url} ({len(stack.data['households'])} households, "
            f"{len(stack.data['cases'])} cases to follow up); {rate:g} requests/s for {minutes:g} min",
            flush=True,
        )
        preflight(url=stack.url, ca=stack.data["ca"], data=stack.data)
        # A server that has run for a while: every worker's first requests (imports, connections, caches) come
        # before the measured window, as they would long before any ten minutes in production.
        drive(url=stack.url, ca=stack.data["ca"], data=stack.data, rate=rate, seconds=WARM_SECONDS)
        lines, p99, errors = _window(stack, rate, minutes)
        busy: list[str] = []
        if busy_minutes > 0:
            with Screenings(stack.env) as screenings:
                busy, busy_p99, busy_errors = _window(stack, rate, busy_minutes)
            runs = screenings.seconds
            busy = [
                "",
                f"**While W1 runs** ({busy_minutes:g} min more at the same rate): full screenings of the county one "
                f"after another (`nice -n {screenings.nice} manage.py screen --region {COUNTY}`, each a process as "
                f"the timers start it): {len(runs)} runs, {statistics.mean(runs) if runs else 0:.1f} s each on "
                f"average; p99 {busy_p99:.0f} ms = {busy_p99 / max(p99, 1):.1f}× the p99 above.",
                "",
                *busy,
            ]
    met = p99 <= TARGET_P99_MS and errors == 0
    verdict = check(
        "w6",
        f"API p99 ≤ {TARGET_P99_MS:.0f} ms at {rate:g}/s for {minutes:g} min, 0 errors",
        f"p99 {p99:.0f} ms, {errors} errors",
        met,
    )
    if busy:
        check(
            "w6",
            f"API p99 ≤ 2 × {TARGET_P99_MS:.0f} ms while W1 runs ({busy_minutes:g} min), 0 errors",
            f"p99 {busy_p99:.0f} ms, {busy_errors} errors",
            busy_p99 <= 2 * TARGET_P99_MS and busy_errors == 0,
        )
    append(
        f"W6: the API under load on the production stack ({verdict})",
        [
            environment_line("PostgreSQL (scratch database), Redis, nginx + gunicorn on loopback with TLS"),
            f"{workers} sync gunicorn workers (deploy/gunicorn.conf.py); the demo county (Huangzhong, 630106) "
            "loaded as `make demo` does; latency as the client sees it, from when each request was due.",
            "",
            *lines,
            *busy,
            "",
        ],
    )


if __name__ == "__main__":
    import sys

    from bottomline.bench.__main__ import main as bench

    raise SystemExit(bench(["w6", *sys.argv[1:]]))
