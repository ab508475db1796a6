"""Show a chart as a numbered, captioned, sourced figure, and export it for reuse.

Every figure of the book has an entry in `chapters/figures/<chapter>.yml` (stable id, title,
caption, alt text, sources, licence). A chapter cell ends with

    figure(chart, "fig-israel-share-azerbaijan-arms")

which, in the built book, emits the chart's Vega-Lite spec for the site's one shared
script bundle to draw (no CDN), the caption, source and licence lines, download links,
a static image for readers without JavaScript and the data as a table for keyboard
and screen-reader users. In Jupyter it shows the chart with the reader's own renderer.

With the environment variable UA_EXPORT_DIR set (as `make figures` does), the same
call also writes the figure as SVG, PNG and CSV, with the caption and source lines
drawn under the chart, ready for slides.
"""
from __future__ import annotations

import hashlib
import html
import json
import os
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import altair as alt
import pandas as pd

from .data import REPO_ROOT, bibliography_keys, short_citation, split_source_ids
from .tables import HTML

REGISTRY = REPO_ROOT / "chapters" / "figures"  # one YAML file per chapter, named by the chapter key
FIGURES_DIR = REPO_ROOT / "figures"
SITE_ROOT = "%%UA_SITE_ROOT%%"  # replaced by the page's relative root when Sphinx writes HTML
BOOK_BUILD_ENV = "UA_BOOK_BUILD"
EXPORT_ENV = "UA_EXPORT_DIR"
MAX_TABLE_ROWS = 250


class FigureError(ValueError):
    """A figure id that is not registered, or a registry entry that is incomplete."""


@dataclass(frozen=True)
class FigureInfo:
    id: str
    chapter: str
    title: str
    caption: str
    alt: str
    sources: tuple[str, ...]
    licence: str = "CC BY 4.0"
    notes: tuple[str, ...] = field(default_factory=tuple)

    def source_line(self, row_sources=()) -> str:
        """The figure's sources; those named row by row in its data are counted, not all listed."""
        extra = sorted(set(row_sources) - set(self.sources))
        named = [short_citation(key) for key in self.sources]
        if len(named) + len(extra) <= 4:
            named += [short_citation(key) for key in extra]
        elif extra:
            rest = f"{len(extra)} {'further ' if named else ''}sources named row by row in the data"
            named.append(f"and {rest}" if named else rest)
        return "Sources: " + "; ".join(named) + "."

    @property
    def licence_line(self) -> str:
        return (f"Figure: {self.licence}, from 'Unlikely Alliances: an executable companion'. "
                "Data keep their sources' terms.")


def registry(folder: Path = REGISTRY) -> dict[str, FigureInfo]:
    """Every registered figure, by id, checked for the fields a figure must have.

    `chapters/figures/<chapter>.yml` maps each figure id of that chapter to its title,
    caption, alt text and source keys (and optionally licence and notes).
    """
    import yaml

    figures = {}
    for path in sorted(Path(folder).glob("*.yml")):
        for fig_id, entry in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).items():
            where = f"chapters/figures/{path.name}: figure {fig_id!r}"
            missing = [key for key in ("title", "caption", "alt") if not entry.get(key)]
            missing += [] if isinstance(entry.get("sources"), list) else ["sources (a list; may be empty when every data row names its source)"]
            if missing:
                raise FigureError(f"{where} lacks {', '.join(missing)}")
            if fig_id in figures:
                raise FigureError(f"{where} is registered twice")
            figures[fig_id] = FigureInfo(
                id=fig_id, chapter=path.stem, title=entry["title"], caption=entry["caption"].strip(),
                alt=entry["alt"].strip(), sources=tuple(entry["sources"]), licence=entry.get("licence", "CC BY 4.0"),
                notes=tuple(entry.get("notes", ())),
            )
    return figures


