"""HTML tables for the book: sortable and searchable ledgers, and the claims-and-evidence box.

The tables are plain HTML (readable without JavaScript); `static/ua-tables.js` adds a
search field and sortable column headers (buttons, so keyboard users can sort too).
"""
from __future__ import annotations

import html

import pandas as pd

from .data import short_citation, split_source_ids


class HTML:
    """Rich output for a notebook cell and the built book alike."""

    def __init__(self, markup: str):
        self.markup = markup

    def _repr_html_(self) -> str:
        return self.markup


def sortable_table(frame: pd.DataFrame, caption: str, table_id: str) -> HTML:
    """A table whose columns sort on click and whose rows filter as the reader types.

    The id gets a "table-" prefix, so it cannot clash with a section's id on the page."""
    table_id = table_id if table_id.startswith("table-") else f"table-{table_id}"
    table = frame.to_html(index=False, na_rep="", border=0, escape=True, table_id=table_id,
                          classes=["ua-table", "ua-sortable"])
    table = table.replace("<thead>", f"<caption>{html.escape(caption)}</caption><thead>", 1)
    return HTML(f'<div class="ua-table-wrap">{table}</div>')


STATUS_LABELS = {"supported": "Supported", "contested": "Contested", "unverified": "Unverified"}


def claims_box(claims: pd.DataFrame, figures: pd.DataFrame, chapter: str) -> HTML:
    """The chapter's checkable claims, each with its status and the independent figures."""
    rows = claims[claims["chapter"] == chapter]
    items = []
    for claim in rows.itertuples():
        found = figures[figures["claim_id"] == claim.claim_id]
        evidence = "".join(
            f"<li>{html.escape(_figure_text(f))} <span class='ua-cite'>({html.escape(_citations(f.source_id))})</span></li>"
            for f in found.itertuples())
        note = f" (article note {int(claim.article_note)})" if pd.notna(claim.article_note) else ""
        items.append(
            f"<li><strong class='ua-status ua-status-{claim.status}'>{STATUS_LABELS.get(claim.status, claim.status)}</strong> "
            f"{html.escape(claim.paraphrase)}{note}<br><span>{html.escape(str(claim.assessment))}</span>"
            + (f"<ul>{evidence}</ul>" if evidence else "") + "</li>")
    return HTML("<aside class='ua-claims' aria-label='Claims and evidence'><p class='ua-claims-title'>"
                "Claims and evidence</p><ul>" + "".join(items) + "</ul></aside>")


def _citations(source_ids) -> str:
    return "; ".join(short_citation(key) for key in split_source_ids(source_ids))


def _figure_text(row) -> str:
    if pd.notna(row.low) and pd.notna(row.high):
        value = f"{row.low:g}–{row.high:g}"
    elif pd.notna(row.value):
        value = f"{row.value:g}"
    elif pd.notna(row.low):
        value = f"at least {row.low:g}"
    else:
        value = "no figure"
    year = f", {int(row.year)}" if pd.notna(row.year) else ""
    return f"{row.claimant}: {value} {row.unit}{year}"
