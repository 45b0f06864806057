"""Every serving process follows the rubric files on disk.

With several API processes (``grader serve --workers N``, or replicas sharing the rubrics
folder), an edit through one process's ``PUT /rubrics/{id}`` is written to the file; the others
see the file change within ``interval_s``, load and embed the new version off the request path
(from the shared embedding cache, so in milliseconds), and put it in force. A file that fails
validation is logged and the version in force stays.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path

from grader.rubrics.loader import LoadedRubric, RubricSet, rubric_files, rubric_from_bytes
from grader.scoring.scorer import Scorer

log = logging.getLogger(__name__)


class RubricWatcher:
    """Polls the rubric folder; swaps changed rubrics into ``rubric_set`` once embedded."""

    def __init__(
        self,
        folder: Path,
        rubric_set: RubricSet,
        scorer: Scorer,
        known_demos: set[str],
        max_bytes: int,
        interval_s: float = 1.0,
    ) -> None:
        self.folder = folder
        self.rubric_set = rubric_set
        self.scorer = scorer
        self.known_demos = known_demos
        self.max_bytes = max_bytes
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._seen: dict[Path, tuple[int, int]] = self._stamps()

    def _stamps(self) -> dict[Path, tuple[int, int]]:
        files, _ = rubric_files([self.folder])
        stamps = {}
        for path in files:
            try:
                stat = path.stat()
            except OSError:
                continue
            stamps[path] = (stat.st_mtime_ns, stat.st_size)
        return stamps

    def check_once(self) -> list[str]:
        """Load what changed since the last look; returns the question ids put in force."""
        now = self._stamps()
        changed = [path for path, stamp in now.items() if self._seen.get(path) != stamp]
        self._seen = now
        updated = []
        for path in changed:
            loaded = self._load(path)
            if loaded is not None:
                updated.append(loaded.rubric.id)
        return updated

    def _load(self, path: Path) -> LoadedRubric | None:
        try:
            data = path.read_bytes()
        except OSError:
            return None
        if len(data) > self.max_bytes:
            log.warning("%s is over %d bytes; the version in force stays", path, self.max_bytes)
            return None
        current = self.rubric_set.rubrics.get(path.stem)
        if current is not None and current.version == hashlib.sha256(data).hexdigest():
            return None  # written by this process, or touched without a change
        loaded = rubric_from_bytes(data, path, known_demos=self.known_demos)
        if isinstance(loaded, list):
            log.warning("%s changed but is invalid (%s); the version in force stays", path,
                        "; ".join(str(p) for p in loaded))  # fmt: skip
            return None
        self.scorer.prepare(loaded.rubric)  # embedded before it is in force
        # Copy, change, swap: a request iterating the rubrics meanwhile keeps a whole set.
        rubrics = dict(self.rubric_set.rubrics)
        rubrics[loaded.rubric.id] = loaded
        self.rubric_set.rubrics = rubrics
        log.info("rubric %s changed on disk: version %s in force", loaded.rubric.id,
                 loaded.version[:12])  # fmt: skip
        return loaded

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="grader-rubric-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self, sleep: Callable[[float], bool] | None = None) -> None:
        wait = sleep or self._stop.wait
        while not wait(self.interval_s):
            try:
                self.check_once()
            except Exception:  # a watcher that dies silently would be worse than a log line
                log.exception("checking the rubric folder failed; trying again")
