"""The gazetteer on its own: every problem reported at once on load, names found in either
community's form and forgiving of spelling, histories read by date."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from nkmap.atlas.gazetteer import name_key, parse_gazetteer
from nkmap.cli import main
from nkmap.errors import NkmapError, ValidationError

SOURCES = {"wp": {"title": "A page", "url": "https://example.org/p", "licence": "Fact"}}


def village(sid: str, **overrides: Any) -> dict[str, Any]:
    base = {
        "id": sid,
        "name_hy": "Mardakert",
        "name_az": "Aghdara",
        "name_az_local": "Ağdərə",
        "name_ru": "Мардакерт",
        "alt_names": ["Martakert", "Agdere"],
        "kind": "town",
        "district_az": "Tartar",
        "district_hy": "Martakert",
        "lat": 40.2153,
        "lon": 46.8128,
        "coord_source": "wp",
        "history": [
            {"date": "1992-01-01", "controller": "armenian", "sources": ["wp"]},
            {"date": "1992-07-04", "controller": "azerbaijani", "sources": ["wp"]},
            {"date": "1993-06-27", "controller": "armenian", "sources": ["wp"], "note": "x"},
            {"date": "2023-09-20", "controller": "azerbaijani", "sources": ["wp"]},
        ],
        "disagreement": "",
    }
    base.update(overrides)
    return base


def doc(*places: dict[str, Any]) -> dict[str, Any]:
    return {"version": 1, "sources": SOURCES, "settlements": list(places)}


def test_a_history_is_read_by_date() -> None:
    gaz = parse_gazetteer(doc(village("martakert")))
    town = gaz.get("martakert")
    assert town.label == "Mardakert / Aghdara"
    assert town.controller_on(dt.date(1991, 12, 31)) is None  # before its first entry
    assert town.controller_on(dt.date(1992, 7, 3)) == "armenian"
    assert town.controller_on(dt.date(1992, 7, 4)) == "azerbaijani"
    assert town.controller_on(dt.date(2000, 1, 1)) == "armenian"
    assert gaz.change_dates() == [dt.date(1992, 7, 4), dt.date(1993, 6, 27), dt.date(2023, 9, 20)]


def test_every_problem_is_reported_at_once_naming_the_place_and_field() -> None:
    bad = village(
        "bad",
        name_hy="",
        lat=51.5,
        coord_source="nowhere",
        history=[
            {"date": "1993-01-01", "controller": "armenian", "sources": ["wp"]},
            {"date": "1992-01-01", "controller": "martians", "sources": []},
            {"date": "1994-02-30", "controller": "azerbaijani", "sources": ["missing"]},
            {"date": "1992-06-01", "controller": "azerbaijani", "sources": ["wp"]},
        ],
    )
    with pytest.raises(ValidationError) as err:
        parse_gazetteer(doc(village("good"), bad, village("good")))
    text = str(err.value)
    for expected in (
        "settlement 'bad': name_hy: found ''",
        "settlement 'bad': lat/lon: found 51.5, 46.8128",
        "settlement 'bad': coord_source: found 'nowhere'",
        "settlement 'bad' history[1]: controller: found 'martians'",
        "settlement 'bad' history[1]: sources: found []",
        "settlement 'bad' history[3]: date: found 1992-06-01; accepted: a date after 1993-01-01",
        "settlement 'bad' history[2]: date: found '1994-02-30'",
        "settlement 'bad' history[2]: sources: found 'missing'",
        "settlement 'good': id: found a duplicate",
    ):
        assert expected in text, expected


def test_a_source_must_be_an_http_address() -> None:
    broken = {"wp": {"title": "t", "url": "javascript:alert(1)", "licence": "l"}}
    with pytest.raises(ValidationError, match=r"source 'wp': url: found 'javascript:alert\(1\)'"):
        parse_gazetteer({"sources": broken, "settlements": []})


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Aghdara", "Agdere"),
        ("Aghdara", "Ağdərə"),
        ("Khojaly", "Xocalı"),
        ("Jabrayil", "Cəbrayıl"),
        ("Shusha", "Şuşa"),
        ("Kalbajar", "Kəlbəcər"),
        ("Qubadli", "Gubadly"),
        ("Mardakert", "Мардакерт"),
    ],
)
def test_spellings_of_one_name_share_a_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


def test_find_is_forgiving_and_ranks_towns_and_own_names_first() -> None:
    gaz = parse_gazetteer(
        doc(
            village("martakert"),
            village("aghdara-village", kind="village", name_hy="Nor Aghdara", alt_names=[]),
        )
    )
    assert [s.id for s in gaz.find("Martakert")] == ["martakert"]
    assert [s.id for s in gaz.find("Ağdərə")] == ["martakert"]  # the town before the village
    assert [s.id for s in gaz.find("Mardakertt")] == ["martakert"]  # a typo
    assert gaz.find("Stepanakert") == []
    assert gaz.resolve("aghdara-village").kind == "village"  # an id is exact
    with pytest.raises(NkmapError, match="no settlement named 'Xyz'"):
        gaz.resolve("Xyz")


def test_validate_reports_a_broken_gazetteer(
    geodata_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = geodata_copy / "gazetteer.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    data["settlements"][0]["history"][0]["controller"] = "nobody"
    path.write_text(json.dumps(data), encoding="utf-8")
    assert main(["validate", str(geodata_copy)]) == 1
    err = capsys.readouterr().err
    assert f"settlement '{data['settlements'][0]['id']}' history[0]: controller" in err
    assert "Traceback" not in err


def test_history_and_where_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", "Talish", "--json"]) == 0
    talish = json.loads(capsys.readouterr().out)
    dates = [(e["date"], e["controller"]) for e in talish["history"]]
    assert ("2020-10-03", "azerbaijani") in dates
    assert all(
        e["sources"] and e["sources"][0]["url"].startswith("http") for e in talish["history"]
    )
    assert main(["where", "Sugovushan", "--date", "2020-10-04", "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["id"] == "madaghis" and answer["controller"] == "azerbaijani"
    assert answer["since"] == "2020-10-03" and answer["sources"]
    assert main(["where", "Atlantis", "--date", "2020-10-04"]) == 1
    assert "no settlement named 'Atlantis'" in capsys.readouterr().err
