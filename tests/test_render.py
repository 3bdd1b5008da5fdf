"""The print map: what it draws for a date."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest
import shapely
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from conftest import WriteAtlas, collection, entry, feat, square
from nkmap.atlas.catalog import Atlas, load_atlas
from nkmap.atlas.geometry import shared_borders
from nkmap.atlas.stats import areas_by_controller
from nkmap.atlas.timeline import Transfer, change_dates, state_at, transfers
from nkmap.atlas.vocabulary import REGION_BBOX
from nkmap.maps.render import (
    COUNTRY_COLOUR,
    COUNTRY_GID,
    LABEL_GID,
    THIN_SPACE,
    Layout,
    label_priority,
    print_layout,
)
from nkmap.present.layout import ANIMATION
from nkmap.present.style import BORDER, BORDER_LABEL, NAME_KEYS


def dot_points(ax: Axes) -> list[tuple[float, float]]:
    """The towns' dots on a map, in its coordinates."""
    return [
        (float(x), float(y))
        for line in ax.get_lines()
        if line.get_marker() == "o"
        for x, y in line.get_xydata()  # type: ignore[union-attr]
    ]


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
    fig.canvas.draw()  # math text would fail here on the unbalanced '$'
    drawn = texts(fig)
    assert hostile in drawn  # the place name, as typed
    assert any(hostile in t for t in drawn)  # the source, in the footer


def test_print_map_states_date_areas_and_uncertainty(atlas: Atlas) -> None:
    day = dt.date(2020, 11, 10)
    fig = print_layout(atlas, day, change_dates(atlas))
    drawn = "\n".join(texts(fig))
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
    drawn = "\n".join(texts(fig))
    assert "Approximate" not in drawn  # only the oblast's outline, from Natural Earth


def test_comparison_lists_what_changed_hands(atlas: Atlas) -> None:
    first, second = dt.date(2020, 9, 27), dt.date(2020, 12, 1)
    moved = transfers(atlas, first, second)
    fig = print_layout(atlas, second, change_dates(atlas), None, first, moved)
    drawn = "\n".join(texts(fig))
    assert "Changed hands, 27 Sep 2020 to 1 Dec 2020" in drawn
    assert f"Armenian side → Azerbaijan: {moved[0].area_km2:,.0f} km²" in drawn


@pytest.mark.parametrize(
    "layout",
    # The default page; pages smaller than it at their dpi (a laptop's screen, a square and a
    # portrait post), drawn at a lower dpi; a wide one.
    [
        Layout(),
        Layout(1366, 1024, 200),
        Layout(1000, 1000, 200),
        Layout(1080, 1350, 200),
        Layout(1920, 1080, 200),
    ],
    ids=lambda layout: f"{layout.width_px}x{layout.height_px}",
)
def test_the_longest_panel_stays_on_the_page_and_off_the_footer(
    atlas: Atlas, layout: Layout
) -> None:
    # The Lachin corridor among the changes: a line wider than the panel, wrapped.
    first, second = dt.date(2020, 9, 27), dt.date(2020, 11, 10)
    moved = transfers(atlas, first, second)
    assert any(t.after == "russian_peacekeepers" for t in moved)
    fig = print_layout(atlas, second, change_dates(atlas), layout, first, moved)
    assert tuple(fig.canvas.get_width_height()) == (layout.width_px, layout.height_px)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    page = fig.bbox
    panel = fig.axes[-1]
    footer = [t for t in fig.texts if t.get_text().startswith("Sources:")]
    assert len(footer) == 1
    sources = footer[0].get_window_extent(renderer)
    shown = [t for t in [*fig.texts, *panel.texts] if t.get_text().strip()]
    for text in shown:
        box = text.get_window_extent(renderer)
        assert page.x0 <= box.x0 and box.x1 <= page.x1, text.get_text()
        assert page.y0 <= box.y0 and box.y1 <= page.y1, text.get_text()
        if text in panel.texts:
            assert not box.overlaps(sources), text.get_text()


@pytest.mark.parametrize(("width", "height", "dpi"), [(1600, 1200, 200), (800, 1000, 100)])
def test_figure_has_the_requested_size(atlas: Atlas, width: int, height: int, dpi: int) -> None:
    fig = print_layout(atlas, dt.date(2005, 1, 1), change_dates(atlas), Layout(width, height, dpi))
    w, h = fig.get_size_inches() * dpi
    assert (round(w), round(h)) == (width, height)


