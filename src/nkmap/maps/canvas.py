"""The canvas the print maps are drawn on: matplotlib's Agg, which keeps what it has rasterised
of each line of text and measured of each string, for the rest of the process.

A print map is mostly text (town names, the legend, the figures, the sources), and
FreeType's layout and rasterising of each glyph is most of the time a map takes to draw. The
frames of an animation repeat nearly all of it, in the same places: so a line of text drawn
again in the same font, at the same place, is not laid out and rasterised again but takes the
same glyph images, drawn in its own colour and clip (the pixels are the same as drawn
afresh). A line not drawn before takes the image of each of its glyphs that was rendered
before at the same place within a pixel (matplotlib places glyphs to 1/64 of a pixel), so
that FreeType renders only glyphs it has not. Measuring a string, which the labels do for
every town on every map, is kept alike; so are the height metrics of each font and size,
which every text reads at every layout.

All are bounded (least recently used first out), so a long-running dashboard exporting many
maps keeps at most a few tens of megabytes (a whole animation keeps about two).

The command line keeps them on disk too, between runs (the stores made ``on_disk``, see
:func:`nkmap.maps.render.text_kept_on_disk`).
"""

from __future__ import annotations

import itertools
import pickle
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager, get_font
from matplotlib.ft2font import RenderMode

TEXT_LINES = 4096  # lines of text kept as glyph images
MEASURES = 16384  # strings kept measured
HEIGHTS = 256  # fonts and sizes kept with their height metrics
GLYPHS = 8192  # glyph images kept, by font, size, glyph and place within a pixel


class Kept(OrderedDict[Hashable, Any]):
    """A dict of items weighing at most ``limit`` in all (each weighs 1, or what ``weigh``
    says), the least recently used first out; an item heavier than the limit is not kept.
    Safe to share between threads (the dashboard draws each visitor's exports in their own).

    A store kept between runs (made ``on_disk``) is written as its items pickled one by one
    (see :meth:`recent`), and read back as they are (see :meth:`take`): each is unpickled when
    first found, so that a run pays only for what it draws (a map uses a few hundred of the
    thousands of glyphs and lines kept for every date drawn before)."""

    def __init__(
        self, limit: int, weigh: Callable[[Any], int] | None = None, on_disk: str | None = None
    ) -> None:
        super().__init__()
        self.limit = limit
        self.weigh = weigh
        self.size = 0  # what the items weigh
        self.lock = threading.Lock()
        self.added = 0  # items kept since made, or since read from disk
        self.stored: dict[Hashable, bytes] = {}  # read from disk and not found since, pickled
        if on_disk is not None:  # kept between runs, by this name (see text_kept_on_disk)
            ON_DISK[on_disk] = self

    def _weight(self, value: Any) -> int:
        return 1 if self.weigh is None else self.weigh(value)

    def find(self, key: Hashable) -> Any | None:
        with self.lock:
            found = self.get(key)
            if found is not None:
                self.move_to_end(key)
                return found
            blob = self.stored.pop(key, None)
        if blob is None:
            return None
        try:
            found = pickle.loads(blob)
        except Exception:  # not what this code writes: drawn afresh
            return None
        self._keep(key, found, added=False)
        return found

    def keep(self, key: Hashable, value: Any) -> None:
        self._keep(key, value, added=True)

    def _keep(self, key: Hashable, value: Any, added: bool) -> None:
        weight = self._weight(value)
        with self.lock:
            self.stored.pop(key, None)
            if key in self:
                self.size -= self._weight(self.pop(key))
            if weight > self.limit:
                return
            self[key] = value
            self.size += weight
            self.added += added
            while self.size > self.limit:
                _, dropped = self.popitem(last=False)
                self.size -= self._weight(dropped)

    def take(self, items: Iterable[tuple[Hashable, bytes]]) -> None:
        """Take the items of an earlier run's :meth:`recent`, to be found as if kept here."""
        stored = dict(items)
        with self.lock:
            self.stored = stored

    def recent(self, budget: int) -> list[tuple[Hashable, bytes]]:
        """What to keep on disk: the items used most recently, then those read from disk and
        not found since, each pickled, at most ``budget`` bytes in all, the oldest first."""
        with self.lock:
            used = [(key, self[key]) for key in reversed(self)]
            stored = list(reversed(self.stored.items()))
        chosen = []
        pickled = ((key, pickle.dumps(value, pickle.HIGHEST_PROTOCOL)) for key, value in used)
        for key, blob in itertools.chain(pickled, stored):
            budget -= len(blob)
            if budget < 0:
                break
            chosen.append((key, blob))
        return chosen[::-1]


ON_DISK: dict[str, Kept] = {}
_GLYPHS = Kept(TEXT_LINES, on_disk="lines")
_MEASURES = Kept(MEASURES, on_disk="measures")
_HEIGHTS = Kept(HEIGHTS, on_disk="heights")
_GLYPH_IMAGES = Kept(GLYPHS, on_disk="glyphs")


