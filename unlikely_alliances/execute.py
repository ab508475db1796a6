"""Run a chapter top to bottom in a fresh kernel, as a reader in Binder would.

Used by the rerun test, the figure export (`make figures`) and the benchmark. The
chapter is read from its MyST Markdown source with jupytext and executed by nbclient
from the chapter's own folder, outside the book build and its execution cache.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

from .data import REPO_ROOT
from .figures import EXPORT_ENV

CHAPTERS_DIR = REPO_ROOT / "chapters"


def chapter_sources() -> list[Path]:
    """Every page of the book that has code cells, in table-of-contents order."""
    import yaml

    toc = yaml.safe_load((REPO_ROOT / "_toc.yml").read_text(encoding="utf-8"))
    files = [REPO_ROOT / f"{toc['root']}.md"]
    for part in toc.get("parts", []):
        files += [REPO_ROOT / f"{entry['file']}.md" for entry in part["chapters"]]
    return [f for f in files if "```{code-cell}" in f.read_text(encoding="utf-8")]


def run_chapter(path: Path, export_dir: Path | None = None, render: bool = False, timeout: int = 120) -> float:
    """Execute one chapter in a new kernel; return the seconds it took. Raises on any cell error."""
    import jupytext
    from nbclient import NotebookClient

    notebook = jupytext.read(path)
    saved = {key: os.environ.get(key) for key in (EXPORT_ENV, "UA_EXPORT_RENDER")}
    if export_dir is not None:
        os.environ[EXPORT_ENV] = str(export_dir)
        os.environ["UA_EXPORT_RENDER"] = "1" if render else "0"
    try:
        started = time.perf_counter()
        NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        return time.perf_counter() - started
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def exported_records(export_dir: Path) -> dict[str, dict]:
    """The manifest records that figure() wrote while chapters ran with an export folder."""
    log = Path(export_dir) / "exported.jsonl"
    records = [json.loads(line) for line in log.read_text(encoding="utf-8").splitlines()] if log.exists() else []
    return {record["id"]: record for record in records}
