"""Load and check the book's geodata, and turn route waypoints into lines.

The map layers are small GeoJSON extracts in data/geo/, written by scripts/build_geodata.py
(data/geo/PROVENANCE.md says where each comes from). `load_geo(name)` reads one and checks it
before any map sees it; a problem stops the caller with a `GeoDataError` that names the file and
the feature, so a broken polygon or an unsourced feature cannot reach a page silently.

CRS decision: the extracts are RFC 7946 GeoJSON, which is WGS 84 longitude/latitude by definition
and carries no CRS member, so a file without one is read as EPSG:4326 (GDAL does the same). A file
that declares any other CRS is rejected rather than reprojected, because every map builder assumes
degrees; and a GeoDataFrame handed to `validate` with no CRS at all is rejected too, since there is
no file format to tell what its numbers mean.
"""
from __future__ import annotations

import functools
import json
import numbers
from pathlib import Path

import geopandas as gpd
import pandas as pd
from shapely.geometry import LineString
from shapely.validation import explain_validity

from .data import DATA_DIR, bibliography_keys, display_path, load, split_source_ids

GEO_DIR = DATA_DIR / "geo"
WAYPOINTS_FILE = "data/route_waypoints.csv"
ROUTES_FILE = "data/routes.csv"

# Columns tried, in order, to name a feature in an error message.
_LABEL_COLUMNS = ("feature_id", "admin1_id", "route_id", "place_id", "iso_a3", "name")
# CRS names that mean WGS 84 longitude/latitude in a GeoJSON `crs` member.
_WGS84_NAMES = {"urn:ogc:def:crs:OGC:1.3:CRS84", "urn:ogc:def:crs:OGC::CRS84", "EPSG:4326",
                "urn:ogc:def:crs:EPSG::4326", "OGC:CRS84"}


class GeoDataError(ValueError):
    """A geodata file or frame has no usable CRS, a broken geometry, or cites an unknown source."""


def load_geo(name: str, directory: Path | str = GEO_DIR) -> gpd.GeoDataFrame:
    """Read data/geo/{name}.geojson and return it validated (see `validate`)."""
    path = Path(directory) / f"{name}.geojson"
    shown = display_path(path)
    if not path.is_file():
        available = sorted(p.stem for p in Path(directory).glob("*.geojson"))
        raise GeoDataError(f"{shown}: no such geodata extract (available: {', '.join(available) or 'none'})")
    # Cached on the file's modification time: maps read the same extract many times per page.
    return _read_validated(str(path), path.stat().st_mtime, shown, bibliography_keys()).copy()


@functools.lru_cache(maxsize=32)
def _read_validated(path: str, mtime: float, shown: str, keys: frozenset) -> gpd.GeoDataFrame:
    _check_declared_crs(Path(path), shown)
    gdf = gpd.read_file(path)
    if gdf.crs is None:  # RFC 7946: no CRS member means WGS 84
        gdf = gdf.set_crs(4326)
    return validate(gdf, shown, keys)


def _check_declared_crs(path: Path, shown: str) -> None:
    """Reject a legacy `crs` member that names anything but WGS 84 longitude/latitude."""
    with open(path, encoding="utf-8") as f:
        declared = json.load(f).get("crs")
    if declared is None:
        return
    crs_name = str((declared.get("properties") or {}).get("name", declared))
    if crs_name not in _WGS84_NAMES:
        raise GeoDataError(f"{shown}: declares CRS {crs_name!r}; the book's geodata must be "
                           "WGS 84 longitude/latitude (EPSG:4326, as RFC 7946 requires)")


