"""A minimal Chrome DevTools Protocol client over --remote-debugging-pipe: headless Chromium, stdlib only.

Chromium reads NUL-terminated JSON commands from its file descriptor 3 and writes replies and events to
descriptor 4, so no WebSocket library (and no new dependency) is needed.
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import signal
import subprocess
import time
from pathlib import Path

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--mute-audio",
    "--hide-scrollbars",
]


class CDPError(RuntimeError):
    pass


def _high_fd(fd: int) -> int:
    """Move FD above 10 so the child's dup2 onto 3 and 4 cannot clobber it."""
    moved = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 10)
    os.close(fd)
    return moved


class Chromium:
    """One headless Chromium process with one page; every call has a deadline."""

    def __init__(self, executable: str, user_data_dir: Path, timeout: float = 15.0):
        self.timeout = timeout
        child_in, self._write = map(_high_fd, os.pipe())
        self._read, child_out = map(_high_fd, os.pipe())

        def wire_pipes():  # runs in the child between fork and exec
            os.dup2(child_in, 3)
            os.dup2(child_out, 4)

        self.process = subprocess.Popen(
            [
                executable,
                *FLAGS,
                f"--user-data-dir={user_data_dir}",
                "--remote-debugging-pipe",
                "about:blank",
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,  # descriptors 3 and 4 must survive exec; the rest are close-on-exec
            preexec_fn=wire_pipes,
            start_new_session=True,
        )
        os.close(child_in)
        os.close(child_out)
        self._buffer = b""
        self._next_id = 0
        self._events: list[dict] = []
        self.session = None
        try:
            target = self.call("Target.createTarget", url="about:blank", session=False)["targetId"]
            self.session = self.call("Target.attachToTarget", targetId=target, flatten=True, session=False)[
                "sessionId"
            ]
            self.call("Page.enable")
        except BaseException:
            self.close()
            raise

    # -- protocol -----------------------------------------------------------------------------------
    def _receive(self, deadline: float) -> dict:
        while b"\0" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("Chromium did not answer in time")
            ready, _, _ = select.select([self._read], [], [], remaining)
            if ready:
                chunk = os.read(self._read, 1 << 16)
                if not chunk:
                    raise CDPError("Chromium closed the DevTools pipe (crashed?)")
                self._buffer += chunk
        message, _, self._buffer = self._buffer.partition(b"\0")
        return json.loads(message)

    def call(self, method: str, session: bool = True, timeout: float | None = None, **params):
        """Send METHOD with PARAMS to the page (or the browser when SESSION is false); return its result."""
        self._next_id += 1
        message = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = self.session
        os.write(self._write, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            reply = self._receive(deadline)
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise CDPError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self._events.append(reply)

    def wait_for(self, event: str, timeout: float | None = None) -> dict:
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for i, message in enumerate(self._events):
                if message["method"] == event:
                    del self._events[: i + 1]
                    return message.get("params", {})
            self._events.append(self._receive(deadline))

    # -- page ---------------------------------------------------------------------------------------
    def viewport(self, width: int, height: int, mobile: bool) -> None:
        self.call(
            "Emulation.setDeviceMetricsOverride",
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=mobile,
        )
        if mobile:
            self.call("Emulation.setTouchEmulationEnabled", enabled=True, maxTouchPoints=5)
        else:
            self.call("Emulation.setTouchEmulationEnabled", enabled=False)

    def evaluate(self, expression: str):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True, awaitPromise=True)
        if "exceptionDetails" in result:
            raise CDPError(f"script failed: {result['exceptionDetails']}")
        return result["result"].get("value")

    def _settle(self) -> None:
        # Web fonts and late layout: wait until fonts are ready, then two animation frames.
        self.evaluate(
            "document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r))))"
        )

    def goto(self, url: str) -> int:
        """Load URL and return the HTTP status of the document."""
        self._events = [e for e in self._events if e["method"] != "Page.loadEventFired"]
        result = self.call("Page.navigate", url=url)
        if result.get("errorText"):
            raise CDPError(f"{url}: {result['errorText']}")
        self.wait_for("Page.loadEventFired")
        self._settle()
        return self.evaluate("performance.getEntriesByType('navigation')[0].responseStatus")

    def submit_and_wait(self, script: str) -> None:
        """Run SCRIPT, which navigates (submits a form, clicks a link); wait for the new page's load."""
        self._events = [e for e in self._events if e["method"] != "Page.loadEventFired"]
        self.evaluate(f"setTimeout(() => {{ {script} }}, 0); true")
        self.wait_for("Page.loadEventFired")
        self._settle()

    def screenshot(self, path: Path, max_height: int = 6000) -> Path:
        """Save the whole page (up to MAX_HEIGHT CSS pixels) as a PNG at PATH."""
        metrics = self.call("Page.getLayoutMetrics")
        size = metrics["cssContentSize"]
        width = metrics["cssLayoutViewport"]["clientWidth"]
        clip = {"x": 0, "y": 0, "width": width, "height": min(size["height"], max_height), "scale": 1}
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=10)
        except ProcessLookupError:
            pass
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        finally:
            for fd in (self._read, self._write):
                try:
                    os.close(fd)
                except OSError:
                    pass
