"""The loaded atlas is kept on disk between runs: a second load takes it from the cache, any
change to what it depends on is seen, and a cache file others could have written is never
read."""

from __future__ import annotations

import datetime as dt
import json
import os
import pickle
from pathlib import Path

import pytest

import nkmap.atlas.catalog
from conftest import WriteAtlas, collection, entry, feat, square
from nkmap.atlas import cache
from nkmap.atlas.catalog import load_atlas, load_plain_atlas
from nkmap.atlas.located import load_areas
from nkmap.atlas.rows import Rows
from nkmap.errors import ValidationError


@pytest.fixture
def root(write_atlas: WriteAtlas, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NKMAP_CACHE", str(tmp_path / "cache"))
    held = collection(feat(square(46.0, 40.0), controller="armenian", name="Held"))
    return write_atlas([(entry("held"), held)])


def loads_from_files(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Record each load that reads the layer files (a cache miss)."""
    misses: list[Path] = []
    real = nkmap.atlas.catalog._load

    def counted(root: Path, *args: object) -> object:
        misses.append(root)
        return real(root, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(nkmap.atlas.catalog, "_load", counted)
    return misses


def test_a_second_load_comes_from_the_cache_and_equals_the_first(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    misses = loads_from_files(monkeypatch)
    first = load_atlas(root)
    second = load_atlas(root)
    plain = load_plain_atlas(root)  # the same entry, without pandas
    assert misses == [root]
    assert second.entries == first.entries and second.root == root
    assert second.data_version == first.data_version
    assert list(second.features.geometry.to_wkb()) == list(first.features.geometry.to_wkb())
    assert second.features.drop(columns="geometry").equals(first.features.drop(columns="geometry"))
    assert isinstance(plain.features, Rows) and plain.entries == first.entries
    for column in first.features.columns:
        if column == "geometry":
            assert [g.wkb for g in plain.features.geometry] == list(
                first.features.geometry.to_wkb()
            )
        else:
            # The frame reads a missing controller as NaN, the rows keep None.
            assert [None if v != v else v for v in first.features[column]] == plain.features[column]


def test_any_change_to_the_files_it_depends_on_is_seen(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    misses = loads_from_files(monkeypatch)
    load_atlas(root)
    layer = root / "layers" / "held.geojson"
    # The same size and the same modification time: only the content tells.
    stamp = layer.stat()
    layer.write_text(layer.read_text().replace("Held", "Kept"))
    os.utime(layer, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert load_atlas(root).features["properties"][0]["name"] == "Kept"
    catalog = json.loads((root / "catalog.json").read_text())
    catalog["layers"][0]["title"] = "Renamed"
    (root / "catalog.json").write_text(json.dumps(catalog))
    assert load_atlas(root).entry("held").title == "Renamed"
    assert len(misses) == 3
    # A file broken since it was cached is refused just as it would be without the cache.
    layer.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature"}]}')
    with pytest.raises(ValidationError, match="held"):
        load_atlas(root)


def test_a_cache_file_that_others_may_write_is_never_read(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_atlas(root)
    [stored] = (tmp_path / "cache").glob("atlas-*.pickle")

    class Planted:  # unpickling it runs code: it marks the environment
        def __reduce__(self) -> tuple[object, ...]:
            return (exec, ("import os; os.environ['NKMAP_TEST_PLANTED'] = 'ran'",))

    stored.write_bytes(pickle.dumps(Planted()))
    monkeypatch.delenv("NKMAP_TEST_PLANTED", raising=False)
    stored.chmod(0o666)  # anyone may write it
    assert load_atlas(root).entry("held")
    assert "NKMAP_TEST_PLANTED" not in os.environ
    # The check is what kept it out: the same file, private, is read (and ignored as damaged).
    stored.write_bytes(pickle.dumps(Planted()))
    stored.chmod(0o600)
    assert load_atlas(root).entry("held")
    assert os.environ.pop("NKMAP_TEST_PLANTED") == "ran"


def test_a_damaged_cache_is_no_error_and_is_made_again(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_atlas(root)
    [stored] = (tmp_path / "cache").glob("atlas-*.pickle")
    stored.write_bytes(b"\x80\x05 not a pickle")
    misses = loads_from_files(monkeypatch)
    assert load_atlas(root).entry("held")
    assert load_atlas(root).entry("held")
    assert misses == [root]  # loaded from the files once, then cached again


def test_the_cache_can_be_switched_off(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NKMAP_CACHE", "off")
    assert cache.cache_folder() is None
    misses = loads_from_files(monkeypatch)
    load_atlas(root)
    load_atlas(root)
    assert len(misses) == 2
    assert not (tmp_path / "cache").exists()


def test_the_maps_payload_is_kept_too_and_only_for_an_atlas_loaded_from_files(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nkmap.webmap.payload as payload
    from nkmap.atlas.catalog import with_layer

    made: list[object] = []
    real = payload._prepare

    def counted(atlas: object) -> object:
        made.append(atlas)
        return real(atlas)  # type: ignore[arg-type]

    monkeypatch.setattr(payload, "_prepare", counted)
    first = payload.prepare(load_atlas(root))
    again = payload.prepare(load_atlas(root))
    assert len(made) == 1
    assert (again.version, again.head, again.features, again.spans) == (
        first.version,
        first.head,
        first.features,
        first.spans,
    )
    assert again.first(again.changes[0].date) == first.first(first.changes[0].date)
    # An atlas changed in memory (a previewed upload) is prepared afresh, and not kept.
    atlas = load_atlas(root)
    preview = with_layer(atlas, atlas.entry("held"), [])
    assert preview.fingerprint is None
    payload.prepare(preview)
    payload.prepare(preview)
    assert len(made) == 3


def test_the_areas_for_where_come_from_the_cache_and_follow_the_files(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    misses = loads_from_files(monkeypatch)
    first = load_areas(root).where(40.05, 46.05, dt.date(2000, 1, 1))
    assert first.controller == "armenian" and first.layers == ("held",)
    assert load_areas(root).where(40.05, 46.05, dt.date(2000, 1, 1)) == first
    assert misses == [root]
    layer = root / "layers" / "held.geojson"
    layer.write_text(layer.read_text().replace('"armenian"', '"azerbaijani"'))
    assert load_areas(root).where(40.05, 46.05, dt.date(2000, 1, 1)).controller == "azerbaijani"
    assert len(misses) == 2
    layer.write_text('{"type": "FeatureCollection", "features": [{"type": "Feature"}]}')
    with pytest.raises(ValidationError, match="held"):
        load_areas(root)