def figure_info(fig_id: str) -> FigureInfo:
    figures = registry()
    if fig_id not in figures:
        raise FigureError(f"unknown figure id {fig_id!r}: register it in chapters/figures/<chapter>.yml")
    info = figures[fig_id]
    unknown = [key for key in info.sources if key not in bibliography_keys()]
    if unknown:
        raise FigureError(f"chapters/figures/{info.chapter}.yml: figure {fig_id!r} cites unknown source(s) {', '.join(unknown)}")
    return info


def spec_json(spec: dict, **options) -> str:
    """JSON for a Vega-Lite spec; missing values (NaN) become null, as JSON has no NaN."""
    def clean(value):
        if isinstance(value, float) and value != value:
            return None
        if isinstance(value, dict):
            return {key: clean(item) for key, item in value.items()}
        if isinstance(value, list):
            return [clean(item) for item in value]
        return value

    return json.dumps(clean(spec), ensure_ascii=False, allow_nan=False, **options)


def chart_html(spec: dict, name: str) -> str:
    """A container and its Vega-Lite spec, drawn in the page by the shared bundle (ua-charts.js)."""
    text = spec_json(spec, separators=(",", ":")).replace("</", "<\\/")
    return (f'<div class="ua-chart" id="ua-chart-{name}" data-spec="ua-spec-{name}"></div>\n'
            f'<script type="application/json" id="ua-spec-{name}">{text}</script>')


def book_renderer(spec: dict, **metadata) -> dict:
    """altair renderer for the built book: any chart a cell shows is drawn offline by the bundle."""
    name = "chart-" + hashlib.sha256(spec_json(spec, sort_keys=True).encode()).hexdigest()[:12]
    return {"text/html": chart_html(spec, name)}


alt.renderers.register("unlikely_alliances", book_renderer)
if os.environ.get(BOOK_BUILD_ENV):
    # In the book build, never fall back to altair's default renderer, which loads scripts from a CDN.
    alt.renderers.enable("unlikely_alliances")


class Figure:
    """What a chapter cell returns: displays itself as the book's figure."""

    def __init__(self, chart: alt.TopLevelMixin, info: FigureInfo, data: pd.DataFrame | None):
        self.info = info
        self.chart = chart.properties(description=info.alt)
        self.data = data
        self.spec = self.chart.to_dict()
        self.row_sources = [] if data is None or "source_id" not in data else [
            key for cell in data["source_id"].dropna() for key in split_source_ids(cell)]

    def _repr_mimebundle_(self, include=None, exclude=None):
        if os.environ.get(BOOK_BUILD_ENV):
            return {"text/html": self.html(), "text/plain": f"{self.info.id}: {self.info.title}"}
        return self.chart._repr_mimebundle_(include, exclude)

    def html(self) -> str:
        info, fig_id = self.info, self.info.id
        downloads = " · ".join(
            f'<a href="{SITE_ROOT}figures/{fig_id}.{ext}" download>{label}</a>'
            for ext, label in (("svg", "SVG"), ("png", "PNG"), ("csv", "CSV data"))
        )
        return f"""<figure class="ua-figure" data-figure-id="{fig_id}">
{chart_html(self.spec, fig_id)}
<noscript><img src="{SITE_ROOT}figures/{fig_id}.svg" alt="{html.escape(info.alt)}"></noscript>
<figcaption><p><strong>{html.escape(info.title)}</strong> {html.escape(info.caption)}</p>
<p class="ua-source">{html.escape(info.source_line(self.row_sources))} {html.escape(info.licence_line)}</p>
<p class="ua-downloads">Download: {downloads} · Figure id <code>{fig_id}</code></p></figcaption>
{self._table_html()}</figure>"""

    def _table_html(self) -> str:
        if self.data is None or self.data.empty:
            return ""
        shown = self.data.head(MAX_TABLE_ROWS)
        note = "" if len(shown) == len(self.data) else f"<p>First {MAX_TABLE_ROWS} of {len(self.data)} rows; the CSV has all.</p>"
        table = shown.to_html(index=False, na_rep="", border=0, classes="ua-table")
        return f'<details class="ua-data"><summary>Data behind this figure (table)</summary>{note}{table}</details>'

    def export(self, out_dir: Path, render: bool = True) -> dict:
        """Write the CSV and (if render) SVG and PNG with a caption footer; return its manifest record."""
        out_dir.mkdir(parents=True, exist_ok=True)
        fig_id = self.info.id
        slide = alt.vconcat(self.chart, caption_footer(self.info, self.row_sources)).properties(background="white")
        slide_spec = spec_json(slide.to_dict(), sort_keys=True)
        if self.data is not None:
            self.data.to_csv(out_dir / f"{fig_id}.csv", index=False)
        if render:
            slide.save(str(out_dir / f"{fig_id}.svg"))
            slide.save(str(out_dir / f"{fig_id}.png"), scale_factor=2)
        return {"id": fig_id, "chapter": self.info.chapter, "title": self.info.title,
                "source_line": self.info.source_line(self.row_sources),
                "spec_sha256": hashlib.sha256(slide_spec.encode()).hexdigest()}


