"""The fault harness: load, then kill -9 and freeze what the service depends on, then count.

    .venv/bin/python bench/fault_harness.py [--kills 3] [--students 6] [--json-out FILE]

Loopback only, bounded in time (six to eight minutes on 2 cores). Two rounds:

1. **SQLite**: several students post attempts over HTTP while the API is killed (SIGKILL) and
   restarted ``--kills`` times and the webhook worker is killed mid-delivery as often; a local
   receiver counts every delivery.
2. **PostgreSQL**: a server the harness starts itself (its own data folder and port, never the
   machine's server on 5432): the API is killed once, then PostgreSQL is killed (SIGKILL) and
   restarted, then frozen (SIGSTOP of all its processes) for ``--freeze`` seconds and thawed;
   then, under the students' load, rubric saves (a nesting bomb, a valid 256 KB rubric, that
   rubric alternately with the original), two students looping 5,000-character answers, an
   LMS outage, and a trickling and a huge receiver.

Afterwards, against the database: every attempt a client was told about (201 with its id) must
be stored with that student and answer (lost: 0), no id may have been given to two answers
(reused: 0), and every stored attempt must have its schedule row and its outbox event
(half-written: 0). For the database faults: what the clients got meanwhile, the slowest answer
(bounded by the declared database timeouts), and seconds until answers were stored again.
For the worker: every event delivered, duplicates counted (same webhook-id twice), seconds from
each restart until deliveries resumed.
"""

from __future__ import annotations

import argparse
import os
import pwd
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import contextlib

from sqlalchemy import func, select

from grader.evaluation.report import emit
from grader.store import webhooks as outbox
from grader.store.models import (
    Attempt,
    DeliveryAttempt,
    ReviewState,
    WebhookDelivery,
    WebhookEvent,
)
from grader.store.practice import create_student, create_token
from grader.store.session import make_engine, make_sessions, upgrade
from grader.webhooks.signing import new_secret

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = (
    "what-are-the-challenges-of-long-term-dependencies",
    "what-is-vanishing-and-exploding-gradient-descent",
    "write-any-two-differences-between-rnn-and-cnn",
)
# The API's database timeouts in this harness (the service's defaults are 5 / 5 / 10 s).
CONNECT_S, LOCK_S, STATEMENT_S = 2.0, 2.0, 3.0
DECLARED_S = CONNECT_S + STATEMENT_S + 2.0  # settings: a stuck database is a 503 within this
WEBHOOK_TIMEOUT_S = 2.0  # the worker's lease is this + 5 s
CLIENT_TIMEOUT_S = 60.0  # a request still unanswered after this counts as a hang
SAVE_LIMIT_S = 300.0  # a rubric save under full load runs at the lowest priority: it may be slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(database_url: str, cache: Path, rubrics: Path = REPO / "rubrics") -> dict[str, str]:
    return {
        **os.environ,
        "GRADER_DATABASE_URL": database_url,
        "GRADER_RUBRICS_DIR": str(rubrics),
        "GRADER_CACHE_DIR": str(cache),
        "GRADER_DATABASE_CONNECT_TIMEOUT_S": str(CONNECT_S),
        "GRADER_DATABASE_LOCK_TIMEOUT_S": str(LOCK_S),
        "GRADER_DATABASE_STATEMENT_TIMEOUT_S": str(STATEMENT_S),
        "GRADER_WEBHOOKS_ALLOW_PRIVATE": "true",
        "GRADER_WEBHOOK_TIMEOUT_S": str(WEBHOOK_TIMEOUT_S),
        "HF_HUB_OFFLINE": "1",
    }


class Process:
    """A grader command in its own process, killed with SIGKILL and started again."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.args, self.env, self.log = args, env, log
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "grader.cli", *self.args], env=self.env, cwd=REPO,
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip

    def kill(self) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):  # it may have died on its own
            self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def exited(self) -> int | None:
        """The exit code if the process has ended by itself (a crash), else None."""
        return None if self.process is None else self.process.poll()

    def stop(self) -> None:
        """Ends it, whatever state it is in (terminate, then kill): called in a finally."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Api(Process):
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        super().__init__(["serve", "--port", str(self.port)], env, log)

    def start_ready(self) -> float:
        """Start, and wait until /health says ready; returns the seconds that took."""
        started = time.monotonic()
        self.start()
        while time.monotonic() - started < 180:
            try:
                if httpx.get(f"{self.base}/health", timeout=2).status_code == 200:
                    return time.monotonic() - started
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the API did not become ready; see {self.log}")


