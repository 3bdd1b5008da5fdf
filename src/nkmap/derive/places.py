"""Named places: both communities' names, and where each position comes from.

Positions come from GeoNames (matched by its name for the place). Where an encyclopedic
coordinate cited in the fact sheet differs from GeoNames by more than DISAGREEMENT_KM, both are
kept: the cited one places the label and the GeoNames one is recorded in the feature's note.
"""

from __future__ import annotations

from dataclasses import dataclass

DISAGREEMENT_KM = 2.0


@dataclass(frozen=True)
class Place:
    key: str
    name_hy: str  # the Armenian-derived form, as used by Armenians and the former NKR
    name_az: str  # the Azerbaijani form, the current official name
    geonames: str  # the place's name in GeoNames' cities1000
    cited: tuple[float, float] | None = None  # (lat, lon) from the source named in ``cited_by``
    cited_by: str = ""
    kind: str = "town"
    country: str = "AZ"
    gazetteer: str = ""  # the id of the same town in geodata/gazetteer.json, if it is there

    @property
    def label(self) -> str:
        return self.name_hy if self.name_hy == self.name_az else f"{self.name_hy} / {self.name_az}"


_WP = "Wikipedia infobox (via the mirror cited in the fact sheet)"

PLACES: tuple[Place, ...] = (
    Place(
        "stepanakert",
        "Stepanakert",
        "Khankendi",
        "Xankandi",
        (39.815, 46.752),
        _WP,
        "capital",
        gazetteer="stepanakert",
    ),
    Place("shusha", "Shushi", "Shusha", "Shushi", (39.758, 46.748), _WP, gazetteer="shusha"),
    Place(
        "martakert",
        "Martakert",
        "Aghdara",
        "Martakert",
        (40.215, 46.813),
        _WP,
        gazetteer="martakert",
    ),
    Place(
        "martuni",
        "Martuni",
        "Khojavend",
        "Novyy Karanlug",
        (39.795, 47.113),
        _WP,
        gazetteer="martuni",
    ),
    Place("askeran", "Askeran", "Asgaran", "Askyaran", (39.937, 46.833), _WP, gazetteer="askeran"),
    Place("khojaly", "Ivanyan", "Khojaly", "Xocali", (39.900, 46.783), _WP, gazetteer="ivanyan"),
    Place("hadrut", "Hadrut", "Hadrut", "Hadrut", (39.517, 47.030), _WP, gazetteer="hadrut"),
    Place("lachin", "Berdzor", "Lachin", "Lacin", (39.641, 46.547), _WP, gazetteer="berdzor"),
    Place(
        "kalbajar",
        "Karvachar",
        "Kalbajar",
        "Kerbakhiar",
        (40.107, 46.038),
        _WP,
        gazetteer="karvachar",
    ),
    Place(
        "aghdam", "Akna", "Aghdam", "Agdam", (39.993, 46.931), _WP, "ghost town", gazetteer="aghdam"
    ),
    Place(
        "fuzuli",
        "Varanda",
        "Fuzuli",
        "Fizuli",
        (39.600, 47.143),
        _WP,
        "ghost town",
        gazetteer="varanda",
    ),
    # No Armenian-derived name for Jabrayil is confirmed by the sources read.
    Place(
        "jabrayil",
        "Jabrayil",
        "Jabrayil",
        "Jebrail",
        (39.400, 47.026),
        _WP,
        "ghost town",
        gazetteer="mekhakavan",
    ),
    Place("qubadli", "Kashunik", "Qubadli", "Qubadli", (39.350, 46.583), _WP, gazetteer="kashunik"),
    Place(
        "zangilan", "Kovsakan", "Zangilan", "Zangilan", (39.066, 46.697), _WP, gazetteer="kovsakan"
    ),
    Place("horadiz", "Horadiz", "Horadiz", "Horadiz", (39.448, 47.336), _WP, gazetteer="horadiz"),
    Place("tartar", "Tartar", "Tartar", "Terter"),
    Place("barda", "Barda", "Barda", "Barda"),
    Place("yevlakh", "Yevlakh", "Yevlakh", "Yevlakh"),
    Place("ganja", "Ganja", "Ganja", "Ganja"),
    Place("goris", "Goris", "Goris", "Goris", country="AM", gazetteer="goris"),
    Place("tegh", "Tegh", "Tegh", "Tegh", kind="village", country="AM", gazetteer="tegh"),
    Place("vardenis", "Vardenis", "Vardenis", "Vardenis", country="AM"),
)

# A point the cited source gives that is not a town: the road junction below Shusha where the
# Lachin road was blocked from 12 December 2022 (39.752 N, 46.729 E).
SHUSHA_JUNCTION = (39.752, 46.729)