def test_the_oblast_outline_is_a_reference_only_after_its_abolition(atlas: Atlas) -> None:
    def legend(day: dt.date) -> str:
        fig = print_layout(atlas, day, change_dates(atlas))
        return "\n".join(texts(fig))

    during, after = legend(dt.date(1960, 1, 1)), legend(dt.date(2005, 1, 1))
    assert "Autonomous oblast, 1991 outline" in during
    assert "Former oblast, 1991 outline (reference)" not in during
    assert "Former oblast, 1991 outline (reference)" in after


def labels(fig: Figure) -> list[Text]:
    """The map's labels of towns and countries, as drawn."""
    return [
        t
        for t in fig.findobj(Text)
        if str(t.get_gid() or "").startswith((f"{LABEL_GID}-", f"{COUNTRY_GID}-"))
    ]


def drawn_box(label: Text, renderer: Any) -> Bbox:
    """What a label covers once drawn: its white box if it has one, else its text."""
    patch = label.get_bbox_patch()
    return (patch or label).get_window_extent(renderer)


def overlap(a: Bbox, b: Bbox) -> bool:
    """Whether two boxes share more than an edge."""
    return bool(a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1)


def map_axes(fig: Figure) -> Axes:
    return fig.axes[0]


def capital(atlas: Atlas, names: str) -> str:
    places = atlas.features[atlas.features["shows"] == "places"]
    props = next(p for p in places["properties"] if p.get("kind") == "capital")
    return str(props[NAME_KEYS[names]])


def plain(text: str) -> str:
    """A country's name without its letter-spacing."""
    return text.replace(THIN_SPACE, "").replace(" ", "")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("day", "names", "layout"),
    [
        *(
            (day, names, Layout(names=names))
            for day, names in [
                (dt.date(1994, 5, 12), "both"),
                (dt.date(1994, 5, 12), "hy"),
                (dt.date(2020, 11, 10), "both"),
                (dt.date(2020, 11, 10), "az"),
                (dt.date(2024, 6, 12), "hy"),
                (dt.date(2024, 6, 12), "az"),
            ]
        ),
        (dt.date(2020, 11, 10), "both", ANIMATION),
        (dt.date(1994, 5, 12), "az", Layout(800, 1000, 100, names="az")),
        (dt.date(2020, 11, 10), "hy", Layout(800, 600, 100, "hy", (46.5, 39.6, 47.0, 40.0))),
        (dt.date(2020, 11, 10), "both", Layout(400, 300, 50)),
    ],
)
def test_labels_never_overlap_and_the_capital_is_always_named(
    atlas: Atlas, day: dt.date, names: str, layout: Layout
) -> None:
    fig = print_layout(atlas, day, change_dates(atlas), layout)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    ax = map_axes(fig)
    drawn = labels(fig)
    boxes = [drawn_box(t, renderer) for t in drawn]
    frame = ax.get_window_extent(renderer)
    locator = [a.get_window_extent(renderer) for a in fig.axes[1:-1]]
    dots = list(ax.transData.transform(dot_points(ax))) if dot_points(ax) else []
    shown = [t.get_text() for t in drawn]
    # Where each country's name sits, in the map's coordinates.
    countries = [
        shapely.box(*ax.transData.inverted().transform(box.get_points()).ravel())
        for t, box in zip(drawn, boxes, strict=True)
        if (t.get_gid() or "").startswith("nk-country")
    ]
    assert capital(atlas, names) in shown
    # No country's name over the contested land (the areas of control on that date): so a map
    # zoomed in on the region names no country, and the whole region's map names Azerbaijan.
    held = shapely.union_all(state_at(atlas, day).control.geometry.values)
    assert not any(held.intersects(name) for name in countries)
    region = shapely.box(*REGION_BBOX)
    zoomed = not shapely.box(*layout.bbox).equals(region)
    assert ("AZERBAIJAN" in map(plain, shown)) is not zoomed
    for (a, box_a), (b, box_b) in itertools.combinations(zip(shown, boxes, strict=True), 2):
        assert not overlap(box_a, box_b), (a, b)
    for text, box in zip(shown, boxes, strict=True):
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, text
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1, text
        assert not any(overlap(box, inset) for inset in locator), text
        # No label covers a dot: a town's own is beside its label, the others clear of it.
        assert not any(box.contains(x, y) for x, y in dots), text