@dataclass
class Outcomes:
    """What the clients saw."""

    acknowledged: list[tuple[int, int, str]] = field(default_factory=list)  # id, student, answer
    statuses: Counter[str] = field(default_factory=Counter)
    replies: list[tuple[float, float, str]] = field(default_factory=list)  # sent, took, outcome
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sent: float, took: float, outcome: str) -> None:
        with self.lock:
            self.statuses[outcome] += 1
            self.replies.append((sent, took, outcome))


def _short_answer(student: int, n: int) -> str:
    return f"Vanishing and exploding gradients (student {student}, answer {n})."


def _long_answer(student: int, n: int) -> str:
    """5,000 characters (the most an answer may have), each answer unique: the probe's
    ``"not " * 1250``, the costliest valid answer it found."""
    head = f"{student} {n} "
    return head + "not " * ((5000 - len(head)) // 4)


class Load:
    """One thread per student posting attempts, each answer unique, until stopped."""

    def __init__(
        self, api: Api, tokens: dict[int, str], answer: Callable[[int, int], str] = _short_answer
    ) -> None:
        self.api, self.tokens, self.answer = api, tokens, answer
        self.outcomes = Outcomes()
        self.stopping = threading.Event()
        self.threads = [
            threading.Thread(target=self._student, args=(student, token), daemon=True)
            for student, token in tokens.items()
        ]

    def start(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def stop(self) -> Outcomes:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=CLIENT_TIMEOUT_S + 10)
        return self.outcomes

    def _student(self, student: int, token: str) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        n = 0
        with httpx.Client(timeout=CLIENT_TIMEOUT_S, headers=headers) as client:
            while not self.stopping.is_set():
                n += 1
                answer = self.answer(student, n)
                question = QUESTIONS[n % len(QUESTIONS)]
                sent = time.monotonic()
                try:
                    response = client.post(
                        f"{self.api.base}/questions/{question}/attempts", json={"answer": answer}
                    )
                    outcome = str(response.status_code)
                    if response.status_code == 201:
                        with self.outcomes.lock:
                            self.outcomes.acknowledged.append(
                                (response.json()["attempt_id"], student, answer)
                            )
                except httpx.TimeoutException:
                    outcome = "hang"
                except httpx.TransportError:
                    outcome = "connection refused or reset"
                    time.sleep(0.05)
                self.outcomes.add(sent, time.monotonic() - sent, outcome)


class Receiver:
    """An LMS endpoint on loopback that counts deliveries by webhook-id. Each takes 150 ms, so
    the worker is mostly in the middle of a delivery when it is killed."""

    def __init__(self, delay_s: float = 0.15) -> None:
        self.received: list[tuple[float, str]] = []
        self.failing_until = 0.0  # an outage: 503 for everything until then
        lock = threading.Lock()
        received = self.received
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                if time.monotonic() < receiver.failing_until:
                    self.send_response(503)
                    self.end_headers()
                    return
                time.sleep(delay_s)
                with lock:
                    received.append((time.monotonic(), self.headers["webhook-id"]))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def first_after(self, moment: float) -> float | None:
        later = [at for at, _ in list(self.received) if at > moment]
        return min(later) - moment if later else None

    def last_of(self, message_ids: set[str], moment: float) -> float | None:
        """Seconds from ``moment`` until the last of ``message_ids`` arrived."""
        arrived = [at for at, m in list(self.received) if m in message_ids and at > moment]
        return max(arrived) - moment if arrived and message_ids else None


class HostileReceiver:
    """An LMS endpoint that answers 200 one byte every 2 s (``trickle``), or with a 200 MB body
    (``huge``): neither may hold a delivery past the worker's deadline or its memory past a
    bound (issue 34, items 4 and 5)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                body = b"ok" * 30 if kind == "trickle" else b"x" * (200 * 1024 * 1024)
                self.send_response(200)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    if kind == "trickle":
                        for byte in body:
                            self.wfile.write(bytes([byte]))
                            self.wfile.flush()
                            time.sleep(2.0)
                    else:
                        chunk = 1024 * 1024
                        for start in range(0, len(body), chunk):
                            self.wfile.write(body[start : start + chunk])

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/{kind}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Postgres:
    """A PostgreSQL server of the harness's own: its data folder, socket folder and port."""

    def __init__(self, folder: Path) -> None:
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
        if not bins:
            raise RuntimeError("PostgreSQL's server programs are not installed")
        self.bin = bins[-1]
        self.data, self.sockets = folder / "data", folder / "sockets"
        self.port = _free_port()
        self.url = f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"
        folder.mkdir(parents=True, exist_ok=True)
        for parent in (folder.parent, folder):
            parent.chmod(0o755)
        self.sockets.mkdir()
        self.user = pwd.getpwnam("postgres") if os.geteuid() == 0 else None
        if self.user is not None:  # initdb refuses to run as root
            for path in (folder, self.sockets):
                os.chown(path, self.user.pw_uid, self.user.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-N")

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.user is not None:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-w", "-t", "60", "start")

    def pids(self) -> list[int]:
        """The postmaster and every process it started."""
        head = (self.data / "postmaster.pid").read_text().splitlines()[0]
        postmaster = int(head)
        children = subprocess.run(
            ["pgrep", "-P", str(postmaster)], capture_output=True, text=True, check=False
        ).stdout.split()
        return [postmaster, *map(int, children)]

    def kill(self) -> None:
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.5)

    def freeze(self) -> list[int]:
        pids = self.pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGSTOP)
        return pids

    @staticmethod
    def thaw(pids: list[int]) -> None:
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):  # a child that ended meanwhile
                os.kill(pid, signal.SIGCONT)

    def stop(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")


def _students(url: str, count: int, endpoint_url: str | None) -> dict[int, str]:
    engine = make_engine(url)
    with make_sessions(engine).begin() as session:
        tokens = {}
        for n in range(count):
            student = create_student(session, name=f"load-{n}-{time.time_ns()}")
            tokens[student.id] = create_token(session, role="student", student_id=student.id)
        if endpoint_url is not None:
            outbox.create_endpoint(
                session, url=endpoint_url, event_types=["attempt.graded"], secret=new_secret(),
                now=datetime.now(UTC),
            )  # fmt: skip
    engine.dispose()
    return tokens


def verify(url: str, outcomes: Outcomes) -> dict[str, int]:
    """Lost, reused and half-written, read from the database after the run."""
    engine = make_engine(url)
    with make_sessions(engine)() as session:
        stored = {a.id: (a.student_id, a.answer) for a in session.scalars(select(Attempt)).all()}
        events = Counter(
            event.payload["data"]["attempt"]["id"]
            for event in session.scalars(
                select(WebhookEvent).where(WebhookEvent.type == "attempt.graded")
            )
        )
        per_question = Counter(
            (a.student_id, a.question_id) for a in session.scalars(select(Attempt)).all()
        )
        states = {
            (s.student_id, s.question_id): s.attempts
            for s in session.scalars(select(ReviewState)).all()
        }
    engine.dispose()
    told: dict[int, set[tuple[int, str]]] = {}
    for attempt_id, student, answer in outcomes.acknowledged:
        told.setdefault(attempt_id, set()).add((student, answer))
    lost = sum(1 for attempt_id in told if attempt_id not in stored)
    reused = sum(
        1
        for attempt_id, owners in told.items()
        if len(owners) > 1 or (attempt_id in stored and stored[attempt_id] not in owners)
    )
    half = sum(1 for attempt_id in stored if events[attempt_id] != 1)
    half += sum(1 for key, count in per_question.items() if states.get(key) != count)
    return {
        "acknowledged": len(outcomes.acknowledged),
        "stored": len(stored),
        # A commit that landed while its response was lost (a kill between the two): the
        # client retries, as it would after any network error. Not acknowledged, so not lost.
        "stored_not_acknowledged": len(set(stored) - set(told)),
        "lost": lost,
        "reused_ids": reused,
        "half_written": half,
    }


def _leased(url: str) -> set[str]:
    """The events a worker holds a lease on now (what a killed worker leaves behind)."""
    engine = make_engine(url)
    with make_sessions(engine)() as session:
        query = (
            select(WebhookEvent.message_id)
            .join(WebhookDelivery, WebhookDelivery.event_id == WebhookEvent.id)
            .where(
                WebhookDelivery.status == "pending",
                WebhookDelivery.locked_until > datetime.now(UTC),
            )
        )
        held = set(session.scalars(query).all())
    engine.dispose()
    return held


def _during(outcomes: Outcomes, start: float, end: float) -> dict[str, Any]:
    """What the requests sent between ``start`` and ``end`` got, and the slowest of them."""
    inside = [(took, outcome) for sent, took, outcome in outcomes.replies if start <= sent <= end]
    return {
        "requests": len(inside),
        "outcomes": dict(Counter(outcome for _, outcome in inside)),
        "slowest_s": round(max((took for took, _ in inside), default=0.0), 2),
    }


def _stored_again(outcomes: Outcomes, since: float) -> float | None:
    """Seconds from ``since`` until the first 201 to a request sent after it."""
    times = [sent + took for sent, took, o in outcomes.replies if o == "201" and sent >= since]
    return round(min(times) - since, 2) if times else None


def sqlite_round(folder: Path, kills: int, students: int) -> dict[str, Any]:
    folder.mkdir(parents=True)
    url = f"sqlite:///{folder / 'grader.db'}"
    upgrade(url)
    receiver = Receiver()
    tokens = _students(url, students, receiver.url)
    env = _env(url, folder / "cache")
    api = Api(env, folder / "api.log")
    worker = Process(["webhooks", "worker"], env, folder / "worker.log")
    try:
        return _sqlite_faults(url, api, worker, receiver, tokens, kills)
    finally:  # every child ends, whatever happened
        api.stop()
        worker.stop()
        receiver.stop()


def _sqlite_faults(
    url: str, api: Api, worker: Process, receiver: Receiver, tokens: dict[int, str], kills: int
) -> dict[str, Any]:
    starts = [round(api.start_ready(), 2)]
    worker.start()
    load = Load(api, tokens).start()
    held_by_dead: list[tuple[float, set[str]]] = []
    resumed: list[float | None] = []
    for _ in range(kills):
        time.sleep(random.uniform(1.5, 3.0))
        api.kill()
        worker.kill()
        killed = time.monotonic()
        held_by_dead.append((killed, _leased(url)))
        time.sleep(0.3)
        worker.start()
        starts.append(round(api.start_ready(), 2))
        time.sleep(random.uniform(0.5, 1.5))
        resumed.append(receiver.first_after(killed))
    time.sleep(2.0)
    outcomes = load.stop()
    # The worker drains the outbox: at 150 ms a delivery, several hundred events take minutes.
    deadline = time.monotonic() + 300
    engine = make_engine(url)
    while time.monotonic() < deadline:
        with make_sessions(engine)() as session:
            pending = session.scalar(
                select(func.count()).where(WebhookDelivery.status == "pending")
            )
        if not pending:
            break
        time.sleep(0.5)
    with make_sessions(engine)() as session:
        message_ids = set(session.scalars(select(WebhookEvent.message_id)).all())
    engine.dispose()
    got = [message_id for _, message_id in receiver.received]
    return {
        "database": "SQLite",
        "api_kills": kills,
        "worker_kills": kills,
        "ready_after_start_s": starts,
        "client_outcomes": dict(outcomes.statuses),
        **verify(url, outcomes),
        "webhooks": {
            "events": len(message_ids),
            "delivered": len(message_ids & set(got)),
            "undelivered": len(message_ids - set(got)),
            "duplicates": len(got) - len(set(got)),
            "first_delivery_after_worker_kill_s": [round(r, 2) if r else None for r in resumed],
            "held_by_the_killed_worker": [len(held) for _, held in held_by_dead],
            "those_all_delivered_after_kill_s": [
                round(t, 2) if (t := receiver.last_of(held, killed)) is not None else None
                for killed, held in held_by_dead
            ],
            "declared_lease_s": WEBHOOK_TIMEOUT_S + 5,
        },
    }


EDITED = "what-is-echo-state-network"  # a question the load does not answer


def _instructor(url: str) -> str:
    engine = make_engine(url)
    with make_sessions(engine).begin() as session:
        token = create_token(session, role="instructor")
    engine.dispose()
    return token


def _large_rubric() -> str:
    """A valid rubric near the 256 KB limit: 100 criteria with 20 phrasings each (2,100 texts
    to embed on every save)."""
    lines = [f"id: {EDITED}", "prompt: What is an echo state network?", "topic: Reservoirs",
             "max_points: 100", "reference_answer: A reservoir computer.", "criteria:"]  # fmt: skip
    for n in range(100):
        lines += [f"  - id: point-{n}", f"    text: Key point {n} about reservoirs " + "w " * 40,
                  "    phrasings:"]  # fmt: skip
        lines += [f"      - Phrasing {n}.{k} of the point " + "v " * 40 for k in range(20)]
    return "\n".join(lines) + "\n"


def _p50(outcomes: Outcomes, start: float, end: float) -> float | None:
    took = sorted(t for sent, t, o in outcomes.replies if start <= sent <= end and o == "201")
    return round(took[len(took) // 2], 3) if took else None


def _rubric_edits_under_load(
    api: Api, load: Load, instructor: str, window_s: float
) -> dict[str, Any]:
    """Students' p50 with no rubric edits, with a nesting bomb saved twice a second, with a
    valid 256 KB rubric saved again and again, and with it saved alternately with the
    question's own rubric, so that every save is a change (each in its own window; a window
    lasts until its last save has ended). Each window with saves is compared with a window
    without, just before it: the students' p50 drifts by 10-15% over a run by itself."""
    headers = {"Authorization": f"Bearer {instructor}", "content-type": "application/yaml"}
    bomb = f"id: {EDITED}\nprompt: " + "[" * 100_000
    large = _large_rubric()
    original = (REPO / "rubrics" / f"{EDITED}.yaml").read_text(encoding="utf-8")
    windows: tuple[tuple[str, tuple[str, ...]], ...] = (
        ("none", ()), ("nesting_bomb", (bomb,)), ("valid_256kb", (large,)),
        ("alternating_256kb", (large, original)),
    )  # fmt: skip
    report: dict[str, Any] = {}
    for name, bodies in windows:
        baseline = None
        if bodies:
            start = time.monotonic()
            time.sleep(window_s)
            baseline = _p50(load.outcomes, start + 0.5, time.monotonic())
        stop = threading.Event()
        saves: list[tuple[int | str, float]] = []

        def edit(bodies: tuple[str, ...] = bodies, stop: threading.Event = stop,
                 saves: list[tuple[int | str, float]] = saves) -> None:  # fmt: skip
            with httpx.Client(timeout=SAVE_LIMIT_S, headers=headers) as client:
                while bodies and not stop.is_set():
                    started = time.monotonic()
                    body = bodies[len(saves) % len(bodies)]
                    try:
                        code: int | str = client.put(
                            f"{api.base}/rubrics/{EDITED}", content=body
                        ).status_code
                    except httpx.HTTPError as error:  # a save that never came back is counted,
                        code = type(error).__name__  # not lost with its thread
                    saves.append((code, time.monotonic() - started))
                    # An instructor saving again and again (twice a second), not a flood of
                    # requests: what is measured is what a save costs the students.
                    stop.wait(max(0.0, 0.5 - (time.monotonic() - started)))

        editor = threading.Thread(target=edit, daemon=True)
        start = time.monotonic()
        editor.start()
        time.sleep(window_s)
        stop.set()
        editor.join(timeout=SAVE_LIMIT_S)  # a save in flight is waited for: its time counts
        report[name] = {
            "student_p50_s": _p50(load.outcomes, start + 0.5, time.monotonic()),
            "saves": dict(Counter(str(code) for code, _ in saves)),
            "save_p50_s": round(sorted(t for _, t in saves)[len(saves) // 2], 3) if saves else None,
        }
        if bodies:
            p50 = report[name]["student_p50_s"]
            report[name]["baseline_p50_s"] = baseline
            report[name]["slowdown"] = round(p50 / baseline - 1, 3) if baseline and p50 else None
    return report


def _long_answers_under_load(api: Api, load: Load, url: str, window_s: float) -> dict[str, Any]:
    """Students' p50 alone, then with two more students looping 5,000-character answers (the
    probe's: others' p50 went from 0.049 to 0.831 s). Their answers are checked like all."""
    start = time.monotonic()
    time.sleep(window_s)
    alone = _p50(load.outcomes, start + 0.5, time.monotonic())
    loopers = Load(api, _students(url, 2, None), answer=_long_answer).start()
    start = time.monotonic()
    time.sleep(window_s)
    beside = _p50(load.outcomes, start + 0.5, time.monotonic())
    looped = loopers.stop()
    with load.outcomes.lock:
        load.outcomes.acknowledged.extend(looped.acknowledged)
    return {
        "students_p50_s": alone,
        "beside_two_long_answer_loopers_p50_s": beside,
        "slowdown": round(beside / alone - 1, 3) if alone and beside else None,
        "long_answers": dict(looped.statuses),
        "long_answer_p50_s": _p50(looped, 0.0, time.monotonic()),
    }


def _peak_rss_mb(process: Process) -> float | None:
    """The process's peak resident memory so far (Linux), in MB."""
    assert process.process is not None
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{process.process.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return None


def _hostile_receivers(url: str, api: Api, worker: Process, token: str) -> dict[str, Any]:
    """Two more endpoints: one answers 200 a byte every 2 s, one with 200 MB. A student
    answers three times; the worker's tries at both must end by its deadline, and its memory
    must not grow with the body."""
    receivers = {kind: HostileReceiver(kind) for kind in ("trickle", "huge")}
    engine = make_engine(url)
    try:
        with make_sessions(engine).begin() as session:
            endpoints = {
                kind: outbox.create_endpoint(
                    session, url=receiver.url, event_types=["attempt.graded"],
                    secret=new_secret(), now=datetime.now(UTC),
                ).id
                for kind, receiver in receivers.items()
            }  # fmt: skip
        rss_before = _peak_rss_mb(worker)
        with httpx.Client(timeout=CLIENT_TIMEOUT_S) as client:
            for n in range(3):
                client.post(
                    f"{api.base}/questions/{QUESTIONS[0]}/attempts",
                    json={"answer": _short_answer(0, 10_000 + n)},
                    headers={"Authorization": f"Bearer {token}"},
                )
        time.sleep(6 * WEBHOOK_TIMEOUT_S + 5)  # the first tries and a retry or two each
        with make_sessions(engine)() as session:
            report: dict[str, Any] = {}
            for kind, endpoint_id in endpoints.items():
                tries = session.scalars(
                    select(DeliveryAttempt.latency_ms)
                    .join(WebhookDelivery, WebhookDelivery.id == DeliveryAttempt.delivery_id)
                    .where(WebhookDelivery.endpoint_id == endpoint_id)
                ).all()
                report[kind] = {
                    "tries": len(tries),
                    "longest_try_s": round(max(tries, default=0.0) / 1000, 2),
                }
        with make_sessions(engine).begin() as session:
            for endpoint_id in endpoints.values():  # gone: its deliveries are not waited for
                endpoint = outbox.get_endpoint(session, endpoint_id=endpoint_id)
                assert endpoint is not None
                outbox.disable_endpoint(
                    session, endpoint=endpoint, reason="harness", now=datetime.now(UTC)
                )
    finally:
        engine.dispose()
        for receiver in receivers.values():
            receiver.stop()
    return {
        **report,
        "deadline_s": WEBHOOK_TIMEOUT_S,
        "worker_peak_rss_mb_before": rss_before,
        "worker_peak_rss_mb_after": _peak_rss_mb(worker),
    }


def _pending(url: str) -> int:
    engine = make_engine(url)
    with make_sessions(engine)() as session:
        count = session.scalar(select(func.count()).where(WebhookDelivery.status == "pending")) or 0
    engine.dispose()
    return int(count)


def _drain(url: str, limit_s: float) -> float | None:
    """Seconds until no delivery is pending (None: still some after ``limit_s``)."""
    started = time.monotonic()
    while time.monotonic() - started < limit_s:
        if _pending(url) == 0:
            return round(time.monotonic() - started, 2)
        time.sleep(0.2)
    return None


def postgres_round(folder: Path, students: int, freeze_s: float) -> dict[str, Any]:
    server = Postgres(folder / "pg")
    rubrics = folder / "rubrics"  # the harness edits a rubric: its own copy
    shutil.copytree(REPO / "rubrics", rubrics)
    receiver = Receiver(delay_s=0.0)
    env: dict[str, str] = {}
    api: Api | None = None
    worker: Process | None = None
    server.start()
    try:
        upgrade(server.url)
        tokens = _students(server.url, students, receiver.url)
        instructor = _instructor(server.url)
        env = _env(server.url, folder / "cache", rubrics)
        api = Api(env, folder / "api-pg.log")
        worker = Process(["webhooks", "worker"], env, folder / "worker-pg.log")
        return _postgres_faults(server, api, worker, receiver, tokens, instructor, freeze_s)
    finally:  # every child ends, whatever happened
        for child in (api, worker):
            if child is not None:
                child.stop()
        receiver.stop()
        server.stop()


def _postgres_faults(
    server: Postgres,
    api: Api,
    worker: Process,
    receiver: Receiver,
    tokens: dict[int, str],
    instructor: str,
    freeze_s: float,
) -> dict[str, Any]:
    api.start_ready()
    worker.start()
    load = Load(api, tokens).start()
    time.sleep(2.0)
    api.kill()  # an API kill on PostgreSQL too
    api.start_ready()
    time.sleep(2.0)

    killed = time.monotonic()
    server.kill()
    time.sleep(3.0)
    restarted = time.monotonic()
    server.start()
    time.sleep(4.0)
    kill_report = {
        "down_s": round(restarted - killed, 2),
        "while_down": _during(load.outcomes, killed, restarted),
        "stored_again_after_restart_s": _stored_again(load.outcomes, restarted),
    }

    frozen_at = time.monotonic()
    pids = server.freeze()
    try:
        time.sleep(freeze_s)
    finally:
        thawed = time.monotonic()
        server.thaw(pids)
    time.sleep(4.0)
    freeze_report = {
        "frozen_s": round(thawed - frozen_at, 2),
        "while_frozen": _during(load.outcomes, frozen_at, thawed),
        "declared_bound_s": DECLARED_S,
        "stored_again_after_thaw_s": _stored_again(load.outcomes, thawed),
    }

    rubric_report = _rubric_edits_under_load(api, load, instructor, window_s=8.0)
    long_report = _long_answers_under_load(api, load, server.url, window_s=10.0)
    outcomes = load.stop()
    drained_before_outage_s = _drain(server.url, 240)

    # The LMS fails for 20 s while students keep answering (a short burst), then recovers.
    outage_start = time.monotonic()
    receiver.failing_until = outage_start + 20.0
    burst = Load(api, dict(list(tokens.items())[:2])).start()
    time.sleep(5.0)
    burst_outcomes = burst.stop()
    time.sleep(max(0.0, receiver.failing_until - time.monotonic()))
    recovered = time.monotonic()
    drained_after_recovery_s = _drain(server.url, 120)
    receivers_report = _hostile_receivers(server.url, api, worker, next(iter(tokens.values())))

    engine = make_engine(server.url)
    with make_sessions(engine)() as session:
        message_ids = set(session.scalars(select(WebhookEvent.message_id)).all())
    engine.dispose()
    got = [message_id for _, message_id in receiver.received]
    api.stop()
    for attempt in burst_outcomes.acknowledged:
        outcomes.acknowledged.append(attempt)
    return {
        "database": "PostgreSQL (the harness's own server)",
        "api_kills": 1,
        "client_outcomes": dict(outcomes.statuses),
        **verify(server.url, outcomes),
        "database_kill": kill_report,
        "database_freeze": freeze_report,
        "rubric_edits_under_load": rubric_report,
        "long_answers_under_load": long_report,
        "hostile_receivers": receivers_report,
        "webhooks": {
            "events": len(message_ids),
            "delivered": len(message_ids & set(got)),
            "undelivered": len(message_ids - set(got)),
            "duplicates": len(got) - len(set(got)),
            "worker_exits": 0 if worker.exited() is None else 1,
            "drained_before_the_lms_outage_s": drained_before_outage_s,
            "lms_outage_s": 20.0,
            "events_during_the_outage": len(burst_outcomes.acknowledged),
            "all_delivered_after_recovery_s": drained_after_recovery_s,
            "recovered_at_s_after_outage_start": round(recovered - outage_start, 2),
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=3, help="API and worker kills (SQLite)")
    parser.add_argument("--students", type=int, default=6)
    parser.add_argument("--freeze", type=float, default=12.0, help="seconds PostgreSQL is frozen")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args()
    # A terminated harness still runs its finally blocks: no API, worker or PostgreSQL of its
    # own is left running (Ctrl-C does the same through KeyboardInterrupt).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    random.seed(args.seed)
    folder = Path(tempfile.mkdtemp(prefix="grader-faults-"))
    folder.chmod(0o755)  # the postgres user must reach its data folder inside
    try:
        report = {
            "sqlite": sqlite_round(folder / "sqlite", args.kills, args.students),
            "postgresql": postgres_round(folder / "postgresql", args.students, args.freeze),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    emit(report, args.json_out)
    failed = [
        name
        for name, part in report.items()
        if part["lost"] or part["reused_ids"] or part["half_written"]
    ]
    for name in ("sqlite", "postgresql"):
        if report[name]["webhooks"]["undelivered"]:
            failed.append(f"{name} webhooks")
    if report["postgresql"]["webhooks"]["worker_exits"]:
        failed.append("the worker exited")
    failed += incomplete_phases(report)
    failed += held_receivers(report["postgresql"].get("hostile_receivers", {}))
    if failed:
        print(f"failed: {'; '.join(failed)}", file=sys.stderr)
    sys.exit(1 if failed else 0)


def held_receivers(report: dict[str, Any]) -> list[str]:
    """A hostile receiver that held a try past the deadline (plus a second for the
    bookkeeping), or the worker's memory grown by more than 100 MB while it answered."""
    found = []
    for kind in ("trickle", "huge"):
        figures = report.get(kind, {})
        if not figures.get("tries"):
            found.append(f"the {kind} receiver was never tried")
        elif figures["longest_try_s"] > report["deadline_s"] + 1.0:
            found.append(f"the {kind} receiver held a try {figures['longest_try_s']} s")
    before, after = report.get("worker_peak_rss_mb_before"), report.get("worker_peak_rss_mb_after")
    if before is not None and after is not None and after - before > 100:
        found.append(f"the worker's memory grew from {before} to {after} MB")
    return found


def incomplete_phases(report: dict[str, Any]) -> list[str]:
    """Phases that could not complete: a rubric-edit window whose saves never went through
    (it reported "saves: {}" and exited 0 when its first save timed out)."""
    found = []
    for name, part in report.items():
        for window, figures in part.get("rubric_edits_under_load", {}).items():
            if window == "none":
                continue
            saves = figures.get("saves", {})
            answered = sum(n for code, n in saves.items() if code.isdigit())
            if not saves or answered == 0:
                found.append(f"{name}: the {window} saves never completed ({saves or 'none'})")
    return found


if __name__ == "__main__":
    main()
