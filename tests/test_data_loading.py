"""The loader stops bad data with a message naming the file, the row and the problem."""
import json
import shutil

import pytest

from unlikely_alliances.data import DATA_DIR, DataError, load

SCHEMA = {
    "fields": [
        {"name": "recipient", "type": "string", "constraints": {"required": True}},
        {"name": "supplier", "type": "string", "constraints": {"required": True}},
        {"name": "share_pct", "type": "number", "constraints": {"required": True, "minimum": 0, "maximum": 100}},
        {"name": "source_id", "type": "string", "constraints": {"required": True}},
    ],
    "primaryKey": ["recipient", "supplier", "source_id"],
}
GOOD_ROWS = ["Azerbaijan,Israel,27,souleimanov2024", "Azerbaijan,Russia,31,souleimanov2024"]
HEADER = "recipient,supplier,share_pct,source_id"


def package(tmp_path, rows, header=HEADER):
    (tmp_path / "shares.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    descriptor = {"name": "test", "resources": [{"name": "shares", "path": "shares.csv", "schema": SCHEMA}]}
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    return tmp_path


def test_good_rows_load_with_schema_types(tmp_path):
    frame = load("shares", package(tmp_path, GOOD_ROWS))
    assert list(frame["share_pct"]) == [27, 31]
    assert str(frame["share_pct"].dtype) == "float64"


@pytest.mark.parametrize(
    "rows, header, expected",
    [
        (["Azerbaijan,Israel,lots,souleimanov2024"], HEADER, ["shares.csv", "row 1 (line 2)", "column share_pct"]),
        (["Azerbaijan,Israel,27,no-such-source"], HEADER, ["shares.csv", "row 1 (line 2)", "column source_id", "no-such-source"]),
        ([*GOOD_ROWS, "Azerbaijan,Belarus,5,"], HEADER, ["shares.csv", "row 3 (line 4)", "column source_id"]),
        ([*GOOD_ROWS, "Azerbaijan,Israel,27,souleimanov2024"], HEADER, ["shares.csv", "row 3 (line 4)", "primary key"]),
        (["Azerbaijan,Israel,127,souleimanov2024"], HEADER, ["row 1 (line 2)", "column share_pct", "maximum"]),
        (["Azerbaijan,27,souleimanov2024"], "recipient,share_pct,source_id", ["shares.csv", "supplier"]),
        (["Azerbaijan,Israel,27"], HEADER, ["shares.csv", "row 1 (line 2)"]),
    ],
    ids=["non-numeric", "unknown-source", "missing-source", "duplicate-key", "share-over-100", "missing-column", "short-row"],
)
def test_bad_rows_are_named(tmp_path, rows, header, expected):
    with pytest.raises(DataError) as caught:
        load("shares", package(tmp_path, rows, header))
    message = str(caught.value)
    for fragment in expected:
        assert fragment.lower() in message.lower(), message


def test_unknown_resource_is_named(tmp_path):
    with pytest.raises(DataError, match="no resource named 'nothing'"):
        load("nothing", package(tmp_path, GOOD_ROWS))


def test_every_resource_of_the_book_loads():
    descriptor = json.loads((DATA_DIR / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        if resource["path"].endswith(".csv"):
            assert len(load(resource["name"])) > 0, resource["name"]


def test_the_book_data_would_be_rejected_when_broken(tmp_path):
    data = shutil.copytree(DATA_DIR, tmp_path / "data")
    path = data / "arms_supplier_shares.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("share_pct")] = "150"
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"arms_supplier_shares\.csv, row 1 \(line 2\), column share_pct"):
        load("arms_supplier_shares", data)
