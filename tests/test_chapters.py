"""Every chapter reruns in a fresh kernel, and the committed figure exports are current."""
import json
import re

import pytest

from unlikely_alliances.execute import chapter_sources, exported_records, run_chapter
from unlikely_alliances.figures import FIGURES_DIR, registry

CHAPTERS = chapter_sources()


@pytest.fixture(scope="module")
def fresh_run(tmp_path_factory):
    """Run each chapter standalone (nbclient, new kernel, no build cache); collect its figures."""
    export_dir = tmp_path_factory.mktemp("export")
    seconds = {chapter.stem: run_chapter(chapter, export_dir=export_dir) for chapter in CHAPTERS}
    return seconds, exported_records(export_dir)


def test_every_chapter_runs_top_to_bottom_in_a_fresh_kernel(fresh_run):
    seconds, _ = fresh_run
    assert len(seconds) >= 6
    print("chapter run times (s):", {k: round(v, 1) for k, v in seconds.items()})


def test_every_registered_figure_is_drawn_by_its_chapter(fresh_run):
    _, records = fresh_run
    figures = registry()
    assert sorted(records) == sorted(figures), "registry and chapters disagree"
    for fig_id, record in records.items():
        assert record["chapter"] == figures[fig_id].chapter


def test_committed_exports_are_current(fresh_run):
    _, records = fresh_run
    manifest = json.loads((FIGURES_DIR / "manifest.json").read_text(encoding="utf-8"))
    stale = [fig_id for fig_id, record in records.items()
             if manifest.get(fig_id, {}).get("spec_sha256") != record["spec_sha256"]]
    assert not stale, f"figures out of date with the chapter code (run `make figures`): {stale}"
    for fig_id in records:
        for ext in ("svg", "png", "csv"):
            assert (FIGURES_DIR / f"{fig_id}.{ext}").is_file(), f"figures/{fig_id}.{ext} missing"


def test_every_figure_is_labelled_where_it_is_drawn():
    """A `(fig-id)=` target before each figure gives it a stable cross-reference."""
    for fig_id, info in registry().items():
        chapter = next(c for c in CHAPTERS if info.chapter in c.stem)
        assert re.search(rf"^\({re.escape(fig_id)}\)=$", chapter.read_text(encoding="utf-8"), re.M), (
            f"{chapter.name} lacks the target ({fig_id})= before its figure")
