"""Print maps and file exports: PNG, SVG, PDF, GIF, standalone HTML and GeoJSON. The only part
of nkmap that imports matplotlib."""
