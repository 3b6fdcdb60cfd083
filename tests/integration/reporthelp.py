"""Helpers for the report tests: the report's HTML drawn by headless
Chromium, as a person would see it, into tests/artefacts/.

    render(html, name, sizes)   NAME.html and one PNG per (file, "W,H")
"""

import shutil
import subprocess
import tempfile

import pytest

import mw

ARTEFACTS = mw.REPO / "tests" / "artefacts"


def chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


def render(html, name, sizes):
    """Write html to tests/artefacts/NAME.html and screenshot it at each
    (png file name, "width,height") of sizes, with a throwaway profile and
    nothing fetched from the network.  Fails the test when Chromium is
    missing or a screenshot is empty (under 10 kB)."""
    ARTEFACTS.mkdir(exist_ok=True)
    page = ARTEFACTS / (name + ".html")
    page.write_text(html)
    if chromium() is None:
        pytest.fail("chromium is not installed: run scripts/bootstrap")
    for png_name, size in sizes:
        png = ARTEFACTS / png_name
        if png.exists():
            png.unlink()
        with tempfile.TemporaryDirectory() as profile:
            subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                            "--disable-quic", "--no-first-run",
                            "--disable-background-networking", "--disable-component-update",
                            "--disable-sync", "--user-data-dir=" + profile,
                            "--screenshot=" + str(png), "--window-size=" + size,
                            page.as_uri()], capture_output=True, timeout=120)
        assert png.exists() and png.stat().st_size > 10000, png
