"""Export every figure of the book to figures/ as SVG, PNG (slide-ready) and CSV: `make figures`.

Each chapter runs top to bottom in a fresh kernel; every figure() call writes its files.
figures/manifest.json records a hash of each figure's spec, which the tests compare with
a fresh run to prove the committed exports are current.
"""
import json
import shutil
import sys
import tempfile
from pathlib import Path

from unlikely_alliances.execute import chapter_sources, exported_records, run_chapter
from unlikely_alliances.figures import FIGURES_DIR, registry


def main() -> int:
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for chapter in chapter_sources():
            seconds = run_chapter(chapter, export_dir=scratch, render=True)
            print(f"{chapter.relative_to(chapter.parents[1])}: {seconds:.1f} s")
        records = exported_records(scratch)
        missing = sorted(set(registry()) - set(records))
        if missing:
            print("registered figures that no chapter draws: " + ", ".join(missing), file=sys.stderr)
            return 1
        for old in FIGURES_DIR.glob("fig-*"):
            old.unlink()
        for exported in scratch.glob("fig-*"):
            shutil.copy2(exported, FIGURES_DIR / exported.name)
    manifest = {fig_id: records[fig_id] for fig_id in sorted(records)}
    (FIGURES_DIR / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"exported {len(manifest)} figures to {FIGURES_DIR}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
