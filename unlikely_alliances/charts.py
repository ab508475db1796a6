"""Chart builders: one function per kind of chart the book draws.

Each takes a tidy frame from `load()` plus the few parameters a reader may want to
change (a recipient, a year range, a snapshot) and returns an altair chart in the
book's theme, with tooltips, a title that states what the chart shows and the
state colours of `theme.STATE_COLORS`. They never compute new figures beyond sums
and selections that the caption names; they never apportion or interpolate.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from .theme import STATE_COLORS, state_scale

TIV_NOTE = "SIPRI trend-indicator value (TIV), millions: a volume measure of arms transfers, not a price."


def _titled(chart, title: str, subtitle: str | list[str] = ""):
    return chart.properties(title=alt.TitleParams(title, subtitle=subtitle or []))


def _period(frame: pd.DataFrame) -> pd.Series:
    return frame["period_start"].astype(str) + "–" + frame["period_end"].astype(str)


def supplier_shares(shares: pd.DataFrame, recipient: str = "Azerbaijan", window_years: int = 5,
                    article_claim: tuple[float, str] | None = None) -> alt.LayerChart:
    """Each supplier's share of a recipient's arms imports, by SIPRI reporting window.

    Every reported figure is a point; where reports of the same window disagree, each
    keeps its own point, so the disagreement stays visible. Shape and
    colour both mark the supplier. `article_claim` = (percent, label) draws the article's
    own figure as a labelled rule, to compare against the data.
    """
    data = shares[(shares["recipient"] == recipient)
                  & (shares["period_end"] - shares["period_start"] + 1 == window_years)].copy()
    data["period"] = _period(data)
    data = (data.groupby(["period", "supplier", "share_pct"], as_index=False)
                .agg(sources=("source_id", "; ".join)))
    periods = sorted(data["period"].unique(), key=lambda p: int(p[:4]))
    names = sorted(data["supplier"].unique())
    suppliers = state_scale(names)
    x = alt.X("period:N", sort=periods, title=f"SIPRI {window_years}-year window", axis=alt.Axis(labelAngle=0))
    points = alt.Chart(data).mark_point(filled=True, size=110, stroke="#1a1a1a", strokeWidth=0.6, opacity=1).encode(
        x=x, xOffset="supplier:N",
        y=alt.Y("share_pct:Q", title="Share of arms imports (%, by TIV)", scale=alt.Scale(domain=[0, 100])),
        color=alt.Color("supplier:N", scale=suppliers, title="Supplier"),
        shape=alt.Shape("supplier:N", title="Supplier", scale=alt.Scale(domain=names)),  # same domain: one legend
        tooltip=["period:N", "supplier:N", alt.Tooltip("share_pct:Q", title="share %"), "sources:N"],
    )
    layers = [points]
    if article_claim:
        percent, label = article_claim
        claim = pd.DataFrame({"share_pct": [percent], "label": [label]})
        layers.append(alt.Chart(claim).mark_rule(strokeDash=[6, 4], color="#1a1a1a", strokeWidth=2).encode(y="share_pct:Q"))
        layers.append(alt.Chart(claim).mark_text(align="left", dx=4, dy=-8, fontWeight="bold").encode(
            y="share_pct:Q", x=alt.value(0), text="label:N"))
    return _titled(alt.layer(*layers), f"Who supplied {recipient}'s major arms imports",
                   f"Share by supplier in each {window_years}-year SIPRI window, as reported from SIPRI fact sheets; "
                   "reports that disagree each keep a point")


def deliveries_timeline(register: pd.DataFrame, recipient: str, suppliers: list[str] | None = None,
                        since: int = 2000) -> alt.Chart:
    """Each SIPRI-registered deal as a bar from first to last delivery year, sized by delivered TIV.

    Deals are not split across years (no source gives annual TIV for a deal); the bar
    shows when deliveries happened and the tooltip gives the deal's delivered TIV.
    """
    data = register[(register["recipient"] == recipient) & register["first_delivery_year"].notna()
                    & (register["first_delivery_year"] >= since)].copy()
    if suppliers:
        data = data[data["supplier"].isin(suppliers)]
    data["label"] = data["weapon_designation"] + " (" + data["supplier"] + ")"
    data["end"] = data["last_delivery_year"] + 1  # a bar covers the whole last year
    order = data.sort_values(["first_delivery_year", "supplier"])["label"].tolist()
    chart = alt.Chart(data).mark_bar(stroke="#1a1a1a", strokeWidth=0.4).encode(
        x=alt.X("first_delivery_year:Q", title="Years of delivery", axis=alt.Axis(format="d"),
                scale=alt.Scale(zero=False)),
        x2="end:Q",
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=260)),
        color=alt.Color("supplier:N", scale=state_scale(sorted(data["supplier"].unique())), title="Supplier"),
        tooltip=["supplier:N", "weapon_designation:N", "weapon_description:N", "order_year:Q",
                 "delivery_years:N", "number_delivered:Q", alt.Tooltip("tiv_delivered:Q", title="TIV delivered (m)")],
    ).properties(height=alt.Step(14))
    return _titled(chart, f"Deliveries of major arms to {recipient} since {since}, deal by deal", TIV_NOTE)


def orders_by_year(register: pd.DataFrame, recipient: str, since: int = 2010) -> alt.Chart:
    """TIV of the orders a recipient placed each year, stacked by supplier (orders, not deliveries)."""
    data = register[(register["recipient"] == recipient) & (register["order_year"] >= since)]
    data = (data.groupby(["order_year", "supplier"], as_index=False)
                .agg(tiv_total_order=("tiv_total_order", "sum"), deals=("deal_id", "count")))
    chart = alt.Chart(data).mark_bar(stroke="#1a1a1a", strokeWidth=0.4).encode(
        x=alt.X("order_year:O", title="Year the order was placed"),
        y=alt.Y("tiv_total_order:Q", title="TIV of orders placed (millions)"),
        color=alt.Color("supplier:N", scale=state_scale(sorted(data["supplier"].unique())), title="Supplier"),
        tooltip=["order_year:O", "supplier:N", "deals:Q", alt.Tooltip("tiv_total_order:Q", title="TIV of orders (m)")],
    )
    return _titled(chart, f"{recipient}'s arms orders by year and supplier", TIV_NOTE)


def military_spending(milex: pd.DataFrame, countries=("Armenia", "Azerbaijan"), measure: str = "share_of_gdp_pct",
                      source_id: str | None = None, years: tuple[int, int] = (2000, 2024)) -> alt.Chart:
    """Military expenditure over time, one line per country, from one source series."""
    data = milex[milex["country"].isin(countries) & (milex["measure"] == measure)
                 & milex["year"].between(*years)]
    if source_id:
        data = data[data["source_id"] == source_id]
    if data.duplicated(["country", "year"]).any():
        raise ValueError("several sources give this series: choose one with source_id=")
    titles = {"share_of_gdp_pct": "Military spending, % of GDP",
              "usd_million_basis_unstated": "Military spending, US$ million (price basis not stated)"}
    label = titles.get(measure, measure.replace("_", " "))
    line = alt.Chart(data).mark_line(point=True).encode(
        x=alt.X("year:Q", axis=alt.Axis(format="d"), title="Year"),
        y=alt.Y("value:Q", title=label),
        color=alt.Color("country:N", scale=state_scale(list(countries)), title="Country"),
        strokeDash=alt.StrokeDash("country:N", title="Country", scale=alt.Scale(domain=list(countries))),
        tooltip=["country:N", "year:Q", alt.Tooltip("value:Q", format=".2f"), "source_id:N"],
    )
    return _titled(line, f"Military spending: {', '.join(countries)}", f"{label}; SIPRI series via the source named per point")


def estimate_ranges(estimates: pd.DataFrame, metrics: list[str], unit_label: str) -> alt.LayerChart:
    """Every estimate of a quantity as a point or low–high range, the article's own claim marked.

    `metrics` lists the measures to compare (sources measure on different bases: share of
    crude imports, of oil consumption, of energy needs...); the base is named on each row.
    """
    data = estimates[estimates["metric"].isin(metrics)].copy()
    data["base"] = data["metric"].str.replace("_", " ")
    data["low"] = data["low"].fillna(data["value"])
    data["high"] = data["high"].fillna(data["low"])
    data = data.dropna(subset=["low"])  # a report that gives no figure has nothing to draw
    x_scale = alt.Scale(domain=[0, float(data["high"].max()) * 1.05])
    data["who"] = data["claimant"].str.slice(0, 70) + " — " + data["period_label"]
    data["kind"] = data["is_article_claim"].map({True: "article's claim", False: "independent estimate"})
    base = alt.Chart(data).encode(
        y=alt.Y("who:N", title=None, sort=alt.EncodingSortField("low", order="descending"), axis=alt.Axis(labelLimit=420)),
        tooltip=["claimant:N", "period_label:N", "base:N", "value:Q", "low:Q", "high:Q", "unit:N", "method:N",
                 "source_id:N"],
    )
    kinds = alt.Scale(domain=["article's claim", "independent estimate"], range=["#1a1a1a", STATE_COLORS["Azerbaijan"]])
    ranges = base.mark_rule(strokeWidth=3).encode(x=alt.X("low:Q", title=unit_label, scale=x_scale), x2="high:Q",
                                                  color=alt.Color("kind:N", title=None, scale=kinds))
    points = base.mark_point(filled=True, size=70, opacity=1).encode(
        x="low:Q", shape=alt.Shape("kind:N", title=None, scale=alt.Scale(domain=kinds.domain)),
        color=alt.Color("kind:N", title=None, scale=kinds))
    note = "the article's claim in black" if data["is_article_claim"].any() else "no figure here is the article's"
    return _titled(ranges + points, "One number, many estimates",
                   f"Each row is one source's figure or range (a bar where the source gives a range); {note}")


# Schematic positions (not capitals: Ankara, Yerevan and Baku lie almost on one line, which would
# draw the Türkiye–Azerbaijan tie through Armenia). Roughly west to east and north to south.
SCHEMATIC_LAYOUT = {
    "Russia": (2.6, 4.4), "Georgia": (1.2, 3.9), "Türkiye": (0.0, 2.0), "Armenia": (1.3, 2.7),
    "Azerbaijan": (3.3, 2.1), "Iran": (2.5, 0.6), "Israel": (0.8, -0.3),
}
# Line style and colour per relation: the network reads in greyscale too.
RELATION_STYLES = {
    "formal_alliance": ("#1a1a1a", [1, 0]),
    "security_partnership": ("#1b7837", [1, 0]),
    "membership": ("#762a83", [12, 3]),
    "arms_supply": ("#8c510a", [6, 3]),
    "energy": ("#01665e", [2, 2]),
    "diplomatic_normalisation": ("#5e3c99", [10, 3, 2, 3]),
    "strained": ("#b35806", [4, 4]),
    "hostile": ("#b2182b", [1, 3]),
}


def _edge_frame(edges, snapshots, relations, layout) -> pd.DataFrame:
    """Edges with line ends at the layout positions; parallel lines for pairs with several relations."""
    data = edges[edges["snapshot"].isin(snapshots) & edges["relation"].isin(relations)
                 & edges["source_state"].isin(layout) & edges["target_state"].isin(layout)].copy()
    data = data.drop_duplicates(["snapshot", "source_state", "target_state", "relation"])
    data["pair"] = data.apply(lambda r: " – ".join(sorted([r.source_state, r.target_state])), axis=1)
    data["slot"] = data.groupby(["snapshot", "pair"]).cumcount()
    data["slots"] = data.groupby(["snapshot", "pair"])["relation"].transform("count")
    for end, column in (("x", "source_state"), ("y", "source_state"), ("x2", "target_state"), ("y2", "target_state")):
        data[end] = data[column].map(lambda state, i="xy".index(end[0]): layout[state][i])
    # Shift parallel lines perpendicular to the pair's direction, 0.09 units apart.
    length = ((data["x2"] - data["x"]) ** 2 + (data["y2"] - data["y"]) ** 2) ** 0.5
    shift = (data["slot"] - (data["slots"] - 1) / 2) * 0.09
    dx, dy = -(data["y2"] - data["y"]) / length * shift, (data["x2"] - data["x"]) / length * shift
    for column, delta in (("x", dx), ("x2", dx), ("y", dy), ("y2", dy)):
        data[column] = data[column] + delta
    data["relation_label"] = data["relation"].str.replace("_", " ")
    return data


_HIDDEN = alt.Axis(title=None, labels=False, ticks=False, domain=False, grid=False)
_NX_SCALE, _NY_SCALE = alt.Scale(domain=[-0.6, 3.9]), alt.Scale(domain=[-0.8, 4.8])
_NX = alt.X("x:Q", axis=_HIDDEN, scale=_NX_SCALE)
_NY = alt.Y("y:Q", axis=_HIDDEN, scale=_NY_SCALE)


def _network_panel(data: pd.DataFrame, relations, layout, title: str) -> alt.LayerChart:
    shown = [r for r in RELATION_STYLES if r in relations]
    labels = [r.replace("_", " ") for r in shown]
    lines = alt.Chart(data).mark_rule(strokeWidth=2.5).encode(
        x=_NX, y=_NY, x2="x2:Q", y2="y2:Q",
        color=alt.Color("relation_label:N", title="Relation",
                        scale=alt.Scale(domain=labels, range=[RELATION_STYLES[r][0] for r in shown]),
                        legend=alt.Legend(orient="bottom", columns=4, symbolType="stroke")),
        strokeDash=alt.StrokeDash("relation_label:N", title="Relation",
                                  scale=alt.Scale(domain=labels, range=[RELATION_STYLES[r][1] for r in shown])),
        tooltip=[alt.Tooltip("pair:N", title="states"), alt.Tooltip("relation_label:N", title="relation"),
                 "basis:N", "since:N", "until:N", "judgement_call:N", "source_id:N"])
    nodes = pd.DataFrame([{"state": s, "x": x, "y": y} for s, (x, y) in layout.items()])
    dots = alt.Chart(nodes).mark_circle(size=420, stroke="#1a1a1a", strokeWidth=1, opacity=1).encode(
        x=_NX, y=_NY, fill=alt.Fill("state:N", scale=state_scale(nodes["state"]), legend=None), tooltip=["state:N"])
    names = alt.Chart(nodes).mark_text(dy=-20, fontWeight="bold", fontSize=12).encode(x=_NX, y=_NY, text="state:N")
    return alt.layer(lines, dots, names).properties(title=title, width=300, height=300)


def alignment_network(edges: pd.DataFrame, snapshots=(2020, 2024), relations: list[str] | None = None,
                      layout: dict[str, tuple[float, float]] | None = None) -> alt.HConcatChart:
    """Who is aligned with whom, one panel per snapshot, states at fixed schematic positions.

    `relations` keeps only some kinds of tie (e.g. ["formal_alliance", "hostile"]); a pair
    linked by several relations gets parallel lines, side by side.
    """
    layout, relations = layout or SCHEMATIC_LAYOUT, relations or list(RELATION_STYLES)
    data = _edge_frame(edges, snapshots, relations, layout)
    panels = [_network_panel(data[data["snapshot"] == snap], relations, layout, str(snap)) for snap in snapshots]
    return _titled(alt.hconcat(*panels), "Alignments among the six states and Israel",
                   "Schematic positions; line colour and dash pattern give the relation")


def escalation_paths(edges: pd.DataFrame, paths: pd.DataFrame, drawn_in: list[str], snapshot: int = 2024,
                     relations: list[str] | None = None, layout=None) -> alt.LayerChart:
    """A snapshot's network with numbered escalation paths (grey bands) and rings round the
    states that could be drawn in. `paths` has columns path, from_state, to_state, step."""
    layout, relations = layout or SCHEMATIC_LAYOUT, relations or list(RELATION_STYLES)
    network = _network_panel(_edge_frame(edges, [snapshot], relations, layout), relations, layout, str(snapshot))
    paths = paths.assign(x=paths["from_state"].map(lambda s: layout[s][0]), y=paths["from_state"].map(lambda s: layout[s][1]),
                         x2=paths["to_state"].map(lambda s: layout[s][0]), y2=paths["to_state"].map(lambda s: layout[s][1]))
    paths["mid_x"], paths["mid_y"] = (paths["x"] + paths["x2"]) / 2, (paths["y"] + paths["y2"]) / 2
    bands = alt.Chart(paths).mark_rule(strokeWidth=16, opacity=0.25, color="#1a1a1a").encode(
        x=_NX, y=_NY, x2="x2:Q", y2="y2:Q", tooltip=["path:N", "step:N"])
    numbers = alt.Chart(paths).mark_text(fontSize=16, fontWeight="bold").encode(
        x=alt.X("mid_x:Q", axis=_HIDDEN, scale=_NX_SCALE), y=alt.Y("mid_y:Q", axis=_HIDDEN, scale=_NY_SCALE),
        text="path:N")
    ringed = pd.DataFrame([{"state": s, "x": layout[s][0], "y": layout[s][1]} for s in drawn_in])
    rings = alt.Chart(ringed).mark_circle(size=1100, fillOpacity=0, stroke="#1a1a1a", strokeDash=[3, 2]).encode(
        x=_NX, y=_NY, tooltip=["state:N"])
    return _titled(alt.layer(bands, network, rings, numbers), f"Escalation paths over the {snapshot} alignments",
                   "Grey bands: numbered paths; dashed rings: states that could be drawn in")


def event_timeline(events: pd.DataFrame, start: str = "1988-01-01", end: str = "2024-12-31",
                   categories: list[str] | None = None, date_format: str = "%Y") -> alt.Chart:
    """Dated events on a timeline, one row per category; click a category in the legend to highlight it.

    Events given only to the month or year ("2023-10", "1993") are drawn at its first day;
    `date_format` sets the axis labels, e.g. "%b %Y" for a window of a few months."""
    data = events[(events["date"] >= start) & (events["date"] <= end)]
    if categories:
        data = data[data["category"].isin(categories)]
    pick = alt.selection_point(fields=["category"], bind="legend")
    chart = alt.Chart(data).mark_point(filled=True, size=90, stroke="#1a1a1a", strokeWidth=0.5).encode(
        x=alt.X("date:T", title=None, axis=alt.Axis(format=date_format, tickCount=10, labelAngle=0)),
        y=alt.Y("category:N", title=None),
        shape=alt.Shape("category:N", title="Kind of event"),
        color=alt.Color("category:N", title="Kind of event", scale=alt.Scale(scheme="dark2")),
        opacity=alt.condition(pick, alt.value(1), alt.value(0.15)),
        tooltip=["date:N", "title:N", "actors:N", "place:N", "source_id:N"],
    ).add_params(pick).properties(height=alt.Step(28))
    return _titled(chart, f"Events {start[:4]}–{end[:4]}", "Hover for details; click the legend to highlight one kind")
