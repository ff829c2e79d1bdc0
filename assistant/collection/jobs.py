"""Builds in the background, one at a time: queued, followed (files read, passages embedded, time left), reported.

A BuildJobs runs each build as `python -m assistant.collection.worker` in its own process,
under a lock file in the index folder, so builds never interleave, whether asked by this
server, another worker process of it, or `assistant ingest` (which waits on save's lock).
A request made while a build waits to start joins it: that build will read the corpus
as it is when it starts.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, replace
from pathlib import Path

from assistant.index.save import folder_lock

log = logging.getLogger(__name__)

JOBS_LOCK = ".jobs.lock"
# Each job's status as a JSON file, so that every serving process (serve --workers N) can show it.
STATUS_FOLDER = ".jobs"
KEEP = 20  # finished jobs remembered, for the page to show their reports


@dataclass(frozen=True)
class JobStatus:
    """Where one build stands: queued, running (with its progress), done (with its report) or failed."""

    job_id: str
    state: str = "queued"
    stage: str | None = None  # reading, embedding, saving
    files_read: int = 0
    files_total: int = 0
    passages_embedded: int = 0
    passages_total: int = 0
    seconds_left: float | None = None
    report: dict | None = None
    error: str | None = None
    queued_at: float = 0.0
    started_at: float | None = None
    finished_at: float | None = None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")

    def to_dict(self) -> dict[str, object]:
        """Return the status as JSON-ready data."""
        return asdict(self)


def jobs_lock(index_dir: Path) -> AbstractContextManager[None]:
    """Hold the lock that lets one background build at a time run on an index folder, across processes."""
    return folder_lock(index_dir, JOBS_LOCK)


def write_status(index_dir: Path, job: JobStatus) -> None:
    """Save a job's status in the index folder, replaced in one rename."""
    folder = index_dir / STATUS_FOLDER
    try:
        folder.mkdir(parents=True, exist_ok=True)
        temporary = folder / f".{job.job_id}.{uuid.uuid4().hex[:6]}.tmp"
        temporary.write_text(json.dumps(job.to_dict(), ensure_ascii=False), encoding="utf-8")
        os.replace(temporary, folder / f"{job.job_id}.json")
    except OSError as error:  # the status in memory still serves this process
        log.warning("could not save the status of build %s: %s", job.job_id, error.strerror or error)


def read_status(index_dir: Path, job_id: str) -> JobStatus | None:
    """Return a job's status as saved in the index folder (by any process), or None."""
    if not job_id.isalnum():
        return None
    try:
        data = json.loads((index_dir / STATUS_FOLDER / f"{job_id}.json").read_text(encoding="utf-8"))
        return JobStatus(**data)
    except (OSError, ValueError, TypeError):
        return None


def read_statuses(index_dir: Path) -> list[JobStatus]:
    """Return every job status saved in the index folder, by this process or another, oldest first."""
    try:
        names = [path.stem for path in (index_dir / STATUS_FOLDER).glob("*.json")]
    except OSError:
        return []
    found = [job for job in (read_status(index_dir, name) for name in names) if job is not None]
    return sorted(found, key=lambda job: job.queued_at)


def worker_command(corpus_dir: Path, index_dir: Path, encoder: str) -> list[str]:
    """Return the command that runs one build with its progress on standard output."""
    return [sys.executable, "-m", "assistant.collection.worker", str(corpus_dir), str(index_dir), encoder]


def _worker_env() -> dict[str, str]:
    """Return this environment, with this package first on the path the worker imports from."""
    env = dict(os.environ)
    here = str(Path(__file__).resolve().parent.parent.parent)
    env["PYTHONPATH"] = os.pathsep.join(part for part in (here, env.get("PYTHONPATH")) if part)
    return env


