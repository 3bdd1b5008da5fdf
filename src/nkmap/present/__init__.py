"""The look and the wording as data: colours, line styles, labels, base maps and their
attribution, print-map options and escaped text. Used by the print maps and sent to the
browser in the map's payload."""