def caption_footer(info: FigureInfo, row_sources=(), width: int = 90) -> alt.Chart:
    """Caption, source and licence as text lines under an exported figure."""
    lines = textwrap.wrap(f"{info.title} {info.caption}", width) + textwrap.wrap(info.source_line(row_sources), width)
    lines += textwrap.wrap(info.licence_line + f" Figure id: {info.id}.", width)
    frame = pd.DataFrame({"order": range(len(lines)), "line": lines})
    return (
        alt.Chart(frame)
        .mark_text(align="left", baseline="top", fontSize=11, color="#1a1a1a", x=0)
        .encode(y=alt.Y("order:O", axis=None), text="line:N")
        .properties(height=len(lines) * 15, width=600)
    )


def figure(chart: alt.TopLevelMixin, fig_id: str, data: pd.DataFrame | None = None) -> Figure:
    """Wrap `chart` as the registered figure `fig_id`; `data` is the table behind it.

    When `data` is omitted and the chart was built from a DataFrame, that frame is used.
    """
    info = figure_info(fig_id)
    if data is None and isinstance(getattr(chart, "data", None), pd.DataFrame):
        data = chart.data
    if data is None:
        raise FigureError(f"figure {fig_id!r}: pass data=, the table behind the chart (readers download it as CSV)")
    result = Figure(chart, info, data)
    export_dir = os.environ.get(EXPORT_ENV)
    if export_dir:
        record = result.export(Path(export_dir), render=os.environ.get("UA_EXPORT_RENDER", "1") == "1")
        with open(Path(export_dir) / "exported.jsonl", "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")
    return result


def gallery(chapter_titles: dict[str, str]) -> HTML:
    """Every registered figure, by chapter, with its downloads and a citation line."""
    manifest_path = FIGURES_DIR / "manifest.json"
    manifest = json.loads(manifest_path.read_text(encoding="utf-8")) if manifest_path.exists() else {}
    by_chapter: dict[str, list[FigureInfo]] = {}
    for info in registry().values():
        by_chapter.setdefault(info.chapter, []).append(info)
    parts = []
    for chapter, title in chapter_titles.items():
        items = []
        for info in by_chapter.get(chapter, []):
            files = " · ".join(f'<a href="{SITE_ROOT}figures/{info.id}.{ext}" download>{ext.upper()}</a>'
                               for ext in ("svg", "png", "csv"))
            items.append(
                f'<li><p><strong>{html.escape(info.title)}</strong> <code>{info.id}</code></p>'
                f'<p>{html.escape(info.caption)}</p><p>{html.escape(manifest.get(info.id, {}).get("source_line") or info.source_line())}</p>'
                f'<p>Download: {files}</p><p class="ua-cite-line">Cite as: Unlikely Alliances companion '
                f'contributors (2026), "{html.escape(info.title)}", figure {info.id}, in <em>Unlikely Alliances: '
                f'an executable companion</em>, version 0.1.0. {html.escape(info.licence)}.</p></li>')
        if items:
            parts.append(f'<h2 class="ua-gallery-chapter">{html.escape(title)}</h2><ul class="ua-gallery">{"".join(items)}</ul>')
    return HTML("".join(parts))
