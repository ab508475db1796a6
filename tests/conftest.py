"""Shared fixtures: the real book, built once per test session, served and opened in Chromium."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from unlikely_alliances import sitecheck

REPO = Path(__file__).resolve().parents[1]
HTML = REPO / "_build" / "html"
IN_CI = os.environ.get("CI") == "true"


def jupyter_book_build(source: Path, extra_env=None) -> subprocess.CompletedProcess:
    """The same strict build as `make book` (warnings and broken references are errors)."""
    command = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(source), "-W", "-n", "--keep-going"]
    env = {**os.environ, **(extra_env or {})}
    return subprocess.run(command, cwd=source, capture_output=True, text=True, env=env)


@pytest.fixture(scope="session")
def built_site() -> Path:
    """Build the repository's book (the execution cache makes an unchanged rebuild quick)."""
    result = jupyter_book_build(REPO)
    assert result.returncode == 0, f"the book did not build:\n{result.stdout[-6000:]}\n{result.stderr[-6000:]}"
    assert (HTML / "index.html").is_file()
    return HTML


@pytest.fixture(scope="session")
def browser():
    if sitecheck.find_chromium() is None:
        message = "Debian's chromium is not installed: browser tests cannot run (apt-get install chromium)"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = sitecheck.launch(playwright)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def site_url(built_site):
    with sitecheck.serve(built_site) as url:
        yield url