# FreeType's transform of an upright glyph, in 16.16 fixed point, as matplotlib makes it.
_UPRIGHT = (0x10000 * np.array([[1.0, -0.0], [0.0, 1.0]])).round().astype(int)


class _Recorder:
    """Stands in for the Agg renderer while a line of text is drawn, keeping a copy of each
    glyph image it is handed (and where) before passing it on."""

    def __init__(self, target: Any) -> None:
        self.target = target
        self.images: list[Image] = []

    def draw_text_image(self, image: Any, x: int, y: int, angle: float, gc: Any) -> None:
        self.images.append((np.array(image, copy=True), x, y, angle))
        self.target.draw_text_image(image, x, y, angle, gc)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)


Image = tuple[np.ndarray, int, int, float]  # coverage, left, bottom (downwards), angle


def _merged(images: list[Image]) -> tuple[Image, ...]:
    """The glyph images of a line as few images as drawing them in order allows: each run of
    upright glyphs none of which overlaps another becomes one image (drawing it changes the
    same pixels in the same way as drawing each glyph), and a glyph that overlaps one of its
    run starts the next. Turned glyphs are kept as they are. Glyphs with no image (spaces:
    FreeType places them at the page's corner) draw nothing, and are left out: in a run, they
    would stretch its image over the page."""
    images = [image for image in images if image[0].size]
    if len(images) < 2 or any(angle for *_, angle in images):
        return tuple(images)
    boxes = [(x, y - a.shape[0], x + a.shape[1], y) for a, x, y, _ in images]
    west, north = min(b[0] for b in boxes), min(b[1] for b in boxes)
    east, south = max(b[2] for b in boxes), max(b[3] for b in boxes)
    covered = np.zeros((south - north, east - west), dtype=bool)  # by the run so far
    runs: list[list[Image]] = [[]]
    for image, (left, top, right, bottom) in zip(images, boxes, strict=True):
        spot = (slice(top - north, bottom - north), slice(left - west, right - west))
        ink = image[0] > 0
        if (covered[spot] & ink).any():
            runs.append([])
            covered[:] = False
        runs[-1].append(image)
        covered[spot] |= ink
    return tuple(_one(run) for run in runs)


def _one(run: list[Image]) -> Image:
    """Upright glyph images, none overlapping another, as one image."""
    if len(run) == 1:
        return run[0]
    boxes = [(x, y - a.shape[0], x + a.shape[1], y) for a, x, y, _ in run]
    west, north = min(b[0] for b in boxes), min(b[1] for b in boxes)
    east, south = max(b[2] for b in boxes), max(b[3] for b in boxes)
    line = np.zeros((south - north, east - west), dtype=np.uint8)
    for (a, *_), (left, top, right, bottom) in zip(run, boxes, strict=True):
        spot = (slice(top - north, bottom - north), slice(left - west, right - west))
        line[spot] = np.where(a > 0, a, line[spot])
    return line, west, south, 0.0


def _height_metrics(prop: Any, dpi: float) -> tuple[float | None, float | None, float]:
    """See :meth:`KeepingRenderer._get_font_height_metrics`."""
    font: Any = get_font(fontManager._find_fonts_by_props(prop))  # its tables, read by name
    for table_name, gap, ascent, descent in (
        ("OS/2", "sTypoLineGap", "sTypoAscender", "sTypoDescender"),
        ("hhea", "lineGap", "ascent", "descent"),
    ):
        table = font.get_sfnt_table(table_name)
        if table is None:
            continue
        # In matplotlib's order of operations, so the figures are the same to the last bit.
        scale = 1 / font.get_sfnt_table("head")["unitsPerEm"] * prop.get_size_in_points() * dpi / 72
        return table[ascent] * scale, -table[descent] * scale, table[gap] * scale
    return None, None, 0.0


