"""The exceptions nkmap raises on bad input. Tracebacks are for bugs only."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a layer: where it is, what was found and what is accepted."""

    where: str
    field: str
    found: str
    accepted: str

    def __str__(self) -> str:
        return f"{self.where}: {self.field}: found {self.found}; accepted: {self.accepted}"


class NkmapError(Exception):
    """Base class of every error nkmap reports to a user."""


class CatalogError(NkmapError):
    """The catalog, or one of its entries, is malformed."""


class LayerFileError(NkmapError):
    """A layer file is missing, unreadable, or not an RFC 7946 FeatureCollection."""


class DateError(NkmapError):
    """A date could not be parsed."""


class ValidationError(NkmapError):
    """A layer or catalog failed validation; holds every problem found, not just the first."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        count = len(problems)
        lines = "\n".join(f"  - {p}" for p in problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{source}: {count} {noun}\n{lines}")
