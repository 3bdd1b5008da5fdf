"""Bringing layers in: readers for each file format (every third-party error translated into
an nkmap error at the boundary), the checks of a new layer against the atlas and the
all-or-nothing save, and the one "add a layer" use case the command line and the dashboard
share."""