class KeepingRenderer(RendererAgg):
    """Agg, keeping the glyph images of each line of text and the size of each string."""

    def draw_text(
        self,
        gc: Any,
        x: float,
        y: float,
        s: str,
        prop: Any,
        angle: float,
        ismath: Any = False,
        mtext: Any = None,
    ) -> None:
        draw = super().draw_text
        if ismath:
            draw(gc, x, y, s, prop, angle, ismath, mtext)  # type: ignore[no-untyped-call]
            return
        key = (
            s,
            prop.copy(),  # compared by its hash, as matplotlib's own caches do
            float(x),
            float(y),
            float(angle),
            self.width,
            self.height,
            self.dpi,
            bool(gc.get_antialiased()),
            None if mtext is None else (mtext.get_fontfeatures(), mtext.get_language()),
        )
        images = _GLYPHS.find(key)
        if images is None:
            recorder = _Recorder(self._renderer)
            self._renderer = recorder
            try:
                draw(gc, x, y, s, prop, angle, ismath, mtext)  # type: ignore[no-untyped-call]
            finally:
                self._renderer = recorder.target
            _GLYPHS.keep(key, _merged(recorder.images))
            return
        for image, left, top, turn in images:
            self._renderer.draw_text_image(image, left, top, turn, gc)

    def _draw_text_glyphs_and_boxes(
        self, gc: Any, x: float, y: float, angle: float, glyphs: Any, boxes: Any
    ) -> None:
        """Draw the glyphs of a line not drawn before (matplotlib renders each glyph with
        FreeType, at its place to 1/64 of a pixel), taking each upright glyph's image from
        those kept: a glyph at the same place within a pixel has the same image wherever the
        pixel is, so a new line of known letters (the sources under a map, a date) is drawn
        without FreeType. Turned, slanted or stretched glyphs, and the boxes of math text,
        are left to matplotlib."""
        glyphs = list(glyphs)
        if angle or boxes or any(slant or extend != 1 for *_, slant, extend, _, _ in glyphs):
            draw = super()._draw_text_glyphs_and_boxes
            draw(gc, x, y, angle, glyphs, boxes)  # type: ignore[no-untyped-call]
            return
        flags = get_hinting_flag()  # type: ignore[no-untyped-call]
        smooth = bool(gc.get_antialiased())
        mode = RenderMode.NORMAL if smooth else RenderMode.MONO
        for font, size, index, _, _, dx, dy in glyphs:  # dy is upwards
            # The pen's place in 26.6 fixed point, as matplotlib computes it (cos 1, sin 0).
            across = round(0x40 * (x + dx * 1.0 - dy * 0.0))
            up = round(0x40 * (self.height - y + dx * 0.0 + dy * 1.0))
            # The font by its file: the same glyph images whichever of matplotlib's objects
            # for it (one a thread, one a chain of fallbacks) lays the line out.
            face = (font.fname, font.face_index)
            key = (face, size, self.dpi, index, flags, smooth, across & 0x3F, up & 0x3F)
            kept = _GLYPH_IMAGES.find(key)
            if kept is None:
                font.set_size(size, self.dpi)
                font._set_transform(_UPRIGHT, [across, up])
                bitmap = font._render_glyph(index, flags, mode)
                image = np.array(bitmap.buffer, copy=True)
                if not smooth:
                    image *= 0xFF
                kept = (image, bitmap.left - (across >> 6), bitmap.top - (up >> 6))
                _GLYPH_IMAGES.keep(key, kept)
            image, left, top = kept
            if image.size:
                # draw_text_image's y is downwards, and the image's bottom.
                bottom = int(self.height) - (top + (up >> 6)) + image.shape[0]
                self._renderer.draw_text_image(image, left + (across >> 6), bottom, 0, gc)

    def _get_font_height_metrics(self, prop: Any) -> tuple[float | None, float | None, float]:
        """The ascent, descent and line gap of ``prop``'s font at this resolution, in pixels,
        which matplotlib's text asks for on every layout of every text (each time finding the
        font file and reading its tables): read from the font's typographic metrics (OS/2),
        else its horizontal header (hhea), as matplotlib reads them, once per font and size.
        (None, None, 0) when the font has neither: matplotlib then measures "lp" instead."""
        key = (prop.copy(), self.dpi)
        found = _HEIGHTS.find(key)
        if found is None:
            found = _height_metrics(prop, self.dpi)
            _HEIGHTS.keep(key, found)
        return found

    def get_text_width_height_descent(self, s: str, prop: Any, ismath: Any) -> Any:
        measure = super().get_text_width_height_descent
        if ismath:
            return measure(s, prop, ismath)  # type: ignore[no-untyped-call]
        key = (s, prop.copy(), self.dpi)
        found = _MEASURES.find(key)
        if found is None:
            found = measure(s, prop, ismath)  # type: ignore[no-untyped-call]
            _MEASURES.keep(key, found)
        return found


class KeepingCanvas(FigureCanvasAgg):
    """An Agg canvas drawing with :class:`KeepingRenderer`."""

    def get_renderer(self) -> RendererAgg:
        w, h = self.get_width_height(physical=True)
        key = (w, h, self.figure.dpi)
        kept = getattr(self, "renderer", None)
        if self._lastKey != key or not isinstance(kept, KeepingRenderer):
            kept = KeepingRenderer(w, h, self.figure.dpi)  # type: ignore[no-untyped-call]
            self.renderer = kept
            self._lastKey = key
        return kept


def new_figure(inches: tuple[float, float], dpi: float) -> Figure:
    """A figure of ``inches`` at ``dpi`` on a :class:`KeepingCanvas` (no pyplot: nothing keeps
    it once it is dropped)."""
    fig = Figure(figsize=inches, dpi=dpi)
    KeepingCanvas(fig)
    return fig