def validate(gdf: gpd.GeoDataFrame, source: str = "<GeoDataFrame>", keys=None) -> gpd.GeoDataFrame:
    """Check a frame of geodata; return it unchanged or raise GeoDataError naming `source` and the feature.

    Checks: a CRS is set and is EPSG:4326; every geometry is present, non-empty and valid (the
    message quotes shapely's `explain_validity`); every `source_id` (several may be joined with
    ';') is a key of the bibliography (`keys`, default `bibliography_keys()`).
    """
    if gdf.crs is None:
        raise GeoDataError(f"{source}: no CRS; set EPSG:4326 (WGS 84 longitude/latitude) before use")
    if gdf.crs.to_epsg() != 4326:
        raise GeoDataError(f"{source}: CRS is {gdf.crs.to_string()}, expected EPSG:4326")
    for position, geom in enumerate(gdf.geometry):
        if geom is None or geom.is_empty:
            raise GeoDataError(f"{source}: {_feature(gdf, position)} has an empty geometry")
        if not geom.is_valid:
            raise GeoDataError(f"{source}: {_feature(gdf, position)} has an invalid geometry: "
                               f"{explain_validity(geom)}")
    if "source_id" in gdf.columns:
        keys = bibliography_keys() if keys is None else keys
        for position, value in enumerate(gdf["source_id"]):
            ids = split_source_ids(value)
            if not ids:
                raise GeoDataError(f"{source}: {_feature(gdf, position)} has no source_id")
            for key in ids:
                if key not in keys:
                    raise GeoDataError(f"{source}: {_feature(gdf, position)} cites unknown source_id "
                                       f"{key!r} (not a key in references*.bib)")
    return gdf


def _feature(gdf, position: int) -> str:
    for column in _LABEL_COLUMNS:
        if column in gdf.columns and pd.notna(gdf[column].iloc[position]):
            return f"feature {position} ({column} {gdf[column].iloc[position]!r})"
    return f"feature {position}"


# ---------------------------------------------------------------- tables and routes
def _select(frame: pd.DataFrame, id_column: str, ids, file: str) -> pd.DataFrame:
    """Rows of `frame` whose `id_column` is in `ids`, in that order; all rows when ids is None."""
    if ids is None:
        return frame
    ids = list(ids)
    unknown = sorted(set(ids) - set(frame[id_column]))
    if unknown:
        raise GeoDataError(f"{file}: unknown {id_column} {unknown}")
    return frame.set_index(id_column).loc[ids].reset_index()


def route_lines(routes: pd.DataFrame, waypoints: pd.DataFrame) -> gpd.GeoDataFrame:
    """One LineString per row of `routes`, through its waypoints in `seq` order (EPSG:4326).

    Raises GeoDataError naming data/route_waypoints.csv, the row and the route_id when a waypoint
    names a route that `routes` lacks, has no coordinates, or when a route has fewer than two
    waypoints. Rows are numbered from 1 as in the file without its header, taken from the frame's
    index, so numbers stay right after filtering a frame read with `pd.read_csv`.
    """
    known = set(routes["route_id"])
    for label, row in waypoints.iterrows():
        where = f"{WAYPOINTS_FILE}, row {_row(label)}, route_id {row['route_id']!r}"
        if row["route_id"] not in known:
            raise GeoDataError(f"{where}: unknown route (not in {ROUTES_FILE})")
        if pd.isna(row.get("lat")) or pd.isna(row.get("lon")):
            raise GeoDataError(f"{where}: waypoint {row.get('seq')} ({row.get('place_id', '')}) has no coordinates")
    lines = []
    for route_id in routes["route_id"]:
        points = waypoints[waypoints["route_id"] == route_id].sort_values("seq")
        if len(points) < 2:
            rows = ", ".join(str(_row(label)) for label in points.index) or "none"
            raise GeoDataError(f"{WAYPOINTS_FILE}, row {rows}, route_id {route_id!r}: "
                               f"a route needs at least 2 waypoints, found {len(points)}")
        lines.append(LineString(zip(points["lon"].astype(float), points["lat"].astype(float))))
    return gpd.GeoDataFrame(routes.reset_index(drop=True), geometry=lines, crs=4326)


def _row(label) -> object:
    return int(label) + 1 if isinstance(label, numbers.Integral) else label


def load_routes(route_ids=None) -> gpd.GeoDataFrame:
    """Routes (data/routes.csv) as lines through their waypoints, optionally only `route_ids`, in that order."""
    routes = _select(load("routes"), "route_id", route_ids, ROUTES_FILE)
    waypoints = load("route_waypoints")
    return route_lines(routes, waypoints[waypoints["route_id"].isin(set(routes["route_id"]))])


def load_places(place_ids=None) -> gpd.GeoDataFrame:
    """Places (data/places.csv) with coordinates as points, optionally only `place_ids`, in that order."""
    places = _select(load("places"), "place_id", place_ids, "data/places.csv")
    places = places.dropna(subset=["lat", "lon"]).reset_index(drop=True)
    return gpd.GeoDataFrame(places, geometry=gpd.points_from_xy(places["lon"], places["lat"]), crs=4326)
