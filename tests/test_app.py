"""The dashboard, driven through Streamlit's AppTest."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")


def test_app_starts_and_steps_through_dates() -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    assert not at.exception
    shown = []
    dates = [
        dt.date(1994, 5, 12),
        dt.date(2020, 11, 10),
        dt.date(2022, 8, 26),
        dt.date(2024, 6, 12),
    ]
    for value in dates:
        at.select_slider[0].set_value(value).run()
        assert not at.exception
        shown.append(tuple(m.value for m in at.metric))
    # 1994 (Armenian-held 11,9xx km2), 2020 ceasefire, after 2022, after September 2023
    assert len(set(shown)) == len(shown)
    assert any("11," in v for v in shown[0])
    assert len(shown[-1]) == 1  # only Azerbaijan holds land after September 2023


def test_app_names_choice_runs() -> None:
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.radio[0].set_value("az").run()
    assert not at.exception
