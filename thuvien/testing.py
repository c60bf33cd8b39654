"""Helpers for tests: a real thuvien of their own (its environment, `thuvien serve` on a free port), and
the official XML schemas of ../shared/specs compiled offline."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

THUVIEN = Path(sys.executable).with_name("thuvien")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=15)
    except ProcessLookupError:
        pass
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def demo_env(data: Path) -> dict:
    """The environment of a server of its own: SQLite in DATA, whatever database or settings the suite uses."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "THUVIEN_"))
    }
    env["THUVIEN_DATA_DIR"] = str(data)
    return env


@contextlib.contextmanager
def serving(env: dict, data: Path, timeout: float = 30):
    """Run `thuvien serve` (no worker) on a free port until the block ends; yield its base URL."""
    port = free_port()
    log = (data / "serve.log").open("w")
    process = subprocess.Popen(
        [str(THUVIEN), "serve", "--port", str(port), "--no-worker", "--threads", "4"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(base + "/health", timeout=1).close()  # noqa: S310 - our own server
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"thuvien serve did not start:\n{(data / 'serve.log').read_text()[-2000:]}")
                time.sleep(0.1)
        yield base
    finally:
        stop(process)
        log.close()


# --- the official schemas, offline ---------------------------------------------------------------

REPO = Path(__file__).resolve().parents[1]


def specs_dir(probe: str) -> Path | None:
    """Return the shared specs folder ($THUVIEN_SPECS or ../shared/specs) if it holds PROBE, else None."""
    path = Path(os.environ.get("THUVIEN_SPECS") or REPO.parent / "shared" / "specs")
    return path if (path / probe).is_file() else None


def xml_schema(specs: Path, schemas: dict[str, str]):
    """Compile SCHEMAS (namespace → path under SPECS) into one lxml XMLSchema, never touching the network.

    The schemas' absolute URLs are resolved to the local copies that specs/catalog.xml lists.
    """
    from lxml import etree

    class Catalog(etree.Resolver):
        def __init__(self):
            super().__init__()
            catalog = etree.parse(str(specs / "catalog.xml"))
            self.map = {
                e.get("name"): specs / e.get("uri")
                for e in catalog.getroot().iter("{urn:oasis:names:tc:entity:xmlns:xml:catalog}uri")
            }

        def resolve(self, url, pubid, context):
            local = self.map.get(url)
            return self.resolve_filename(str(local), context) if local else None

    imports = "".join(
        f'<xs:import namespace="{ns}" schemaLocation="{(specs / path).as_uri()}"/>'
        for ns, path in schemas.items()
    )
    driver = f'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">{imports}</xs:schema>'
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(Catalog())
    return etree.XMLSchema(etree.fromstring(driver.encode(), parser, base_url=str(specs / "driver.xsd")))
