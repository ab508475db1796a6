"""Open the built site in headless Chromium and report what a reader would hit.

Shared by the browser tests and the benchmark: serve `_build/html` on 127.0.0.1,
open a page, and collect console errors, failed requests, requests to any other
host, charts that did not draw, the time until every chart drew and the bytes the
page transferred. Uses Debian's `chromium` (never a browser downloaded at run time).
"""
from __future__ import annotations

import contextlib
import functools
import gzip
import http.server
import io
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

BUNDLE_NAME = "ua-charts.js"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # Without these Chromium tries to reach Google's services at start-up.
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
CHART_TIMEOUT_MS = 10_000


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


class _StaticHostHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files as a static host such as GitHub Pages does: text gzip-compressed when asked."""

    COMPRESSIBLE = (".html", ".js", ".css", ".json", ".svg", ".csv", ".txt")

    def log_message(self, *args):  # keep test output readable
        pass

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if (path.suffix not in self.COMPRESSIBLE or not path.is_file()
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().send_head()
        body = gzip.compress(path.read_bytes(), compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        return io.BytesIO(body)


@contextlib.contextmanager
def serve(directory: Path):
    """Serve `directory` on a free port of 127.0.0.1; yields the base URL."""
    handler = functools.partial(_StaticHostHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def launch(playwright):
    executable = find_chromium()
    if executable is None:
        raise RuntimeError("Debian's chromium is not installed (apt-get install chromium)")
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


def site_pages(html_dir: Path) -> list[str]:
    """Every HTML page of the built site, as paths relative to its root."""
    return sorted(str(p.relative_to(html_dir)) for p in Path(html_dir).rglob("*.html")
                  if "_static" not in p.parts and "figures" not in p.parts)


@dataclass
class PageReport:
    path: str
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    undrawn_charts: list[str] = field(default_factory=list)
    duplicate_ids: list[str] = field(default_factory=list)
    chart_count: int = 0
    charts_drawn_ms: float | None = None
    bytes_without_bundle: int = 0

    @property
    def problems(self) -> list[str]:
        return ([f"{self.path}: console error: {e}" for e in self.console_errors]
                + [f"{self.path}: failed request: {r}" for r in self.failed_requests]
                + [f"{self.path}: request to another host: {r}" for r in self.external_requests]
                + [f"{self.path}: chart did not draw: {c}" for c in self.undrawn_charts]
                + [f"{self.path}: id used more than once: {i}" for i in self.duplicate_ids])


def inspect_page(browser, base_url: str, path: str) -> PageReport:
    """Load one page and report errors, outside requests and undrawn charts."""
    report = PageReport(path)
    context = browser.new_context()
    page = context.new_page()
    page.on("console", lambda m: report.console_errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: report.console_errors.append(str(e)))
    page.on("requestfailed", lambda r: report.failed_requests.append(r.url))
    page.on("response", lambda r: report.failed_requests.append(f"{r.url} ({r.status})") if r.status >= 400 else None)

    def guard(route):
        # Nothing may leave the site: record the attempt and abort it.
        if route.request.url.startswith(base_url) or route.request.url.startswith("data:"):
            route.continue_()
        else:
            report.external_requests.append(route.request.url)
            route.abort()

    page.route("**/*", guard)
    page.goto(base_url + path, wait_until="load")
    report.chart_count = page.locator(".ua-chart").count()
    if report.chart_count:
        try:
            page.wait_for_function(
                "() => [...document.querySelectorAll('.ua-chart')].every(c => c.dataset.rendered === 'true' || c.dataset.rendered === 'error')",
                timeout=CHART_TIMEOUT_MS,
            )
            report.charts_drawn_ms = page.evaluate("() => performance.now()")
        except Exception:  # noqa: BLE001 - a timeout is reported as undrawn charts below
            pass
    report.undrawn_charts = page.eval_on_selector_all(
        ".ua-chart",
        "cs => cs.filter(c => c.dataset.rendered !== 'true' || !c.querySelector('svg, canvas')).map(c => c.id)",
    )
    report.duplicate_ids = page.evaluate(
        "() => { const seen = new Set(), twice = new Set();"
        " for (const e of document.querySelectorAll('[id]')) { (seen.has(e.id) ? twice : seen).add(e.id); }"
        " return [...twice]; }")
    report.bytes_without_bundle = page.evaluate(
        """(bundle) => {
            const nav = performance.getEntriesByType('navigation')[0];
            let total = nav ? nav.transferSize || nav.encodedBodySize : 0;
            for (const r of performance.getEntriesByType('resource')) {
                if (!r.name.includes(bundle)) total += r.transferSize || r.encodedBodySize;
            }
            return total;
        }""",
        BUNDLE_NAME,
    )
    context.close()
    return report


def serious_axe_violations(browser, base_url: str, path: str) -> list[str]:
    """axe-core (shipped in the axe-playwright-python package) findings of serious or critical impact."""
    from axe_playwright_python.sync_playwright import Axe

    context = browser.new_context()
    page = context.new_page()
    page.goto(base_url + path, wait_until="load")
    page.wait_for_timeout(300)
    results = Axe().run(page)
    context.close()
    found = []
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [", ".join(node["target"]) for node in violation["nodes"][:3]]
            found.append(f"{path}: {violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return found