def test_crowded_labels_give_way_by_priority(write_atlas: WriteAtlas) -> None:
    def place(name: str, kind: str, x: float) -> dict[str, Any]:
        point = {"type": "Point", "coordinates": [x, 39.8]}
        return feat(point, id=name.lower(), name=name, kind=kind)

    towns = [place(f"Town{i}", "town", 46.0 + i * 0.004) for i in range(8)]
    root = write_atlas(
        [
            (
                entry("places", kind="point", shows="places", valid_from=None, valid_to=None),
                collection(*towns, place("Capital", "capital", 46.014)),  # listed last
            )
        ]
    )
    atlas = load_atlas(root)
    fig = print_layout(atlas, dt.date(2001, 1, 1), change_dates(atlas))
    shown = [t.get_text() for t in labels(fig)]
    dots = dot_points(map_axes(fig))
    assert "Capital" in shown
    assert len(shown) < 9  # some gave way...
    assert len(dots) == 9  # ...but every dot is drawn


def test_label_priority_puts_the_capital_then_the_oblast_towns_first() -> None:
    oblast = shapely.box(46.0, 39.0, 47.0, 40.0)

    def rank(kind: str, x: float, place_id: str) -> tuple[int, float, str]:
        return label_priority({"kind": kind, "id": place_id}, shapely.Point(x, 39.5), oblast)

    order = sorted(
        [
            rank("village", 46.5, "a"),
            rank("ghost town", 46.5, "b"),
            rank("town", 48.0, "c"),  # far outside the oblast
            rank("town", 47.5, "d"),  # nearer
            rank("town", 46.6, "f"),  # inside
            rank("town", 46.2, "e"),
            rank("capital", 46.7, "g"),
        ]
    )
    assert [r[2] for r in order] == ["g", "e", "f", "d", "c", "b", "a"]


def test_borders_are_where_two_countries_meet() -> None:
    left, right = shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)
    island = shapely.box(5, 5, 6, 6)
    lines = shared_borders([left, right, island])
    assert len(lines) == 1  # coasts are not borders
    assert lines[0].equals(shapely.LineString([(1, 0), (1, 1)]))


def test_countries_are_named_and_their_borders_stand_out(atlas: Atlas) -> None:
    fig = print_layout(atlas, dt.date(2020, 11, 10), change_dates(atlas))
    countries = [t for t in labels(fig) if str(t.get_gid()).startswith(COUNTRY_GID)]
    names = {plain(t.get_text()) for t in countries}
    colours = {to_hex(t.get_color()) for t in countries}
    drawn = texts(fig)
    lines = [c for c in map_axes(fig).collections if isinstance(c, LineCollection)]
    width = {to_hex(c.get_color()[0]): float(c.get_linewidth()[0]) for c in lines}
    assert {"ARMENIA", "AZERBAIJAN", "IRAN"} <= names
    assert colours == {COUNTRY_COLOUR}
    assert BORDER_LABEL in drawn  # in the legend
    assert width[BORDER[0]] > 2 * width["#b9b2a5"]  # heavier than the districts' boundaries


