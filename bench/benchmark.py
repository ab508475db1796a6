"""Measure the book against the brief's budgets and print the figures: `make bench`.

Clean build and no-op rebuild times, the weight of every page without the shared chart
bundle, the time until every chart on a page has drawn in headless Chromium, and each
chapter's standalone run time in a fresh kernel. Budgets are printed beside each figure;
nothing here fails a test (budgets are measured, not asserted).
"""
import argparse
import shutil
import subprocess
import sys
import time
from pathlib import Path

from unlikely_alliances import sitecheck
from unlikely_alliances.execute import chapter_sources, run_chapter

REPO = Path(__file__).resolve().parents[1]
HTML = REPO / "_build" / "html"
BUILD = [str(Path(sys.executable).parent / "jupyter-book"), "build", str(REPO), "-W", "-n", "--keep-going"]


def timed_build() -> float:
    started = time.perf_counter()
    subprocess.run(BUILD, cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--no-clean", action="store_true", help="skip the clean build (keep _build)")
    args = parser.parse_args()

    print("== build")
    if not args.no_clean:
        shutil.rmtree(REPO / "_build", ignore_errors=True)
        print(f"clean build, executing every chapter: {timed_build():6.1f} s   (budget 120 s)")
    print(f"no-op rebuild:                        {timed_build():6.1f} s   (budget 20 s)")
    bundle = HTML / "_static" / sitecheck.BUNDLE_NAME
    print(f"shared chart bundle {bundle.name}:      {bundle.stat().st_size / 1024:6.0f} KB (budget about 1 MB, one file for all pages)")

    print("\n== pages in headless Chromium (weight excludes the shared bundle; budget 400 KB, charts drawn within 2 s)")
    from playwright.sync_api import sync_playwright

    with sitecheck.serve(HTML) as url, sync_playwright() as playwright:
        browser = sitecheck.launch(playwright)
        for path in sitecheck.site_pages(HTML):
            report = sitecheck.inspect_page(browser, url, path)
            drawn = f"{report.charts_drawn_ms / 1000:4.2f} s" if report.charts_drawn_ms is not None else "   - "
            flag = " PROBLEMS: " + "; ".join(report.problems) if report.problems else ""
            print(f"{path:40s} {report.bytes_without_bundle / 1024:7.0f} KB  {report.chart_count:2d} charts  drawn {drawn}{flag}")
        browser.close()

    print("\n== each chapter standalone in a fresh kernel (budget 30 s)")
    for chapter in chapter_sources():
        print(f"{chapter.relative_to(chapter.parents[1])!s:40s} {run_chapter(chapter):6.1f} s")


if __name__ == "__main__":
    main()
