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
    """Base class of every error nkmap reports to a user. Two kinds below it, each also a
    builtin exception so that callers can catch what they expect: :class:`InputError` (a
    ``ValueError``: the input is wrong) and :class:`OutputError` (an ``OSError``: a result
    cannot be written where asked)."""


class InputError(NkmapError, ValueError):
    """Something given to nkmap is wrong: a file, metadata, an option, a date, a place."""


class OutputError(NkmapError, OSError):
    """A result cannot be written where it was asked to go."""


class CatalogError(InputError):
    """The catalog, or one of its entries, is malformed."""


class LayerFileError(InputError):
    """A layer file is missing, unreadable, or not an RFC 7946 FeatureCollection."""


class DateError(InputError):
    """A date could not be parsed."""


class OptionError(InputError):
    """An option (of a command, an export, a query) that cannot be honoured."""


class PlaceError(InputError, LookupError):
    """No settlement, or more than one, answers to a name or id."""


class ValidationError(InputError):
    """A layer or catalog failed validation; holds every problem found, not just the first."""

    def __init__(self, source: str, problems: list[Problem]) -> None:
        self.source = source
        self.problems = problems
        count = len(problems)
        lines = "\n".join(f"  - {p}" for p in problems)
        noun = "problem" if count == 1 else "problems"
        super().__init__(f"{source}: {count} {noun}\n{lines}")
