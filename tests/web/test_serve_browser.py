"""`caseload serve` end to end in a real headless Chromium (Debian's `chromium` package).

Playwright drives the system browser by ``executable_path`` (never ``playwright install``, which
downloads one); the test is skipped, saying why, where either is missing. It checks what a
counselor on a district laptop would see: the page opens on the config's `me`, the caseload
appears, keys typed in the page drill into a student, nothing is fetched from outside this
machine, and a browser without the token gets a refusal and no student data.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

CHROMIUM = next(
    (p for p in (os.environ.get("CASELOAD_CHROMIUM"), shutil.which("chromium"),
                 shutil.which("chromium-browser")) if p), None,
)
playwright_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright (a dev dependency) is not installed"
)
if CHROMIUM is None:
    if os.environ.get("CASELOAD_REQUIRE_CHROMIUM"):  # CI installs it: a skip there is a failure
        raise RuntimeError("CASELOAD_REQUIRE_CHROMIUM is set but no Chromium was found")
    pytest.skip(
        "no Chromium: install Debian's `chromium` package (.ci/run does) or set "
        "$CASELOAD_CHROMIUM to a Chromium binary",
        allow_module_level=True,
    )

AS_OF = "2026-11-20"
ME = "cns-1"
FIRST_STUDENT = "Allen, Aria"  # first in cns-1's triage order on AS_OF (caseload flags)
ANSI = re.compile(r"\x1b\[[0-9;?<>=]*[ -/]*[@-~]|\x1b[()][0-9A-Za-z]|\x1b[PX^_\]][^\x1b\x07]*(?:\x07|\x1b\\)?")
DEADLINE = 60.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(sample_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`caseload serve` on a free port over a copy of the sample school; yields its URL."""
    from tests import templates as tpl

    tmp_path = tmp_path_factory.mktemp("serve")
    sample_cache = tpl.copy_sqlite(sample_template, tmp_path / "cache.db")
    config = tmp_path / "config.toml"
    config.write_text(f'me = "{ME}"\n', encoding="utf-8")
    env = {**os.environ, "CASELOAD_DB": str(sample_cache), "CASELOAD_CONFIG": str(config)}
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "caseload", "serve", "--port", str(port), "--as-of", AS_OF],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # the first line is the URL (blocks until it is printed)
        match = re.search(r"(http://127\.0\.0\.1:\d+/\?token=\S+)", line)
        assert match, f"no URL in {line!r}"
        url = match.group(1)
        _wait(lambda: _listening(port), "the server to listen")
        yield url
    finally:
        proc.terminate()
        try:
            _, err = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            _, err = proc.communicate()
        assert "Traceback" not in err
        assert url.split("token=")[1] not in err  # the token is never logged


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _wait(predicate: Callable[[], bool], what: str, pump: Callable[[], None] | None = None) -> None:
    """Poll ``predicate`` until it holds (``pump`` lets the browser's events in between)."""
    end = time.monotonic() + DEADLINE
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        if pump is not None:
            pump()
        else:
            time.sleep(0.05)


def test_the_app_in_chromium_opens_on_me_and_keys_drill_into_a_student(served: str) -> None:
    frames: list[str] = []
    requests: list[str] = []
    origin = served.split("/?")[0]
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 900})
            page.on("request", lambda r: requests.append(r.url))
            page.on("websocket", lambda ws: ws.on(
                "framereceived",
                lambda data: frames.append(
                    data if isinstance(data, str) else data.decode("utf-8", "replace")
                ),
            ))
            response = page.goto(served)
            assert response is not None and response.status == 200

            def screen() -> str:
                return ANSI.sub("", "".join(frames))

            def pump() -> None:
                page.wait_for_timeout(50)  # hands control to the browser's event loop

            _wait(lambda: FIRST_STUDENT in screen(), "the caseload to appear", pump)
            text = screen()
            assert "All students" not in text  # opened on the config's `me`, not everyone
            assert f"as of {AS_OF}" in text

            frames.clear()
            page.locator("#terminal").click()
            page.keyboard.press("Enter")  # the cursor starts on the first student
            _wait(lambda: "= risk" in screen() and "Classes (" in screen(),
                  "the student screen", pump)
            assert FIRST_STUDENT in screen()

            outside = [u for u in requests if not u.startswith((origin, origin.replace("http", "ws")))]
            assert outside == []
        finally:
            browser.close()


def test_a_browser_without_the_token_is_refused_and_sees_no_student(served: str) -> None:
    origin = served.split("/?")[0]
    with playwright_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            for url, status in ((f"{origin}/", 401), (f"{origin}/?token=wrong", 403),
                                (f"{origin}/static/js/textual.js", 401)):
                response = page.goto(url)
                assert response is not None and response.status == status, url
                assert FIRST_STUDENT not in page.content()
            ws_result = page.evaluate(
                """url => new Promise(done => {
                    const ws = new WebSocket(url);
                    ws.onopen = () => done("open");
                    ws.onerror = () => done("refused");
                })""",
                origin.replace("http", "ws") + "/ws?width=80&height=24",
            )
            assert ws_result == "refused"
        finally:
            browser.close()
