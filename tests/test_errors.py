"""nkmap's errors: one family, each kind also the builtin exception a caller expects."""

from __future__ import annotations

from pathlib import Path

import pytest

from nkmap.atlas.gazetteer import load_gazetteer
from nkmap.errors import InputError, NkmapError, OptionError, OutputError, PlaceError
from nkmap.files import check_output
from nkmap.present.layout import parse_bbox


def test_bad_input_is_a_value_error_and_an_nkmap_error() -> None:
    with pytest.raises(ValueError, match="expected west,south,east,north") as exc:
        parse_bbox("46,39")
    assert isinstance(exc.value, OptionError)
    assert isinstance(exc.value, InputError)
    assert isinstance(exc.value, NkmapError)


def test_an_unknown_place_is_a_lookup_error() -> None:
    with pytest.raises(LookupError, match="no settlement named 'Atlantis'") as exc:
        load_gazetteer().resolve("Atlantis")
    assert isinstance(exc.value, PlaceError)
    assert isinstance(exc.value, ValueError)


def test_an_output_that_cannot_be_written_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(OSError, match="does not exist") as exc:
        check_output(tmp_path / "missing" / "map.png")
    assert isinstance(exc.value, OutputError)
    assert not isinstance(exc.value, ValueError)
