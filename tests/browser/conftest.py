"""Fixtures shared by the browser tests: one headless Chromium per module, and where screenshots go."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from .cdp import Chromium


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        pytest.skip("headless Chromium not installed (Debian package `chromium`)")
    chromium = Chromium(executable, tmp_path_factory.mktemp("chromium-profile"))
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory):
    """Screenshots for a human to look at: THUVIEN_SCREENSHOT_DIR, else the pytest temporary directory."""
    directory = os.environ.get("THUVIEN_SCREENSHOT_DIR")
    path = Path(directory) if directory else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
