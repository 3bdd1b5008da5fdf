"""The print map: what it draws for a date."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import WriteAtlas, collection, entry, feat, square
from nkmap.catalog import Atlas, load_atlas
from nkmap.render import Layout, close, print_layout
from nkmap.stats import areas_by_controller
from nkmap.timeline import change_dates, state_at, transfers


def texts(fig: object) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]  # type: ignore[attr-defined]


def test_layer_text_is_drawn_literally(write_atlas: WriteAtlas) -> None:
    hostile = r"$\frac{1}{$ <script>alert(1)</script>"
    root = write_atlas(
        [
            (
                entry("c", sources=[{"title": hostile, "url": "https://e.org/", "licence": "CC0"}]),
                collection(feat(square(46.0, 39.5), controller="armenian")),
            ),
            (
                entry("places", kind="point", shows="places", valid_from=None, valid_to=None),
                collection(feat({"type": "Point", "coordinates": [46.05, 39.55]}, name=hostile)),
            ),
        ]
    )
    atlas = load_atlas(root)
    day = dt.date(2001, 1, 1)
    fig = print_layout(atlas, day, change_dates(atlas))
    try:
        fig.canvas.draw()  # math text would fail here on the unbalanced '$'
        drawn = texts(fig)
        assert hostile in drawn  # the place name, as typed
        assert any(hostile in t for t in drawn)  # the source, in the footer
    finally:
        close(fig)


def test_print_map_states_date_areas_and_uncertainty(atlas: Atlas) -> None:
    day = dt.date(2020, 11, 10)
    fig = print_layout(atlas, day, change_dates(atlas))
    try:
        drawn = "\n".join(texts(fig))
    finally:
        close(fig)
    assert "10 November 2020. Ceasefire statement of 10 November 2020" in drawn
    for side, km2 in areas_by_controller(state_at(atlas, day)).items():
        if km2:
            assert f"{km2:,.0f} km²" in drawn, side
    shown = [atlas.entry(i) for i in state_at(atlas, day).layers]
    worst = max(e.uncertainty_km for e in shown if e.approximate and e.shows != "events")
    assert f"uncertainty of up to {worst:g} km" in drawn  # the 2020 ceasefire lines
    assert "Natural Earth" in drawn and "GeoNames" in drawn
    for label in ("Held by the Armenian side", "Held by Azerbaijan", "Line of contact", "N"):
        assert label in drawn
    assert "0" in drawn and "25 km" in drawn  # the scale bar


def test_exact_layers_get_no_uncertainty_note(atlas: Atlas) -> None:
    fig = print_layout(atlas, dt.date(1960, 1, 1), change_dates(atlas))
    try:
        drawn = "\n".join(texts(fig))
    finally:
        close(fig)
    assert "Approximate" not in drawn  # only the oblast's outline, from Natural Earth


def test_comparison_lists_what_changed_hands(atlas: Atlas) -> None:
    first, second = dt.date(2020, 9, 27), dt.date(2020, 12, 1)
    moved = transfers(atlas, first, second)
    fig = print_layout(atlas, second, change_dates(atlas), None, first, moved)
    try:
        drawn = "\n".join(texts(fig))
    finally:
        close(fig)
    assert "Changed hands, 27 Sep 2020 to 1 Dec 2020" in drawn
    assert f"Armenian side → Azerbaijan: {moved[0].area_km2:,.0f} km²" in drawn


@pytest.mark.parametrize(("width", "height", "dpi"), [(1600, 1200, 200), (800, 1000, 100)])
def test_figure_has_the_requested_size(atlas: Atlas, width: int, height: int, dpi: int) -> None:
    fig = print_layout(atlas, dt.date(2005, 1, 1), change_dates(atlas), Layout(width, height, dpi))
    try:
        w, h = fig.get_size_inches() * dpi
        assert (round(w), round(h)) == (width, height)
    finally:
        close(fig)


def test_the_oblast_outline_is_a_reference_only_after_its_abolition(atlas: Atlas) -> None:
    def legend(day: dt.date) -> str:
        fig = print_layout(atlas, day, change_dates(atlas))
        try:
            return "\n".join(texts(fig))
        finally:
            close(fig)

    during, after = legend(dt.date(1960, 1, 1)), legend(dt.date(2005, 1, 1))
    assert "Autonomous oblast, 1991 outline" in during
    assert "Former oblast, 1991 outline (reference)" not in during
    assert "Former oblast, 1991 outline (reference)" in after
