"""waitress's worker threads woken newest first: a client asking one question after another
is served by the thread that finished last, and many clients still by many threads."""

from __future__ import annotations

import http.client
import threading
import time
from urllib.parse import urlsplit

from assistant.web.dispatch import _NewestWaiterFirst, dispatcher
from tests.conftest import serving


def test_notify_wakes_the_thread_that_began_waiting_last():
    condition = _NewestWaiterFirst()
    woken: list[str] = []
    threads = []
    for number, name in enumerate(["first", "second", "third"], start=1):
        threads.append(_start_waiter(condition, name, woken, number))
    with condition:
        condition.notify()
    _until(lambda: woken == ["third"])
    with condition:
        condition.notify_all()
    _until(lambda: sorted(woken) == ["first", "second", "third"])
    assert woken[0] == "third"
    for thread in threads:
        thread.join(timeout=5)


def _start_waiter(condition, name, woken, waiting_before):
    def wait() -> None:
        with condition:
            condition.wait()
            woken.append(name)

    thread = threading.Thread(target=wait, daemon=True)
    thread.start()
    _until(lambda: len(condition._waiters) == waiting_before)
    return thread


def _until(check, seconds: float = 5) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_the_dispatcher_runs_tasks_on_its_threads_and_stops():
    tasks = dispatcher(3)
    done = threading.Event()

    class Task:
        def service(self) -> None:
            done.set()

    tasks.add_task(Task())
    assert done.wait(5)
    tasks.shutdown()
    assert not tasks.threads


def test_one_client_is_served_by_one_warm_thread_and_eight_by_several():
    threads_seen: list[int] = []
    lock = threading.Lock()

    def app(environ, start_response):
        with lock:
            threads_seen.append(threading.get_ident())
        time.sleep(0.01 if environ["PATH_INFO"] == "/slow" else 0)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]

    with serving(app, threads=8) as url:
        connection = http.client.HTTPConnection(urlsplit(url).netloc, timeout=10)
        for _ in range(40):
            connection.request("GET", "/")
            assert connection.getresponse().read() == b"ok"
        connection.close()
        one_client = set(threads_seen)
        threads_seen.clear()

        def client() -> None:
            own = http.client.HTTPConnection(urlsplit(url).netloc, timeout=10)
            for _ in range(5):
                own.request("GET", "/slow")
                assert own.getresponse().read() == b"ok"
            own.close()

        clients = [threading.Thread(target=client) for _ in range(8)]
        for thread in clients:
            thread.start()
        for thread in clients:
            thread.join(timeout=30)
    assert len(one_client) <= 2  # waitress's own order would cycle through all eight
    assert len(set(threads_seen)) >= 4 and len(threads_seen) == 40
