"""The atlas itself: its vocabulary, dates and geometry, the catalog and its checks, the
timeline of control, figures and the gazetteer of places. No drawing, serving or file-format
library is imported here."""