class BuildJobs:
    """A queue of index builds for one corpus and index folder, run one at a time in a thread."""

    def __init__(self, corpus_dir: Path, index_dir: Path, encoder: str,
                 on_finished: Callable[[JobStatus], object] | None = None) -> None:
        """Queue builds of corpus_dir into index_dir; on_finished(status) runs before a job shows as finished."""
        self.corpus_dir = corpus_dir
        self.index_dir = index_dir
        self.encoder = encoder
        self.on_finished = on_finished
        self._jobs: dict[str, JobStatus] = {}
        self._queue: deque[str] = deque()
        self._changed = threading.Condition()
        self._thread: threading.Thread | None = None
        self._process: subprocess.Popen | None = None
        self._closing = False

    def request(self) -> JobStatus:
        """Queue a build (or join the one waiting to start) and return its status."""
        with self._changed:
            if self._closing:
                raise RuntimeError("the build queue is closed")
            for job_id in self._queue:
                if self._jobs[job_id].state == "queued":
                    return self._jobs[job_id]
            job = JobStatus(job_id=uuid.uuid4().hex[:12], queued_at=time.time())
            self._jobs[job.job_id] = job
            write_status(self.index_dir, job)
            self._queue.append(job.job_id)
            self._forget_old()
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="build-jobs", daemon=True)
                self._thread.start()
            self._changed.notify_all()
            return job

    def status(self, job_id: str) -> JobStatus | None:
        """Return a job's status, this process's or another's (read from the index folder), or None."""
        with self._changed:
            job = self._jobs.get(job_id)
        return job if job is not None else read_status(self.index_dir, job_id)

    def jobs(self) -> list[JobStatus]:
        """Return the jobs known, oldest first: this process's, and those other serving processes saved."""
        with self._changed:
            known = dict(self._jobs)
        for job in read_statuses(self.index_dir):
            known.setdefault(job.job_id, job)
        return sorted(known.values(), key=lambda job: job.queued_at)

    def wait(self, job_id: str, timeout: float | None = None) -> JobStatus:
        """Return a job's status once it has finished, or when the timeout is up."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._changed:
            while not self._jobs[job_id].finished:
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    break
                self._changed.wait(left)
            return self._jobs[job_id]

    def close(self, timeout: float = 5.0) -> None:
        """Stop taking jobs, stop the running build (the old index stays), and wait for the thread."""
        with self._changed:
            self._closing = True
            self._changed.notify_all()
            process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
        if self._thread is not None:
            self._thread.join(timeout)

    def _update(self, job_id: str, **changes: object) -> JobStatus:
        with self._changed:
            job = self._jobs[job_id] = replace(self._jobs[job_id], **changes)
            self._changed.notify_all()
        write_status(self.index_dir, job)
        return job

    def _forget_old(self) -> None:
        finished = sorted((job for job in self._jobs.values() if job.finished), key=lambda job: job.queued_at)
        for job in finished[: max(0, len(finished) - KEEP)]:
            del self._jobs[job.job_id]
            (self.index_dir / STATUS_FOLDER / f"{job.job_id}.json").unlink(missing_ok=True)

    def _run(self) -> None:
        while True:
            with self._changed:
                while not self._queue and not self._closing:
                    self._changed.wait()
                if self._closing:
                    for job_id in self._queue:
                        self._jobs[job_id] = replace(self._jobs[job_id], state="failed", error="stopped",
                                                     finished_at=time.time())
                    self._changed.notify_all()
                    return
                job_id = self._queue[0]
            with jobs_lock(self.index_dir):
                self._build(job_id)
            with self._changed:
                self._queue.popleft()

    def _build(self, job_id: str) -> JobStatus:
        started = time.time()
        self._update(job_id, state="running", started_at=started)
        command = worker_command(self.corpus_dir, self.index_dir, self.encoder)
        result: dict = {}
        embedding_since: float | None = None
        try:
            with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                  encoding="utf-8", env=_worker_env()) as process:
                with self._changed:
                    self._process = process
                assert process.stdout is not None
                for line in process.stdout:
                    try:
                        data = json.loads(line)
                    except ValueError:
                        continue
                    if "stage" in data:
                        if data["stage"] == "embedding" and embedding_since is None:
                            embedding_since = time.monotonic()
                        self._update(job_id, **_progress(data, embedding_since))
                    else:
                        result = data
                code = process.wait()
        except OSError as error:
            code, result = -1, {"error": f"could not start the build: {error.strerror or error}"}
        finally:
            with self._changed:
                self._process = None
        if code == 0 and "report" in result:
            return self._finish(job_id, state="done", report=result["report"], seconds_left=0.0)
        error = result.get("error") or f"the build stopped (exit code {code}): the previous index is unchanged"
        return self._finish(job_id, state="failed", error=error, seconds_left=None)

    def _finish(self, job_id: str, **changes: object) -> JobStatus:
        """Tell on_finished (a server switching to the new index, say) first, then show the job finished."""
        with self._changed:
            job = replace(self._jobs[job_id], finished_at=time.time(), **changes)
        if self.on_finished is not None:
            try:
                self.on_finished(job)
            except Exception:  # a listener's bug must not stop the queue
                log.exception("after build %s", job_id)
        return self._update(job_id, **{**changes, "finished_at": job.finished_at})


def _progress(data: dict, embedding_since: float | None) -> dict[str, object]:
    """Return the status fields a worker's progress line sets, with a time left while embedding."""
    stage, done, total = data["stage"], int(data["done"]), int(data["total"])
    if stage == "reading":
        return {"stage": stage, "files_read": done, "files_total": total}
    if stage == "embedding":
        left = None
        if embedding_since is not None and done > 0:
            rate = done / max(time.monotonic() - embedding_since, 1e-3)
            left = round((total - done) / rate, 1)
        elif total == 0:
            left = 0.0
        return {"stage": stage, "passages_embedded": done, "passages_total": total, "seconds_left": left}
    return {"stage": stage}
