"""The metadata a layer carries, described once: the command line's options (``nkmap add``,
``nkmap validate``) and the dashboard's upload form are both made from :data:`LAYER_META`,
and :func:`metadata` turns what either collected, over a metadata file's content, into the
layer's metadata."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from nkmap.atlas.jsonfile import reject_constant
from nkmap.atlas.vocabulary import KINDS
from nkmap.errors import LayerFileError, OptionError
from nkmap.settings import MAX_META_BYTES

# What a contributed layer may show (base maps, the oblast and events are built, not added).
ADDABLE = ("other", "control", "line_of_contact", "peacekeeping", "unmapped")

FieldType = Literal["text", "date", "choice", "number", "flag", "lines", "sources"]


@dataclass(frozen=True)
class MetaField:
    """One item of a layer's metadata, as both the command line and the form ask for it.

    ``key`` is the catalog's field. ``default`` is what the form starts with (the command line
    has no defaults: an option not given leaves the metadata file's value, or the catalog's
    default). A ``flag`` is True unless its option (``--exact`` for ``approximate``) is given.
    """

    key: str
    label: str
    type: FieldType = "text"
    help: str = ""
    placeholder: str = ""
    choices: tuple[str, ...] = ()
    default: Any = None
    option: str = ""  # the command-line option; made from the key when empty
    option_help: str = ""  # the option's help, where it differs from the form's
    bounds: tuple[float, float] = (0.0, 0.0)  # of a number

    @property
    def flag(self) -> str:
        return self.option or "--" + self.key.replace("_", "-")

    @property
    def metavar(self) -> str:
        return "YYYY-MM-DD" if self.type == "date" else self.flag[2:].upper().replace("-", "_")


# The parts of one source, as the command line's options and the form's three inputs ask for
# it: key, option, label, placeholder, help.
SOURCE_PARTS = (
    ("title", "--source-title", "Source title", "", "the source's title"),
    ("url", "--source-url", "Source address", "https://", "the source's web address"),
    ("licence", "--licence", "Licence", "", "the licence the source is under"),
)

LAYER_META: tuple[MetaField, ...] = (
    MetaField("id", "Id", help="lower-case letters, digits and '-'", placeholder="villages-2020"),
    MetaField("title", "Title", help="the layer's title, as the legend shows it"),
    MetaField(
        "kind",
        "Geometry",
        "choice",
        "the layer's geometry kind",
        choices=tuple(KINDS),
        default="area",
    ),
    MetaField(
        "shows",
        "Shows",
        "choice",
        "what it shows (default: other)",
        choices=ADDABLE,
        default="other",
    ),
    MetaField("description", "Description", help="what the layer shows (default: its title)"),
    MetaField("valid_from", "Shown from", "date", "first day shown", placeholder="YYYY-MM-DD"),
    MetaField(
        "valid_to",
        "Shown until (first day not shown)",
        "date",
        "first day no longer shown (default: open)",
        placeholder="open",
    ),
    MetaField("sources", "Sources", "sources", "where the geometry comes from, with its licence"),
    MetaField("method", "Method", help="how the geometry was made"),
    MetaField(
        "uncertainty_km",
        "Uncertainty (km)",
        "number",
        "how far a line may lie from the truth",
        default=1.0,
        bounds=(0.0, 500.0),
    ),
    MetaField(
        "approximate",
        "Approximate",
        "flag",
        "the geometry is approximate (drawn at the stated uncertainty)",
        default=True,
        option="--exact",
        option_help="the layer is not approximate",
    ),
    MetaField(
        "notes",
        "Notes, one a line",
        "lines",
        "what a reader should know about the layer",
        option="--note",
        option_help="a note (repeat for more)",
    ),
)
# The catalog's fields a layer's metadata may hold, in the catalog's order.
META_FIELDS = tuple(f.key for f in LAYER_META)
FIELDS = {f.key: f for f in LAYER_META}


def one_source(parts: Mapping[str, Any]) -> list[dict[str, str]]:
    """The source whose parts (title, url, licence) were given one by one: a list of it, or
    an empty list when no part is filled in."""
    values = {part[0]: parts.get(part[0]) or "" for part in SOURCE_PARTS}
    return [values] if any(values.values()) else []


def source_lines(text: str) -> list[dict[str, str]]:
    """Sources written one a line as ``title | address | licence``."""
    sources = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")]
        if len(parts) != 3:
            raise OptionError(
                f"sources, line {n}: expected 'title | address | licence', got {len(parts)} part(s)"
            )
        sources.append(dict(zip(("title", "url", "licence"), parts, strict=True)))
    return sources


def metadata(
    given: Mapping[str, Any],
    sidecar: Mapping[str, Any] | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A layer's metadata: a metadata file's (``sidecar``), with what was given over it.

    Empty values (None, "", []) are left out. A value equal to its field's entry in
    ``defaults`` (what a form starts with) does not override the metadata file, since
    nobody chose it. Notes given are added to the file's notes.
    """
    meta = dict(sidecar or {})
    defaults = defaults or {}
    for key, value in given.items():
        if value is None or value == "" or value == []:
            continue
        if key in defaults and value == defaults[key] and key in meta:
            continue
        field = FIELDS.get(key)
        if field is not None and field.type == "lines" and isinstance(meta.get(key), list):
            value = [*meta[key], *value]
        meta[key] = value
    return meta


def form_defaults() -> dict[str, Any]:
    """What the form's inputs start with."""
    return {f.key: f.default for f in LAYER_META if f.default is not None}


def sidecar_metadata(data: bytes, name: str) -> dict[str, Any]:
    """A metadata file's content (``name.meta.json``, as ``nkmap add`` reads beside a layer):
    a JSON object, or an error naming the file."""
    if len(data) > MAX_META_BYTES:
        raise LayerFileError(
            f"{name}: metadata file is {len(data):,} bytes; the limit is {MAX_META_BYTES:,}"
        )
    try:
        doc = json.loads(data.decode("utf-8"), parse_constant=reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise LayerFileError(f"{name}: not valid JSON ({exc})") from None
    if not isinstance(doc, dict):
        raise LayerFileError(f"{name}: expected a JSON object of layer metadata")
    return doc
