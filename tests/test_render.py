"""The static map: what it draws for a date."""

from __future__ import annotations

import datetime as dt

from conftest import WriteAtlas, collection, entry, feat, square
from nkmap.catalog import load_atlas
from nkmap.render import close, draw_state
from nkmap.timeline import state_at


def test_place_names_are_drawn_literally(write_atlas: WriteAtlas) -> None:
    hostile = r"$\frac{1}{$ <script>alert(1)</script>"
    root = write_atlas(
        [
            (entry("c"), collection(feat(square(46.0, 39.5), controller="armenian"))),
            (
                entry("places", kind="point", shows="places", valid_from=None, valid_to=None),
                collection(feat({"type": "Point", "coordinates": [46.05, 39.55]}, name=hostile)),
            ),
        ]
    )
    atlas = load_atlas(root)
    fig = draw_state(atlas, state_at(atlas, dt.date(2001, 1, 1)))
    try:
        fig.canvas.draw()  # mathtext would fail here on an unescaped '$'
        texts = [t.get_text() for t in fig.axes[0].texts]
        assert texts == [hostile.replace("$", r"\$")]
        legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
        assert legend == ["Held by the Armenian side"]  # no oblast layer, no oblast key
    finally:
        close(fig)
