"""Features as plain columns, without pandas.

The atlas is loaded, checked and kept in the disk cache as :class:`Rows`; the dashboard, the
notebooks and most commands read its features as a GeoDataFrame made from them. A command
that only draws print maps (``nkmap export`` to PNG, SVG or PDF, ``nkmap animate``) reads the
rows as they are, and so starts without importing pandas and geopandas (most of a second).
What reads the features for a print map uses only what both offer: a column by name
(``rows["controller"]``), the geometries (``rows.geometry``) and the number of rows; it
selects rows with :func:`groups` and :func:`no_rows`, which take either.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from shapely.geometry.base import BaseGeometry


class Rows:
    """Rows of features, by column: each column a list of one value a row."""

    def __init__(self, columns: Mapping[str, Sequence[Any]]) -> None:
        lengths = {len(values) for values in columns.values()}
        if len(lengths) > 1:
            raise ValueError(f"columns of different lengths: {sorted(lengths)}")
        if "geometry" not in columns:
            raise ValueError("no geometry column")
        self._columns = {name: list(values) for name, values in columns.items()}
        self._count = lengths.pop() if lengths else 0

    @property
    def columns(self) -> list[str]:
        return list(self._columns)

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, column: str) -> list[Any]:
        return self._columns[column]

    @property
    def geometry(self) -> list[BaseGeometry]:
        return self._columns["geometry"]

    def take(self, index: Iterable[int]) -> Rows:
        """These rows, in this order."""
        chosen = list(index)
        return Rows({name: [values[i] for i in chosen] for name, values in self._columns.items()})

    def where(self, keep: Iterable[bool]) -> Rows:
        """The rows where ``keep`` is true."""
        return self.take(i for i, k in enumerate(keep) if k)


def groups(features: Any, column: str) -> dict[str, Any]:
    """``features`` (rows or a GeoDataFrame) by their value in ``column``, in the order each
    value is first met, each group in the features' order."""
    if isinstance(features, Rows):
        index: dict[str, list[int]] = {}
        for i, value in enumerate(features[column]):
            index.setdefault(str(value), []).append(i)
        return {value: features.take(rows) for value, rows in index.items()}
    return {str(k): g for k, g in features.groupby(column, sort=False)}


def no_rows(features: Any) -> Any:
    """None of ``features`` (rows or a GeoDataFrame), with their columns."""
    return features.take(()) if isinstance(features, Rows) else features.iloc[:0]
