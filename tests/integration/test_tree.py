"""The product documents itself: nothing a council receives points outside
the repository (the founders' design notes are not shipped with it)."""

import subprocess

import mw


def test_nothing_points_outside_the_repository():
    files = subprocess.run(["git", "ls-files"], cwd=mw.REPO, capture_output=True,
                           text=True, check=True).stdout.split()
    offenders = []
    for name in files:
        if name.startswith("tests/"):
            continue
        try:
            text = (mw.REPO / name).read_text(errors="replace")
        except (IsADirectoryError, FileNotFoundError):
            continue
        for needle in ("../shared", "DESIGN.md", "STYLE.md"):
            if needle in text:
                offenders.append("%s: %s" % (name, needle))
    assert offenders == []
