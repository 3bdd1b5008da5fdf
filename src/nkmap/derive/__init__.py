"""How geodata/ is derived from Natural Earth, GeoNames and dated facts (``make geodata``)."""
