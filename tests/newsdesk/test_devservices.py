"""`make run` on a machine whose PostgreSQL and Redis do not answer: embedded servers take over."""

import contextlib
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import psutil
import pytest

from newsdesk import devservices

ROOT = Path(__file__).resolve().parents[2]


def _closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_probe_reports_unreachable_services():
    assert not devservices._postgres_answers(f"postgres://postgres@127.0.0.1:{_closed_port()}/x")
    assert not devservices._redis_answers(f"redis://127.0.0.1:{_closed_port()}/0")


def _login_and_get_home(base):
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "accounts/login/", timeout=10).read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    form = urllib.parse.urlencode(
        {
            "username": "editor",
            "password": "newsdesk-editor",
            "csrfmiddlewaretoken": token,
            "next": "/",
        }
    ).encode()
    request = urllib.request.Request(
        base + "accounts/login/", data=form, headers={"Referer": base + "accounts/login/"}
    )
    response = opener.open(request, timeout=10)
    return response.status, response.geturl(), response.read().decode()


def test_make_run_falls_back_to_embedded_services(tmp_path):
    port = _closed_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:{_closed_port()}/newsdesk",
        "REDIS_URL": f"redis://127.0.0.1:{_closed_port()}/0",
        "NEWSDESK_DATA_DIR": str(tmp_path / "data"),
        "PORT": str(port),
    }
    process = subprocess.Popen(
        ["make", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    output = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
            output.append(line)
            if "press Ctrl-C" in line:
                break
        text = "".join(output)
        assert f"Newsdesk is running at http://127.0.0.1:{port}/" in text, text
        assert "starting an embedded one" in text
        assert "database: embedded, redis: embedded" in text
        assert "editor / newsdesk-editor" in text
        status, url, body = _login_and_get_home(f"http://127.0.0.1:{port}/")
        assert status == 200
        assert url.endswith(f":{port}/")
        assert "NATO chief announces alliance will not deploy combat troops" in body
    finally:
        os.killpg(process.pid, signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise
    # Ctrl-C reaches make too, which reports the interrupt; what matters is that the web
    # server, the worker and the embedded servers are all gone.
    assert process.returncode in (0, 2, -signal.SIGINT)
    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass
    # make itself exits at once on Ctrl-C; `devservices run` goes on stopping the worker (a
    # Celery warm shutdown) and the embedded servers, and must be done within its own 15 s
    # grace per child.
    deadline = time.monotonic() + 45
    while True:
        leftovers = [
            proc
            for proc in psutil.process_iter(["cmdline"])
            if str(tmp_path) in " ".join(proc.info["cmdline"] or [])
        ]
        if not leftovers or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    for proc in leftovers:
        with contextlib.suppress(psutil.Error):
            proc.kill()
    assert [proc.info["cmdline"] for proc in leftovers] == []
