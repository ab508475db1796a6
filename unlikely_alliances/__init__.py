"""Helpers for 'Unlikely Alliances: an executable companion'.

A chapter cell typically reads:

    from unlikely_alliances import load, charts, figure
    shares = load("arms_supplier_shares")
    figure(charts.supplier_shares(shares, recipient="Azerbaijan"), "fig-israel-share-azerbaijan-arms")

Modules by job: `data` (load and validate), `theme` (colours, one chart theme),
`charts` (chart builders), `geo` and `maps` (geodata and map builders),
`figures` (captioned figures and their export), `sphinx_ext` (offline rendering).
"""
from . import theme  # noqa: F401  (registers and enables the book's altair theme)
from .data import DataError, load
from .figures import figure

__all__ = ["DataError", "figure", "load"]
