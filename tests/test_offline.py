"""Offline: ingest, serve and ask work with every connection beyond this computer cut."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
import urllib.request
from pathlib import Path

import pytest

from assistant.harness import start_server, stop_server
from tests.reliability_support import cli_env, run_cli

QUESTION = "Comment créer des collaborations intersectorielles ?"

# Loaded by every Python subprocess through PYTHONPATH: refuses and records any connection
# or name lookup that leaves the loopback interface.
SOCKET_GUARD = '''
import ipaddress, os, socket

_LOG = os.environ["NETWORK_GUARD_LOG"]


def _local(host):
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode()
    host = str(host).strip("[]").lower()
    if host in ("localhost", "", "0.0.0.0", "::"):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what, address):
    with open(_LOG, "a") as log:
        log.write(f"{what} {address!r}\\n")
    raise OSError(101, f"network cut by the test guard: {what} {address!r}")


def _check(sock, address, what):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _local(address[0]):
        _refuse(what, address)


_connect, _connect_ex, _sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto
_getaddrinfo = socket.getaddrinfo


def connect(self, address):
    _check(self, address, "connect")
    return _connect(self, address)


def connect_ex(self, address):
    _check(self, address, "connect")
    return _connect_ex(self, address)


def sendto(self, data, *args):
    _check(self, args[-1], "sendto")
    return _sendto(self, data, *args)


def getaddrinfo(host, *args, **kwargs):
    if not _local(host):
        _refuse("lookup", host)
    return _getaddrinfo(host, *args, **kwargs)


socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = connect, connect_ex, sendto
socket.getaddrinfo = getaddrinfo
'''


@pytest.fixture
def guarded_env(tmp_path, corpus_copy) -> tuple[dict[str, str], Path]:
    """Return an environment whose Python processes cannot reach beyond loopback, and the guard's log."""
    guard = tmp_path / "guard"
    guard.mkdir()
    (guard / "sitecustomize.py").write_text(SOCKET_GUARD, encoding="utf-8")
    log = tmp_path / "network-attempts.log"
    log.touch()
    home = tmp_path / "home"
    home.mkdir()
    env = cli_env(
        home,
        ASSISTANT_CORPUS=str(corpus_copy),
        PYTHONPATH=str(guard),
        NETWORK_GUARD_LOG=str(log),
        no_proxy="*",
    )
    return env, log


def test_the_guard_cuts_the_network(guarded_env):
    env, log = guarded_env
    probe = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('93.184.216.34', 80), timeout=5)"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert probe.returncode != 0 and "network cut by the test guard" in probe.stderr
    lookup = subprocess.run(
        [sys.executable, "-c", "import urllib.request; urllib.request.urlopen('https://pypi.org', timeout=5)"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert lookup.returncode != 0
    assert "lookup 'pypi.org'" in log.read_text()


def test_ingest_serve_and_ask_with_the_network_cut(guarded_env):
    env, log = guarded_env
    built = run_cli("ingest", env=env)
    assert built.returncode == 0, built.stderr
    asked = run_cli("ask", "--json", QUESTION, env=env)
    assert asked.returncode == 0, asked.stderr
    assert json.loads(asked.stdout)["passages"]
    lines: list[str] = []
    server, base = start_server(env=env, cwd=env["HOME"], log=lines)
    try:
        with urllib.request.urlopen(base + "/", timeout=30) as page:
            assert page.status == 200
        request = urllib.request.Request(
            base + "/api/ask",
            data=json.dumps({"question": QUESTION, "k": 3}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert json.loads(response.read())["passages"]
    finally:
        stop_server(server)
    assert "Traceback" not in "".join(lines)
    assert log.read_text() == "", "something tried to reach the network"


NAMESPACE_SESSION = textwrap.dedent('''
    import json, socket, subprocess, sys, time, urllib.request
    try:
        socket.create_connection(("93.184.216.34", 80), timeout=3)
        sys.exit("the namespace still reaches the network")
    except OSError:
        pass
    run = lambda *args: subprocess.run([sys.executable, "-m", "assistant", *args],
                                       capture_output=True, text=True, check=True)
    run("ingest")
    assert json.loads(run("ask", "--json", sys.argv[1]).stdout)["passages"]
    server = subprocess.Popen([sys.executable, "-m", "assistant", "serve", "--port", "8765"])
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen("http://127.0.0.1:8765/api/documents", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        request = urllib.request.Request("http://127.0.0.1:8765/api/ask",
                                         data=json.dumps({"question": sys.argv[1]}).encode(),
                                         headers={"Content-Type": "application/json"})
        assert json.loads(urllib.request.urlopen(request, timeout=30).read())["passages"]
    finally:
        server.terminate()
        server.wait(timeout=15)
    print("offline session ok")
''')


def test_in_a_network_namespace_without_network(tmp_path, corpus_copy):
    if not shutil.which("unshare") or not shutil.which("ip"):
        pytest.skip("unshare and ip (util-linux, iproute2) are needed")
    allowed = subprocess.run(["unshare", "-n", "ip", "link", "set", "lo", "up"], capture_output=True)
    if allowed.returncode != 0:
        pytest.skip("creating a network namespace is not allowed here")
    home = tmp_path / "home"
    home.mkdir()
    script = tmp_path / "session.py"
    script.write_text(NAMESPACE_SESSION, encoding="utf-8")
    env = cli_env(home, ASSISTANT_CORPUS=str(corpus_copy))
    done = subprocess.run(
        ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$0" "$@"', sys.executable, str(script), QUESTION],
        env=env, capture_output=True, text=True, timeout=180, cwd=home,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "offline session ok" in done.stdout