def test_the_locator_outlines_the_map_in_the_south_caucasus(atlas: Atlas) -> None:
    bbox = (46.5, 39.6, 47.0, 40.0)
    fig = print_layout(atlas, dt.date(2020, 11, 10), change_dates(atlas), Layout(bbox=bbox))
    fig.canvas.draw()
    ax, inset = fig.axes[0], fig.axes[1]
    countries = atlas.features[atlas.features["shows"] == "countries"]
    west, south, east, north = countries.total_bounds
    (x0, x1), (y0, y1) = inset.get_xlim(), inset.get_ylim()
    frames = [p.get_bbox().bounds for p in inset.patches if isinstance(p, Rectangle)]
    outer, box = ax.get_window_extent(), inset.get_window_extent()
    assert x0 <= west and east <= x1 and y0 <= south and north <= y1
    assert frames == [pytest.approx((46.5, 39.6, 0.5, 0.4))]
    assert outer.x0 <= box.x0 and box.x1 <= outer.x1 and outer.y0 <= box.y0 and box.y1 <= outer.y1
    assert box.width < outer.width / 3  # in a corner
    small = print_layout(atlas, dt.date(2020, 11, 10), change_dates(atlas), Layout(300, 300, 100))
    assert len(small.axes) == 2  # the map and the legend: no room for a locator


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_a_line_layer_of_other_things_is_drawn_as_a_line(write_atlas: WriteAtlas, fmt: str) -> None:
    from nkmap.maps.export import export
    from nkmap.present.layout import Layout
    from nkmap.present.style import OTHER_COLOUR

    road = {"type": "LineString", "coordinates": [[46.0, 39.5], [46.3, 39.7]]}
    root = write_atlas(
        [
            (entry("c"), collection(feat(square(46.0, 39.5), controller="armenian"))),
            (entry("road", kind="line", shows="other"), collection(feat(road))),
        ]
    )
    atlas = load_atlas(root)
    day = dt.date(2001, 1, 1)
    assert export(atlas, change_dates(atlas), day, fmt, Layout(800, 600, 100))
    fig = print_layout(atlas, day, change_dates(atlas))
    lines = [
        c
        for ax in fig.axes
        for c in ax.collections
        if isinstance(c, LineCollection)
        and any(to_hex(colour) == OTHER_COLOUR for colour in c.get_colors())
    ]
    assert lines and len(lines[0].get_segments()[0]) == 2


def test_text_kept_from_map_to_map_draws_the_same_pixels(
    atlas: Atlas, monkeypatch: pytest.MonkeyPatch
) -> None:
    import matplotlib
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg

    from nkmap.maps import canvas
    from nkmap.maps.render import RC, pixels

    monkeypatch.setattr(canvas, "_GLYPHS", canvas.Kept(canvas.TEXT_LINES))
    monkeypatch.setattr(canvas, "_MEASURES", canvas.Kept(canvas.MEASURES))
    monkeypatch.setattr(canvas, "_HEIGHTS", canvas.Kept(canvas.HEIGHTS))
    monkeypatch.setattr(canvas, "_GLYPH_IMAGES", canvas.Kept(canvas.GLYPHS))
    changes = change_dates(atlas)
    laid_out: list[str] = []
    real = RendererAgg.draw_text
    glyphs_drawn = 0
    by_glyph = canvas.KeepingRenderer._draw_text_glyphs_and_boxes

    def counting(self: Any, gc: Any, x: float, y: float, angle: float, glyphs: Any, *a: Any) -> Any:
        nonlocal glyphs_drawn
        glyphs = list(glyphs)
        glyphs_drawn += len(glyphs)
        return by_glyph(self, gc, x, y, angle, glyphs, *a)

    monkeypatch.setattr(canvas.KeepingRenderer, "_draw_text_glyphs_and_boxes", counting)

    def counted(self: Any, gc: Any, x: float, y: float, s: str, *args: Any) -> Any:
        laid_out.append(s)
        return real(self, gc, x, y, s, *args)

    # Dates with different text (subtitle, figures, events), in both sizes of map.
    for layout, day in ((ANIMATION, changes[5]), (ANIMATION, changes[60]), (Layout(), changes[60])):
        first = np.asarray(pixels(print_layout(atlas, day.date, changes, layout)))
        laid_out.clear()
        with monkeypatch.context() as m:
            m.setattr(RendererAgg, "draw_text", counted)
            again = np.asarray(pixels(print_layout(atlas, day.date, changes, layout)))
        assert laid_out == []  # every line of text came from what was kept
        fig = print_layout(atlas, day.date, changes, layout)
        plain = FigureCanvasAgg(fig)  # matplotlib's own canvas, keeping nothing
        with matplotlib.rc_context(RC):
            plain.draw()
        expected = np.asarray(plain.buffer_rgba())[..., :3]
        assert (first == expected).all() and (again == expected).all()
    assert 0 < len(canvas._GLYPHS) <= canvas.TEXT_LINES
    # The fonts' heights were kept too (the footer's lines are spaced by them): the title's,
    # the labels', the legend's ... in each of the two resolutions.
    assert 4 < len(canvas._HEIGHTS) <= canvas.HEIGHTS
    # New lines were drawn in part from the glyph images of earlier ones: fewer glyphs were
    # rendered by FreeType (and kept) than drawn, even in these first three maps.
    assert 0 < len(canvas._GLYPH_IMAGES) < glyphs_drawn * 3 / 4


