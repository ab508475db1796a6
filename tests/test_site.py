"""The built book, opened page by page in headless Chromium as a reader would."""
import shutil

import pytest

from unlikely_alliances import sitecheck

pytestmark = pytest.mark.browser


def test_every_page_loads_offline_without_errors_and_draws_its_charts(built_site, site_url, browser):
    pages = sitecheck.site_pages(built_site)
    assert len(pages) >= 14, pages
    problems = []
    for path in pages:
        problems += sitecheck.inspect_page(browser, site_url, path).problems
    assert not problems, "\n".join(problems)


def test_every_chapter_has_a_drawn_chart(built_site, site_url, browser):
    chapters = [p for p in sitecheck.site_pages(built_site) if p.startswith("chapters/0")]
    assert len(chapters) == 6
    for path in chapters:
        report = sitecheck.inspect_page(browser, site_url, path)
        assert report.chart_count >= 1, f"{path} has no chart"
        assert not report.undrawn_charts, report.problems


def test_no_serious_or_critical_accessibility_violations(built_site, site_url, browser):
    problems = []
    for path in sitecheck.site_pages(built_site):
        problems += sitecheck.serious_axe_violations(browser, site_url, path)
    assert not problems, "\n".join(problems)


def test_every_figure_has_static_fallback_and_downloads(built_site):
    import re

    missing = []
    for page in built_site.rglob("*.html"):
        for fig_id in re.findall(r'data-figure-id="([^"]+)"', page.read_text(encoding="utf-8")):
            for ext in ("svg", "png", "csv"):
                if not (built_site / "figures" / f"{fig_id}.{ext}").is_file():
                    missing.append(f"{page.name}: figures/{fig_id}.{ext}")
    assert not missing, "exports missing from the site (run `make figures`):\n" + "\n".join(missing)


# The checks above must be able to fail: each broken page below has to be caught.
BROKEN_PAGES = {
    "broken-spec.html": ('<div class="ua-chart" id="ua-chart-x" data-spec="ua-spec-x"></div>'
                         '<script type="application/json" id="ua-spec-x">{"mark": "nonsense-mark"}</script>',
                         "chart did not draw"),
    "no-spec.html": ('<div class="ua-chart" id="ua-chart-y" data-spec="missing"></div>', "chart did not draw"),
    "cdn-script.html": ('<script src="https://cdn.jsdelivr.net/npm/vega@5"></script>', "request to another host"),
    "console-error.html": ("<script>console.error('boom')</script>", "console error: boom"),
    "missing-file.html": ('<img src="figures/does-not-exist.svg" alt="x">', "does-not-exist.svg (404)"),
}


@pytest.mark.parametrize("name", sorted(BROKEN_PAGES))
def test_checker_catches_a_broken_page(built_site, browser, tmp_path, name):
    site = tmp_path / "site"
    shutil.copytree(built_site / "_static", site / "_static")
    body, expected = BROKEN_PAGES[name]
    (site / name).write_text(
        f'<!doctype html><html lang="en"><head><title>t</title><link rel="icon" href="data:,">'
        f'<script type="module" src="_static/{sitecheck.BUNDLE_NAME}"></script></head><body>{body}</body></html>',
        encoding="utf-8",
    )
    with sitecheck.serve(site) as url:
        report = sitecheck.inspect_page(browser, url, name)
    assert any(expected in problem for problem in report.problems), report.problems


def test_claims_ledger_sorts_and_filters_from_the_keyboard(built_site, site_url, browser):
    page = browser.new_page()
    page.goto(site_url + "chapters/claims-ledger.html")
    table = page.locator("#table-claims")
    rows = table.locator("tbody tr")
    total = rows.count()
    assert total >= 25
    status_button = table.locator("thead button", has_text="status")
    status_button.focus()
    page.keyboard.press("Enter")  # a button: reachable and usable without a mouse
    assert table.locator("thead th[aria-sort='ascending']").count() == 1
    statuses = [rows.nth(i).locator("td").nth(5).inner_text() for i in range(total)]
    assert statuses == sorted(statuses)
    page.get_by_label("Search this table:").first.fill("contested")
    visible = [rows.nth(i) for i in range(total) if rows.nth(i).is_visible()]
    assert 0 < len(visible) < total
    assert all("contested" in row.inner_text().lower() for row in visible)
    page.close()