def fresh_text_stores(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """Empty stores of kept text in place of the module's (as in a new process), and kept on
    disk under the same names."""
    from nkmap.maps import canvas, render

    homes = {
        "lines": (canvas, "_GLYPHS"),
        "measures": (canvas, "_MEASURES"),
        "heights": (canvas, "_HEIGHTS"),
        "glyphs": (canvas, "_GLYPH_IMAGES"),
        "label boxes": (render, "_LABEL_BOXES"),
    }
    assert set(homes) == set(canvas.ON_DISK)
    stores = {}
    for name, (module, attribute) in homes.items():
        kept = getattr(module, attribute)
        stores[name] = canvas.Kept(kept.limit, kept.weigh)
        monkeypatch.setattr(module, attribute, stores[name])
    monkeypatch.setattr(canvas, "ON_DISK", stores)
    return stores


def test_text_kept_on_disk_draws_the_next_run_s_map_without_laying_out_text(
    atlas: Atlas, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from matplotlib.backends.backend_agg import RendererAgg

    from nkmap.maps import render
    from nkmap.maps.export import export

    monkeypatch.setenv("NKMAP_CACHE", str(tmp_path / "cache"))
    changes = change_dates(atlas)
    day = dt.date(2020, 11, 10)
    fresh_text_stores(monkeypatch)
    with render.text_kept_on_disk(atlas.root):
        first = export(atlas, changes, day, "png", Layout(800, 600, 100))
    assert list((tmp_path / "cache").glob("text-*.pickle"))
    laid_out: list[str] = []
    real = RendererAgg.draw_text

    def counted(self: Any, gc: Any, x: float, y: float, s: str, *args: Any) -> Any:
        laid_out.append(s)
        return real(self, gc, x, y, s, *args)

    monkeypatch.setattr(RendererAgg, "draw_text", counted)
    stores = fresh_text_stores(monkeypatch)  # as in the next run
    with render.text_kept_on_disk(atlas.root):
        assert all(store.stored and not store for store in stores.values())  # none unpickled
        again = export(atlas, changes, day, "png", Layout(800, 600, 100))
    assert again == first
    assert laid_out == []  # no line of text laid out or rendered by FreeType
    assert not any(store.added for store in stores.values())  # nothing new to keep
    # Only what was found is unpickled: every line was, so no single glyph image.
    assert stores["lines"] and not stores["lines"].stored
    assert stores["glyphs"].stored and not stores["glyphs"]
    # Drawn with other fonts, settings or code, nothing of it is read.
    monkeypatch.setattr(render, "_text_key", lambda: "drawn otherwise")
    stores = fresh_text_stores(monkeypatch)
    with render.text_kept_on_disk(atlas.root):
        assert not any(store.stored or store for store in stores.values())


def test_a_page_kept_from_map_to_map_draws_what_a_new_page_draws(
    atlas: Atlas, monkeypatch: pytest.MonkeyPatch
) -> None:
    import numpy as np

    from nkmap.maps import render
    from nkmap.maps.render import Sheet, pixels

    changes = change_dates(atlas)
    first, second = dt.date(2020, 9, 27), dt.date(2020, 11, 10)
    moved = transfers(atlas, first, second)
    # A map with no control, then one with a comparison, then dates of the wars; the locator
    # moves to the lower corner for the third and back for the fourth.
    maps: list[tuple[dt.date, dt.date | None, list[Transfer], int]] = [
        (dt.date(1960, 1, 1), None, [], 0),
        (second, first, moved, 0),
        (changes[20].date, None, [], 1),
        (changes[60].date, None, [], 0),
    ]
    sheet = Sheet(ANIMATION)
    for day, compare, changed, corner in maps:
        with monkeypatch.context() as m:
            m.setattr(render, "_corner", lambda corners, covers, c=corner: corners[c])
            kept = np.asarray(
                pixels(print_layout(atlas, day, changes, None, compare, changed, sheet))
            )
            new = np.asarray(pixels(print_layout(atlas, day, changes, ANIMATION, compare, changed)))
        assert kept.shape == new.shape and (kept == new).all(), day
        assert len(sheet.fig.axes) == 3  # the map, the panel and the one locator, moved
    assert sheet.inset is not None and sheet.inset.get_position().y0 > 0.5


def test_a_kept_line_of_text_is_an_image_as_large_as_its_ink() -> None:
    import numpy as np

    from nkmap.maps.canvas import _merged

    a = np.full((10, 6), 200, np.uint8)
    b = np.full((8, 5), 100, np.uint8)
    space = np.zeros((0, 0), np.uint8)  # FreeType's image of a space, at the page's corner
    merged = _merged([(a, 500, 300, 0.0), (space, 0, 768, 0.0), (b, 506, 298, 0.0)])
    assert len(merged) == 1
    image, left, bottom, angle = merged[0]
    assert (left, bottom, angle) == (500, 300, 0.0) and image.shape == (10, 11)
    assert (image[:, :6] == 200).all() and (image[0:8, 6:] == 100).all()
    assert (image[8:, 6:] == 0).all()
    assert _merged([(space, 0, 768, 0.0), (space, 0, 768, 0.0)]) == ()


def test_paths_made_from_geometries_are_kept_by_identity_and_bounded() -> None:
    import shapely

    from nkmap.maps.canvas import Kept
    from nkmap.maps.render import _made, _make_path

    made = Kept(12, weigh=lambda item: item[2])  # 12 vertices
    square = shapely.box(0, 0, 1, 1)  # 5 vertices
    same = shapely.box(0, 0, 1, 1)  # equal, but another geometry
    first = _made("path", square, _make_path, made)
    assert _made("path", square, _make_path, made) is first  # kept
    other = _made("path", same, _make_path, made)
    assert other is not first and (other.vertices == first.vertices).all()
    assert not first.vertices.flags.writeable  # shared by every map that draws it
    _made("path", shapely.box(2, 2, 3, 3), _make_path, made)  # 15 vertices: the oldest goes
    assert made.size <= 12 and _made("path", square, _make_path, made) is not first
    huge = shapely.Point(0, 0).buffer(1)  # more vertices than the bound: made, not kept
    assert len(_made("path", huge, _make_path, made).vertices) > 12 and made.size <= 12


def test_kept_text_is_bounded_least_recently_used_first_out() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from nkmap.maps.canvas import Kept

    kept = Kept(3)
    for key in "abc":
        kept.keep(key, key.upper())
    assert kept.find("a") == "A"  # now the most recently used
    kept.keep("d", "D")
    assert list(kept) == ["c", "a", "d"] and kept.find("b") is None
    # Threads finding and keeping at once (the dashboard's visitors) leave it whole.
    shared = Kept(50)

    def work(n: int) -> None:
        for i in range(2000):
            shared.keep((n, i % 80), i)
            shared.find((1 - n, i % 80))

    with ThreadPoolExecutor(2) as pool:
        list(pool.map(work, (0, 1)))
    assert len(shared) == 50


def test_kept_text_goes_to_disk_and_back_unpickled_only_when_found() -> None:
    from nkmap.maps.canvas import Kept

    kept = Kept(10)
    for key in "abcd":
        kept.keep(key, key.upper() * 100)
    kept.find("a")  # the most recently used, so the last written
    written = kept.recent(10_000)
    assert [key for key, _ in written] == ["b", "c", "d", "a"]
    # The next run: found where kept, each in its own time; a damaged item is drawn afresh.
    again = Kept(10)
    again.take([*written[:3], ("x", b"not a pickle"), written[3]])
    assert len(again) == 0 and again.find("c") == "C" * 100 and list(again) == ["c"]
    assert again.find("x") is None and again.find("z") is None and again.added == 0
    again.keep("e", "E")
    # Written again: the used first, then the unused from disk as they were; within budget.
    assert [key for key, _ in again.recent(10_000)] == ["b", "d", "a", "c", "e"]
    assert [key for key, _ in again.recent(2 * len(written[0][1]) - 1)] == ["c", "e"]
