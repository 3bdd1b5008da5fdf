/* nkmap's interactive map.
 *
 * Every dated feature of the atlas is held here and a step through time switches features on
 * and off in the browser: nothing is fetched or rebuilt per step. It runs as a Streamlit
 * component inside the dashboard (arguments arrive by postMessage; the chosen date, view and
 * base map go back to Python), or standalone with its data in
 * <script id="nkmap-data" type="application/json">.
 *
 * Safety: text from layers (titles, property keys and values, sources) is only ever set with
 * textContent or as attribute values on elements built here; it is never parsed as HTML.
 * Links are made only for http(s) addresses.
 */
"use strict";
(function () {
  const IN_STREAMLIT = window.parent !== window && !document.getElementById("nkmap-data");

  // The base maps a reader can choose (nkmap.present.basemaps, sent in the payload): the
  // offline vector base map, always drawn, and optional tile layers over it.
  let TILES = {};

  function readTiles(part) {
    TILES = { none: { label: part.offline.label } };
    part.tiles.forEach(function (t) { TILES[t.key] = t; });
  }

  // International borders (where two countries of the base map meet): a dark line on a light
  // band, drawn above the areas held, so that they read as borders beside the thin rayon lines.
  const BORDER = { colour: "#4d4d4d", width: 1.6, band: "#8c8c8c", bandWidth: 6, bandOpacity: 0.35 };
  const DAY_MS = 86400000;
  const PLAY_MS = 1400; // one change per this many milliseconds at 1x

  const S = {
    data: null,
    version: null,
    map: null,
    panes: {},
    renderers: {},
    items: [], // per feature: {f, layer, a: Leaflet layer (main date), b: (comparison)}
    dated: [], // indices of features switched by date
    events: [], // indices of event features
    places: [],
    oblast: [], // indices of the oblast's outline
    dateIndex: -1,
    day: null, // the day shown (ISO): the change date in force or any day picked in between
    t0: 0, // the time bar's first and last day (day numbers, with a margin around the changes)
    t1: 1,
    minDay: null, // the days that can be picked (ISO)
    maxDay: null,
    speed: 1,
    placeOrder: [], // indices of places, in the order their labels are placed
    countryNames: [], // {node, name, parts: rings of [lat, lng]}
    labelFrame: null,
    names: "both",
    jumpSeq: null,
    compare: null,
    compareLayer: null,
    divider: 0.5,
    base: "none",
    tile: null,
    playing: null,
    first: true,
    notifyTimer: null,
    viewTimer: null,
    need: null,
    // The payload comes in two parts: the features the opening date needs (with those drawn on
    // every date), then the rest. Until the rest is here, another change waits for it.
    complete: true,
    headFor: null, // the change the first part shows
    pending: null, // {index, day} of a change asked for before the rest came
    compareArgs: null,
    timings: [],
  };
  window.nkmapTimings = S.timings;

  // ---- small helpers -------------------------------------------------------------------

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function safeUrl(text) {
    try {
      const url = new URL(String(text));
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (err) {
      return null;
    }
  }

  function link(title, url) {
    const href = safeUrl(url);
    if (!href) return el("span", null, String(title) + " (" + String(url) + ")");
    const a = el("a", null, title);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    return a;
  }

  function asText(value) {
    if (value === null || value === undefined) return "";
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  }

  const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
  function longDate(iso) {
    if (!iso) return "";
    const [y, m, d] = iso.split("-").map(Number);
    return d + " " + MONTHS[m - 1] + " " + y;
  }

  // Days as whole numbers (days since 1970-01-01, UTC), so that time is linear on the track.
  function dayNumber(iso) {
    const [y, m, d] = iso.split("-").map(Number);
    return Math.round(Date.UTC(y, m - 1, d) / DAY_MS);
  }

  function isoDay(n) {
    const d = new Date(n * DAY_MS);
    const y = d.getUTCFullYear();
    // Years before 1000 never occur here, but keep four digits as ISO does.
    return String(y).padStart(4, "0") + "-" + String(d.getUTCMonth() + 1).padStart(2, "0") + "-" +
      String(d.getUTCDate()).padStart(2, "0");
  }

  // Where a day lies on the track, in percent of its width.
  function percentOf(n) {
    return (100 * (n - S.t0)) / (S.t1 - S.t0);
  }

  function visibleAt(f, day) {
    return (f.from === null || f.from <= day) && (f.to === null || day < f.to);
  }

  function send(type, extra) {
    if (IN_STREAMLIT) window.parent.postMessage(Object.assign({ isStreamlitMessage: true, type: type }, extra), "*");
  }

  function setStatus(text) {
    document.getElementById("status").textContent = text || "";
  }

  // ---- what goes back to Python --------------------------------------------------------

  function currentValue() {
    const c = S.map.getCenter();
    const b = S.map.getBounds();
    const r = function (x) { return Number(x.toFixed(4)); };
    return {
      // The change in force (Python expects a change date), even when a day in between is shown.
      date: S.data.dates[S.dateIndex] ? S.data.dates[S.dateIndex].date : null,
      view: [r(c.lat), r(c.lng), S.map.getZoom()],
      // The area on screen: west, south, east, north.
      bounds: [r(b.getWest()), r(b.getSouth()), r(b.getEast()), r(b.getNorth())],
      base: S.base,
      need: S.need,
    };
  }

  function notify(delay) {
    if (!IN_STREAMLIT || !S.data) return;
    clearTimeout(S.notifyTimer);
    S.notifyTimer = setTimeout(function () {
      send("streamlit:setComponentValue", { value: currentValue(), dataType: "json" });
    }, delay || 0);
  }

  // Once the map is drawn from the first part: ask for the rest, in the background.
  function askForRest() {
    send("streamlit:setComponentValue", {
      value: Object.assign(currentValue(), { need: "rest" }),
      dataType: "json",
    });
  }

  function askForData(version) {
    S.need = version;
    send("streamlit:setComponentValue", {
      value: { date: null, view: null, base: S.base, need: version },
      dataType: "json",
    });
  }

  // ---- styles ----------------------------------------------------------------------------

  function lineStyle(kind) {
    const l = S.data.lines[kind];
    return { color: l.colour, weight: l.width, dashArray: l.dash || null, fill: false };
  }

  function styleFor(f, layer) {
    const shows = layer.shows;
    if (shows === "control") {
      const colour = S.data.colours[f.controller] || "#999999";
      if (f.controller === "russian_peacekeepers") {
        return { className: "nk-hatch", fillOpacity: 0.9, color: S.data.look.colours.hatch_edge, weight: 1 };
      }
      return { fillColor: colour, fillOpacity: S.data.look.opacity.fill, color: "#ffffff", weight: 0.8 };
    }
    if (shows === "unmapped") {
      return Object.assign(lineStyle("unmapped"), { fill: true, fillOpacity: 1, className: "nk-dots" });
    }
    if (shows === "peacekeeping" || shows === "line_of_contact" || shows === "oblast") {
      return lineStyle(shows);
    }
    if (shows === "countries") {
      // The outline is the coast as much as the border: borders are drawn by themselves above.
      return { fillColor: S.data.look.colours.land, fillOpacity: S.base === "none" ? 1 : 0, color: "#a3a3a3", weight: 0.8 };
    }
    if (shows === "rayons") return { fill: false, color: S.data.look.colours.rayon, weight: 0.7 };
    // Layers of other things (as users add): a colour of their own, drawn above the towns.
    return { fillColor: S.data.other_colour, fillOpacity: S.data.look.opacity.other, color: S.data.look.colours.other_edge, weight: 2 };
  }

  // ---- popups and tooltips (DOM only) ----------------------------------------------------

  const SHOWN_ELSEWHERE = new Set(["title", "description", "sources", "controller", "valid_from", "valid_to", "note", "date"]);
  // Keys the atlas's own layers use, in words; identifiers and internal fields are not shown.
  const KEY_LABELS = {
    name: "Name", name_hy: "Armenian-derived name", name_az: "Azerbaijani name", kind: "Kind",
    change: "Changed hands on this date", places: "Places inside", route: "Route",
    position_source: "Position from", status: "Sources", location_note: "Placed", place: "Place",
  };
  const HIDDEN_KEYS = new Set(["id", "country", "natural_earth_name", "gn_name", "iso_a3"]);

  function popupFor(item) {
    const f = item.f;
    const layer = item.layer;
    const p = f.properties || {};
    const box = el("div", "nk-popup");
    box.appendChild(el("h4", null, layer.title));
    if (p.title) box.appendChild(el("p", null, null)).appendChild(el("strong", null, p.title));
    if (p.description) box.appendChild(el("p", null, p.description));
    if (layer.shows === "events") {
      box.appendChild(el("p", null, "Date: " + longDate(f.from)));
    } else if (f.from || f.to) {
      const span = (f.from ? "from " + longDate(f.from) : "") + (f.to ? " until " + longDate(f.to) : " on");
      box.appendChild(el("p", null, "Shown " + span.trim()));
    }
    if (f.controller) box.appendChild(el("p", "nk-held", S.data.labels[f.controller] || f.controller));
    if (p.note) box.appendChild(el("p", "approx", "Note: " + asText(p.note)));
    const own = item.layer.builtin;
    const keys = Object.keys(p).filter(function (k) {
      return !SHOWN_ELSEWHERE.has(k) && !(own && HIDDEN_KEYS.has(k)) && asText(p[k]) !== "";
    });
    if (keys.length) {
      const table = el("table");
      keys.forEach(function (k) {
        const tr = el("tr");
        tr.appendChild(el("td", null, (own && KEY_LABELS[k]) || k));
        tr.appendChild(el("td", null, asText(p[k])));
        table.appendChild(tr);
      });
      box.appendChild(table);
    }
    const sources = [];
    if (Array.isArray(p.sources)) p.sources.forEach(function (s) { if (s && typeof s === "object") sources.push(s); });
    layer.sources.forEach(function (s) { sources.push(s); });
    if (sources.length) {
      box.appendChild(el("p", null, "Sources:"));
      const ul = el("ul");
      sources.forEach(function (s) {
        const li = el("li");
        li.appendChild(link(asText(s.title), asText(s.url)));
        if (s.licence) li.appendChild(document.createTextNode(" (" + asText(s.licence) + ")"));
        ul.appendChild(li);
      });
      box.appendChild(ul);
    }
    box.appendChild(el("p", null, "Method: " + layer.method));
    box.appendChild(
      el("p", layer.approximate ? "approx" : null,
        "Uncertainty: about " + layer.uncertainty_km + " km" + (layer.approximate ? " (approximate)" : ""))
    );
    (layer.notes || []).forEach(function (n) { box.appendChild(el("p", null, "Note: " + n)); });
    return box;
  }

  function tooltipFor(item) {
    const f = item.f;
    const p = f.properties || {};
    const box = el("div");
    box.appendChild(el("strong", null, p.title || item.layer.title));
    if (f.controller) box.appendChild(el("div", null, S.data.labels[f.controller] || f.controller));
    if (item.layer.shows === "events") box.appendChild(el("div", null, longDate(f.from)));
    return box;
  }

  function placeName(p) {
    const key = S.data.name_keys[S.names] || "name";
    return asText(p[key] || p.name || "");
  }

  // ---- building features -----------------------------------------------------------------

  function paneFor(shows, side) {
    if (shows === "countries" || shows === "rayons") return "nkBase";
    if (shows === "oblast") return "nkTop";
    if (shows === "places") return "nkPlaces";
    if (shows === "events") return "nkEvents";
    if (side === "b") return "nkB";
    return shows === "other" ? "nkUser" : "nkA";
  }

  function build(item, side) {
    const f = item.f;
    const layer = item.layer;
    const pane = paneFor(layer.shows, side);
    let obj;
    if (layer.shows === "places") {
      const c = f.geometry.coordinates;
      obj = L.circleMarker([c[1], c[0]], { pane: pane, renderer: S.renderers.nkPlaces, radius: 3, color: "#111", weight: 1, fillColor: "#111", fillOpacity: 1 });
      obj.bindTooltip(el("span", null, placeName(f.properties || {})), {
        permanent: true, direction: SPOTS[0].direction, offset: SPOTS[0].offset, className: "nk-label", pane: "nkLabels",
      });
    } else if (layer.shows === "events") {
      const c = f.geometry.coordinates;
      obj = L.circleMarker([c[1], c[0]], { pane: pane, renderer: S.renderers.nkEvents, radius: 4 });
      obj.bindTooltip(function () { return tooltipFor(item); }, { sticky: true });
    } else {
      // L.geoJSON hands these options to each path it makes, class and renderer included.
      obj = L.geoJSON(f.geometry, Object.assign({
        pane: pane,
        renderer: S.renderers[pane],
        pointToLayer: function (feat, latlng) {
          return L.circleMarker(latlng, Object.assign({ pane: pane, renderer: S.renderers[pane] },
            styleFor(f, layer), { radius: layer.shows === "other" ? 7 : 5, fillOpacity: 0.9, weight: 1.5 }));
        },
      }, styleFor(f, layer)));
      obj.bindTooltip(function () { return tooltipFor(item); }, { sticky: true });
    }
    obj.bindPopup(function () { return popupFor(item); }, { maxWidth: 340 });
    return obj;
  }

  function ensure(item, side) {
    if (!item[side]) item[side] = build(item, side);
    return item[side];
  }

  function show(item, side, on) {
    const obj = on ? ensure(item, side) : item[side];
    if (!obj) return;
    const has = S.map.hasLayer(obj);
    if (on && !has) obj.addTo(S.map);
    else if (!on && has) S.map.removeLayer(obj);
  }

  // ---- the legend ------------------------------------------------------------------------

  const SVGNS = "http://www.w3.org/2000/svg";
  function swatch(kind, value) {
    const svg = document.createElementNS(SVGNS, "svg");
    svg.setAttribute("width", "26");
    svg.setAttribute("height", "14");
    if (kind === "fill") {
      const r = document.createElementNS(SVGNS, "rect");
      r.setAttribute("x", "1"); r.setAttribute("y", "1"); r.setAttribute("width", "24"); r.setAttribute("height", "12");
      r.setAttribute("stroke", "#666"); r.setAttribute("stroke-width", "0.8");
      if (value.charAt(0) === "#") { r.setAttribute("fill", value); r.setAttribute("fill-opacity", "0.7"); }
      else r.setAttribute("class", value);
      svg.appendChild(r);
    } else if (kind === "border") {
      [[BORDER.band, BORDER.bandWidth, BORDER.bandOpacity], [BORDER.colour, BORDER.width, 1]].forEach(function (s) {
        const l = document.createElementNS(SVGNS, "line");
        l.setAttribute("x1", "1"); l.setAttribute("y1", "7"); l.setAttribute("x2", "25"); l.setAttribute("y2", "7");
        l.setAttribute("stroke", s[0]); l.setAttribute("stroke-width", String(s[1])); l.setAttribute("stroke-opacity", String(s[2]));
        svg.appendChild(l);
      });
    } else if (kind === "line") {
      const l = document.createElementNS(SVGNS, "line");
      l.setAttribute("x1", "1"); l.setAttribute("y1", "7"); l.setAttribute("x2", "25"); l.setAttribute("y2", "7");
      l.setAttribute("stroke", value.colour); l.setAttribute("stroke-width", String(value.width));
      if (value.dash) l.setAttribute("stroke-dasharray", value.dash);
      svg.appendChild(l);
    } else {
      const c = document.createElementNS(SVGNS, "circle");
      c.setAttribute("cx", "13"); c.setAttribute("cy", "7"); c.setAttribute("r", "5");
      c.setAttribute("fill", "#fff"); c.setAttribute("stroke", "#000"); c.setAttribute("stroke-width", "2");
      svg.appendChild(c);
    }
    return svg;
  }

  function buildLegend() {
    const rows = {};
    const control = L.control({ position: "bottomleft" });
    control.onAdd = function () {
      const outer = el("details", "nk-panel nk-legend");
      outer.open = S.map.getSize().x >= 600; // on a phone the legend starts folded
      outer.appendChild(el("summary", null, "Legend"));
      const box = el("div");
      outer.appendChild(box);
      const grid = el("div", "rows");
      box.appendChild(grid);
      function row(key, sw, text) {
        const r = el("div", "row");
        r.appendChild(sw);
        r.appendChild(el("span", null, text));
        rows[key] = r;
        grid.appendChild(r);
      }
      Object.keys(S.data.colours).forEach(function (c) {
        row("control:" + c, swatch("fill", c === "russian_peacekeepers" ? "nk-hatch" : S.data.colours[c]), S.data.labels[c]);
      });
      row("unmapped", swatch("fill", "nk-dots"), S.data.line_labels.unmapped);
      ["peacekeeping", "line_of_contact", "oblast"].forEach(function (k) {
        row(k, swatch("line", S.data.lines[k]), S.data.line_labels[k]);
      });
      row("border", swatch("border"), S.data.line_labels.border);
      row("changed", swatch("line", S.data.lines.changed), S.data.line_labels.changed);
      row("other", swatch("fill", S.data.other_colour), "Other layers (click for their sources)");
      row("events", swatch("event"), "Events of this step (smaller: earlier events)");
      const note = el("div", "note", "");
      rows.note = note;
      box.appendChild(note);
      L.DomEvent.disableClickPropagation(outer);
      L.DomEvent.disableScrollPropagation(outer);
      // Labels on the map make room for the legend when it opens or closes.
      outer.addEventListener("toggle", scheduleLabels);
      S.legendBox = box;
      S.legendEl = outer;
      return outer;
    };
    control.addTo(S.map);
    S.legendRows = rows;
    fitLegend();
  }

  // The legend keeps to its corner: two columns when the map is wide enough, and at most about
  // half the map's height and width (it scrolls beyond).
  function fitLegend() {
    if (!S.legendEl) return;
    const size = S.map.getSize();
    S.legendEl.classList.toggle("nk-wide", size.x >= 1000);
    S.legendEl.style.maxWidth = Math.max(160, Math.round(size.x * 0.5) - 10) + "px";
    // Above the attribution when that runs under the legend (on a narrow map).
    const attribution = S.map.getContainer().querySelector(".leaflet-control-attribution");
    let lift = 0;
    if (attribution) {
      const a = attribution.getBoundingClientRect();
      const m = S.map.getContainer().getBoundingClientRect();
      if (a.left < m.left + Math.min(260, size.x * 0.5)) lift = Math.round(a.height) + 2;
    }
    S.legendEl.style.marginBottom = lift ? lift + 10 + "px" : "";
    S.legendBox.style.maxHeight = Math.max(80, Math.round(size.y * 0.45) - 24 - lift) + "px";
  }

  function updateLegend(present) {
    if (S.borders) present.add("border");
    Object.keys(S.legendRows).forEach(function (key) {
      if (key === "note") return;
      const on = present.has(key);
      S.legendRows[key].classList.toggle("absent", !on);
      S.legendRows[key].style.display = key === "changed" && !on ? "none" : "";
    });
    S.legendRows.note.textContent = present.has("approximate")
      ? "Lines at this date are approximate: click for sources and uncertainty."
      : "Click the map for sources, dates and uncertainty.";
  }

  // ---- base maps -------------------------------------------------------------------------

  function buildBaseControl() {
    const control = L.control({ position: "topright" });
    control.onAdd = function () {
      const outer = el("details", "nk-panel nk-base");
      outer.appendChild(el("summary", null, "Base map"));
      const box = el("div");
      outer.appendChild(box);
      Object.keys(TILES).forEach(function (key) {
        const label = el("label");
        const input = el("input");
        input.type = "radio";
        input.name = "nk-base";
        input.value = key;
        input.checked = key === S.base;
        input.addEventListener("change", function () { setBase(key, true); });
        label.appendChild(input);
        label.appendChild(document.createTextNode(" " + TILES[key].label));
        box.appendChild(label);
      });
      const warn = el("div", "warn", "");
      box.appendChild(warn);
      S.baseWarn = warn;
      L.DomEvent.disableClickPropagation(outer);
      return outer;
    };
    control.addTo(S.map);
    S.baseControl = control;
  }

  function setBase(key, report) {
    if (!TILES[key]) key = "none";
    S.base = key;
    if (S.tile) { S.map.removeLayer(S.tile); S.tile = null; }
    if (S.baseWarn) S.baseWarn.textContent = "";
    const t = TILES[key];
    if (t.url) {
      S.tile = L.tileLayer(t.url, { maxZoom: t.max_zoom, attribution: t.attribution, subdomains: t.subdomains || "abc" });
      S.tile.on("tileerror", function () {
        if (S.baseWarn) S.baseWarn.textContent = "Tiles could not be loaded (offline?); the offline base map is still drawn.";
      });
      S.tile.addTo(S.map);
    }
    S.items.forEach(function (item) {
      if (item.layer.shows === "countries" && item.a) item.a.setStyle(styleFor(item.f, item.layer));
    });
    const inputs = document.querySelectorAll('input[name="nk-base"]');
    inputs.forEach(function (i) { i.checked = i.value === key; });
    fitLegend(); // the attribution changed with the base map
    scheduleLabels();
    if (report) notify(0);
  }

  // ---- time ------------------------------------------------------------------------------

  // Show the state in force on a change (dates[index]); ``day`` (ISO) is the day shown, on or
  // after that change and before the next (the change date itself when not given).
  function setDate(index, source, day) {
    const dates = S.data.dates;
    if (!dates.length) return;
    index = Math.max(0, Math.min(dates.length - 1, index));
    if (!S.complete && dates[index].date !== S.headFor) {
      S.pending = { index: index, day: day || dates[index].date };
      setStatus("Loading the map of " + longDate(S.pending.day) + "\u2026");
      return;
    }
    const t0 = performance.now();
    const moved = index !== S.dateIndex;
    S.dateIndex = index;
    S.day = day || dates[index].date;
    day = dates[index].date;
    const previous = index > 0 ? dates[index - 1].date : null;
    const present = new Set();
    S.dated.forEach(function (k) {
      const item = S.items[k];
      const on = visibleAt(item.f, day);
      show(item, "a", on);
      if (on) {
        const shows = item.layer.shows;
        present.add(shows === "control" ? "control:" + item.f.controller : shows);
        if (item.layer.approximate) present.add("approximate");
      }
    });
    S.events.forEach(function (k) {
      const item = S.items[k];
      const on = item.f.from !== null && item.f.from <= day;
      show(item, "a", on);
      if (!on) return;
      const current = previous === null || item.f.from > previous;
      item.a.setStyle(current
        ? { radius: 7, color: "#000", weight: 2, fillColor: "#fff", fillOpacity: 1 }
        : { radius: 3.5, color: "#fff", weight: 1, fillColor: "#666", fillOpacity: 0.9 });
      if (current) { item.a.bringToFront(); present.add("events"); }
    });
    present.add("oblast");
    // The oblast's outline is drawn in full while it exists, and faintly (for reference) before
    // and after, so that its creation and abolition are visible steps.
    let exists = false;
    S.oblast.forEach(function (k) {
      const item = S.items[k];
      const on = visibleAt(item.f, day);
      exists = exists || on;
      item.a.setStyle(on ? { opacity: 1, weight: S.data.lines.oblast.width } : { opacity: 0.35, weight: 1 });
    });
    if (S.legendRows.oblast) {
      S.legendRows.oblast.lastChild.textContent = exists
        ? S.data.line_labels.oblast
        : S.data.line_labels.oblast_reference;
    }
    if (S.compare) {
      S.compare.present.forEach(function (k) { present.add(k); });
      showTransfers();
      if (S.compareLayer && S.compare.forDate === day) present.add("changed");
    }
    updateLegend(present);
    showAreas(day);
    if (S.compare) updateClip();
    shown(t0, source, moved);
  }

  // The time bar and the words under it, for the day shown; then what follows every move in time.
  function shown(t0, source, moved) {
    const dates = S.data.dates;
    const change = dates[S.dateIndex];
    const exact = S.day === change.date;
    const text = exact ? change.label : "Since " + longDate(change.date) + ": " + change.label;
    const slider = document.getElementById("slider");
    slider.value = String(dayNumber(S.day));
    slider.setAttribute("aria-valuetext", longDate(S.day) + (exact ? ": " : ", as since " + longDate(change.date) + ": ") + change.label);
    const next = dates[S.dateIndex + 1] ? dayNumber(dates[S.dateIndex + 1].date) : dayNumber(S.maxDay) + 1;
    const band = document.getElementById("inforce");
    const left = percentOf(dayNumber(change.date));
    band.style.left = left.toFixed(3) + "%";
    band.style.width = (percentOf(next) - left).toFixed(3) + "%";
    const picker = document.getElementById("day");
    if (picker.value !== S.day) picker.value = S.day;
    document.getElementById("date").textContent = longDate(S.day);
    const label = document.getElementById("label");
    label.textContent = text;
    label.title = text;
    const map = document.getElementById("map");
    map.setAttribute("data-date", change.date); // the change in force, as reported to Python
    map.setAttribute("data-day", S.day);
    const script = performance.now() - t0;
    if (source && source.timeStamp !== undefined) {
      const inputAt = source.timeStamp;
      const date = change.date;
      const day = S.day;
      requestAnimationFrame(function () {
        requestAnimationFrame(function () {
          S.timings.push({ date: date, day: day, script_ms: script, input_to_paint_ms: performance.now() - inputAt });
        });
      });
    }
    // Python hears of the change in force; a day moved within the same change tells it nothing new.
    if (source && (moved || source.type !== "input")) {
      notify(source.type === "input" ? 150 : source.type === "play" ? 500 : 0);
    }
    if (!IN_STREAMLIT && !S.first) history.replaceState(null, "", "#date=" + S.day);
  }

  // Show any day: the state in force on it (the last change on or before it). Days outside the
  // atlas's range show its first or last change (``clamp``: the nearest day in range instead).
  function setDay(iso, source, clamp) {
    const dates = S.data.dates;
    if (!dates.length) return;
    if (!/^\d{4}-\d{2}-\d{2}$/.test(iso || "")) return;
    if (iso < S.minDay) iso = clamp ? S.minDay : dates[0].date;
    if (iso > S.maxDay) iso = clamp ? S.maxDay : dates[dates.length - 1].date;
    const index = indexOf(iso);
    if (index === S.dateIndex && S.day !== null) {
      // Within the change in force: nothing on the map moves, only the time bar and its words.
      const t0 = performance.now();
      S.day = iso;
      shown(t0, source, false);
      return;
    }
    setDate(index, source, iso);
  }

  // Areas held, where the data carries them (the standalone export; in the dashboard Python
  // shows them beside the map).
  function showAreas(day) {
    const box = document.getElementById("figures");
    const areas = S.data.areas && S.data.areas[day];
    if (!areas) { box.textContent = ""; return; }
    const parts = Object.keys(S.data.colours)
      .filter(function (c) { return areas[c] > 0; })
      .map(function (c) { return (S.data.short_labels[c] || c) + ": " + Math.round(areas[c]).toLocaleString("en-GB") + " km\u00B2"; });
    box.textContent = parts.length ? "Area held: " + parts.join(" \u00B7 ") : "No control mapped on this date";
  }

  // One change back or forward. Back from a day after the change in force goes to that change.
  function step(delta, ev) {
    const source = ev || { type: "step" };
    if (delta < 0 && S.day && S.dateIndex >= 0 && S.day > S.data.dates[S.dateIndex].date) {
      setDate(S.dateIndex, source);
      return;
    }
    setDate(S.dateIndex + delta, source);
  }

  function playTick() {
    if (S.dateIndex >= S.data.dates.length - 1) { togglePlay(); return; }
    step(1, { type: "play" });
  }

  function togglePlay() {
    const button = document.getElementById("play");
    if (S.playing) {
      clearInterval(S.playing);
      S.playing = null;
      button.textContent = "\u25B6";
      button.setAttribute("aria-label", "Play");
      return;
    }
    if (S.dateIndex >= S.data.dates.length - 1) setDate(0, { type: "play" });
    button.textContent = "\u275A\u275A";
    button.setAttribute("aria-label", "Pause");
    S.playing = setInterval(playTick, PLAY_MS / S.speed);
  }

  function setSpeed(speed) {
    S.speed = speed > 0 ? speed : 1;
    if (S.playing) {
      clearInterval(S.playing);
      S.playing = setInterval(playTick, PLAY_MS / S.speed);
    }
  }

  // ---- the time bar: a track proportional to time ---------------------------------------

  function buildTimeline() {
    const dates = S.data.dates;
    const slider = document.getElementById("slider");
    const picker = document.getElementById("day");
    if (!dates.length) {
      slider.disabled = true;
      picker.disabled = true;
      return;
    }
    const first = dayNumber(dates[0].date);
    const last = dayNumber(dates[dates.length - 1].date);
    // Any day from the first change to the end of the last change's year can be picked; the
    // track runs a little beyond both, so that the first and last marks are not on its edges.
    const lastYear = Number(dates[dates.length - 1].date.slice(0, 4));
    const end = dayNumber(lastYear + "-12-31");
    const margin = Math.max(30, Math.round((last - first) * 0.008));
    S.t0 = Math.min(first - margin, dayNumber(dates[0].date.slice(0, 4) + "-01-01"));
    S.t1 = Math.max(end + 1, last + margin);
    S.minDay = dates[0].date;
    S.maxDay = isoDay(end);
    slider.min = String(S.t0);
    slider.max = String(S.t1);
    picker.min = S.minDay;
    picker.max = S.maxDay;
    const marks = document.getElementById("marks");
    dates.forEach(function (d) {
      const m = el("span");
      m.style.left = percentOf(dayNumber(d.date)).toFixed(3) + "%";
      marks.appendChild(m);
    });
    // Days with events (features of event layers, dated by their start).
    const eventDays = new Set();
    S.events.forEach(function (k) { if (S.items[k].f.from) eventDays.add(S.items[k].f.from); });
    const events = document.getElementById("eventmarks");
    Array.from(eventDays).sort().forEach(function (day) {
      const m = el("span");
      m.style.left = percentOf(dayNumber(day)).toFixed(3) + "%";
      events.appendChild(m);
    });
    layoutTicks();
    if (window.ResizeObserver) new ResizeObserver(layoutTicks).observe(document.getElementById("ticks"));
    else window.addEventListener("resize", layoutTicks);
  }

  // Years along the track: a tick every decade (every year or five when there is room), and
  // labels that never collide: first the years the atlas's changes begin and resume after a
  // quiet spell (1923, 1991, 2020...), then round years at a step the width allows.
  function layoutTicks() {
    const box = document.getElementById("ticks");
    const width = box.clientWidth;
    const dates = S.data.dates;
    if (!width || !dates.length) return;
    if (S.tickWidth === width) return;
    S.tickWidth = width;
    box.textContent = "";
    const span = S.t1 - S.t0;
    const x = function (n) { return ((n - S.t0) / span) * width; };
    const firstYear = Number(isoDay(S.t0).slice(0, 4)) + 1;
    const lastYear = Number(isoDay(S.t1).slice(0, 4));
    const perYear = (width * 365.25) / span;
    const minor = perYear >= 6 ? 1 : perYear * 5 >= 6 ? 5 : 10;
    const probe = el("span", "year", "2000");
    box.appendChild(probe);
    const labelWidth = probe.getBoundingClientRect().width || 24;
    box.removeChild(probe);
    const gap = 8;
    const step = [10, 20, 25, 50, 100, 200, 500].find(function (s) { return s * perYear >= labelWidth + gap; }) || 1000;
    // Years that open an episode of changes (after three quiet years or more), the busiest first.
    const episodes = [];
    dates.forEach(function (d, i) {
      const n = dayNumber(d.date);
      if (i === 0 || n - dayNumber(dates[i - 1].date) >= 3 * 365) episodes.push({ year: Number(d.date.slice(0, 4)), count: 0, first: i === 0 });
      episodes[episodes.length - 1].count += 1;
    });
    episodes.sort(function (a, b) { return (b.first - a.first) || (b.count - a.count); });
    const wanted = episodes.map(function (e) { return { year: e.year, key: true }; });
    for (let y = Math.ceil(firstYear / step) * step; y <= lastYear; y += step) wanted.push({ year: y, key: false });
    const taken = [];
    const labelled = new Map();
    wanted.forEach(function (w) {
      if (labelled.has(w.year)) return;
      const at = x(dayNumber(w.year + "-01-01"));
      if (at < -1 || at > width + 1) return;
      // The axis is inset by half the thumb: labels may use that much room beyond either end.
      const left = Math.max(-6, Math.min(width + 6 - labelWidth, at - labelWidth / 2));
      const clash = taken.some(function (t) { return left < t[1] + gap && t[0] < left + labelWidth + gap; });
      if (clash) return;
      taken.push([left, left + labelWidth]);
      labelled.set(w.year, { left: left, key: w.key });
    });
    for (let y = firstYear; y <= lastYear; y++) {
      const label = labelled.get(y);
      if (!label && y % minor !== 0) continue;
      const at = x(dayNumber(y + "-01-01"));
      const tick = el("span", label || y % 10 === 0 ? "tick major" : "tick");
      tick.style.left = at.toFixed(1) + "px";
      box.appendChild(tick);
      if (label) {
        const text = el("span", label.key ? "year key" : "year", String(y));
        text.style.left = label.left.toFixed(1) + "px";
        box.appendChild(text);
      }
    }
  }

  // The slider's value is a day; its arrow keys step from change to change.
  function sliderKeys(e) {
    const dates = S.data.dates;
    let handled = true;
    if (e.key === "ArrowLeft" || e.key === "ArrowDown") step(-1, e);
    else if (e.key === "ArrowRight" || e.key === "ArrowUp") step(1, e);
    else if (e.key === "Home") setDate(0, e);
    else if (e.key === "End") setDate(dates.length - 1, e);
    else if (e.key === "PageUp" || e.key === "PageDown") {
      // A year later or earlier, to the day.
      const y = Number(S.day.slice(0, 4)) + (e.key === "PageUp" ? 1 : -1);
      setDay(String(y).padStart(4, "0") + S.day.slice(4).replace("02-29", "02-28"), e, true);
    } else handled = false;
    if (handled) {
      e.preventDefault();
      e.stopPropagation();
    }
  }

  // Arrow keys step through time from anywhere on the page, except where they do something
  // else: in a text field, a list, a slider, tabs or radio buttons.
  const KEY_OWNERS = '[role="slider"], [role="tablist"], [role="tab"], [role="radiogroup"], [role="radio"], ' +
    '[role="listbox"], [role="combobox"], [role="menu"], [role="grid"], [role="spinbutton"], [contenteditable="true"]';
  function arrowKey(e, fromPage) {
    if (!S.data || e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.shiftKey) return;
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    const t = e.target;
    if (t && t.nodeType === 1) {
      const tag = t.tagName;
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || t.isContentEditable) return;
      if (t.closest && t.closest(KEY_OWNERS)) return;
    }
    // An event of the page has its own time origin: time the step from here instead.
    step(e.key === "ArrowLeft" ? -1 : 1, fromPage ? { type: "keydown", timeStamp: performance.now() } : e);
    e.preventDefault();
  }

  // The component's frame is on the dashboard's own origin: listen to its page's keys too. One
  // listener per page: a frame loaded afresh replaces the listener of the one before.
  function listenToPage() {
    if (!IN_STREAMLIT) return;
    try {
      const page = window.parent;
      const doc = page.document;
      if (page.__nkmapArrowKeys) doc.removeEventListener("keydown", page.__nkmapArrowKeys);
      const listener = function (e) {
        try { arrowKey(e, true); } catch (err) { /* this frame is gone */ }
      };
      doc.addEventListener("keydown", listener);
      page.__nkmapArrowKeys = listener;
      window.addEventListener("pagehide", function () {
        try {
          doc.removeEventListener("keydown", listener);
          if (page.__nkmapArrowKeys === listener) page.__nkmapArrowKeys = null;
        } catch (err) { /* the page is gone too */ }
      });
    } catch (err) {
      // Another origin: arrow keys work while the map has the focus.
    }
  }

  // ---- comparison (swipe) --------------------------------------------------------------

  function buildDivider() {
    const divider = el("div");
    divider.id = "divider";
    divider.appendChild(el("div", "bar"));
    const handle = el("div", "handle", "\u2194");
    handle.setAttribute("role", "slider");
    handle.setAttribute("aria-label", "Swipe between the two dates");
    handle.tabIndex = 0;
    divider.appendChild(handle);
    const a = el("div", "nk-side");
    a.id = "side-a";
    const b = el("div", "nk-side");
    b.id = "side-b";
    divider.appendChild(a);
    divider.appendChild(b);
    divider.style.display = "none";
    S.map.getContainer().appendChild(divider);
    let dragging = false;
    handle.addEventListener("pointerdown", function (e) {
      dragging = true;
      handle.setPointerCapture(e.pointerId);
      S.map.dragging.disable();
      e.preventDefault();
    });
    handle.addEventListener("pointermove", function (e) {
      if (!dragging) return;
      const rect = S.map.getContainer().getBoundingClientRect();
      S.divider = Math.max(0.02, Math.min(0.98, (e.clientX - rect.left) / rect.width));
      updateClip();
    });
    function stop() { dragging = false; S.map.dragging.enable(); }
    handle.addEventListener("pointerup", stop);
    handle.addEventListener("pointercancel", stop);
    handle.addEventListener("keydown", function (e) {
      if (e.key === "ArrowLeft" || e.key === "ArrowRight") {
        S.divider = Math.max(0.02, Math.min(0.98, S.divider + (e.key === "ArrowLeft" ? -0.05 : 0.05)));
        updateClip();
        e.preventDefault();
        e.stopPropagation();
      }
    });
    L.DomEvent.disableClickPropagation(divider);
    S.dividerEl = divider;
  }

  function updateClip() {
    const paneA = S.map.getPane("nkA");
    const paneB = S.map.getPane("nkB");
    if (!S.compare) {
      paneA.style.clip = "";
      paneB.style.clip = "";
      S.dividerEl.style.display = "none";
      return;
    }
    const size = S.map.getSize();
    const x = Math.round(size.x * S.divider);
    const nw = S.map.containerPointToLayerPoint([0, 0]);
    const se = S.map.containerPointToLayerPoint(size);
    const cx = S.map.containerPointToLayerPoint([x, 0]).x;
    // The earlier date on the left, as on the time bar.
    const day = S.data.dates[S.dateIndex].date;
    const aLeft = day <= S.compare.date;
    const left = aLeft ? paneA : paneB;
    const right = aLeft ? paneB : paneA;
    left.style.clip = "rect(" + nw.y + "px, " + cx + "px, " + se.y + "px, " + nw.x + "px)";
    right.style.clip = "rect(" + nw.y + "px, " + se.x + "px, " + se.y + "px, " + cx + "px)";
    document.getElementById("side-a").textContent = longDate(aLeft ? day : S.compare.date);
    document.getElementById("side-b").textContent = longDate(aLeft ? S.compare.date : day);
    S.dividerEl.style.display = "";
    S.dividerEl.style.left = x + "px";
  }

  function showTransfers() {
    const day = S.data.dates[S.dateIndex].date;
    if (S.compareLayer) S.map.removeLayer(S.compareLayer);
    S.compareLayer = null;
    if (!S.compare || S.compare.forDate !== day || !S.compare.transfers.length) return;
    const style = Object.assign(lineStyle("changed"), { fill: true, className: "nk-changed", fillOpacity: 0.5 });
    const group = L.featureGroup();
    S.compare.transfers.forEach(function (t) {
      const text = (S.data.labels[t.before] || t.before) + " \u2192 " + (S.data.labels[t.after] || t.after) +
        ": " + Number(t.area_km2).toLocaleString("en-GB") + " km\u00B2";
      const lyr = L.geoJSON(t.geometry, Object.assign({ pane: "nkTop", renderer: S.renderers.nkTop }, style));
      lyr.bindTooltip(el("span", null, text), { sticky: true });
      lyr.bindPopup(function () {
        const box = el("div", "nk-popup");
        box.appendChild(el("h4", null, "Changed hands"));
        box.appendChild(el("p", null, text));
        box.appendChild(el("p", null, "Between " + longDate(day) + " and " + longDate(S.compare.date) + ", measured on the atlas's full geometry in an equal-area projection."));
        return box;
      });
      group.addLayer(lyr);
    });
    S.compareLayer = group.addTo(S.map);
  }

  function setCompare(compare) {
    S.compareArgs = compare;
    S.items.forEach(function (item) { if (item.b) show(item, "b", false); });
    if (!compare) {
      S.compare = null;
      showTransfers();
      updateClip();
      setDate(S.dateIndex, null, S.day);
      return;
    }
    const present = new Set();
    S.dated.forEach(function (k) {
      const item = S.items[k];
      const on = visibleAt(item.f, compare.date);
      if (on) {
        show(item, "b", true);
        present.add(item.layer.shows === "control" ? "control:" + item.f.controller : item.layer.shows);
      }
    });
    S.compare = { date: compare.date, forDate: compare.for_date, transfers: compare.transfers || [], present: present };
    updateClip();
    setDate(S.dateIndex, null, S.day);
  }

  // ---- labels without collisions ----------------------------------------------------------

  // Town labels are placed in order of priority after every move, zoom and change of names:
  // each tries a few spots around its dot and is hidden (its dot stays) when every spot would
  // overlap a label placed before it. Country names come after the towns.
  const SPOTS = [
    { direction: "right", offset: [6, 0] },
    { direction: "left", offset: [-6, 0] },
    { direction: "top", offset: [0, -5] },
    { direction: "bottom", offset: [0, 5] },
    { direction: "right", offset: [5, -9] },
    { direction: "right", offset: [5, 9] },
    { direction: "left", offset: [-5, -9] },
    { direction: "left", offset: [-5, 9] },
  ];

  function overlaps(a, b, pad) {
    return a.left < b.right + pad && b.left < a.right + pad && a.top < b.bottom + pad && b.top < a.bottom + pad;
  }

  function scheduleLabels() {
    if (!S.map || S.labelFrame !== null) return;
    S.labelFrame = requestAnimationFrame(function () {
      S.labelFrame = null;
      placeLabels();
    });
  }

  // The order in which towns are labelled: the capital (Stepanakert / Khankendi) first, then
  // towns (villages last), nearer the capital first: the towns of the region before those
  // around it.
  function orderPlaces() {
    const rank = function (p) { return p.kind === "capital" ? 0 : p.kind === "village" ? 2 : 1; };
    let centre = null;
    S.places.forEach(function (k) {
      const f = S.items[k].f;
      if (!centre && (f.properties || {}).kind === "capital") centre = f.geometry.coordinates;
    });
    if (!centre) {
      const b = S.data.bbox;
      centre = [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2];
    }
    const cos = Math.cos((centre[1] * Math.PI) / 180);
    const far = function (k) {
      const c = S.items[k].f.geometry.coordinates;
      return Math.pow((c[0] - centre[0]) * cos, 2) + Math.pow(c[1] - centre[1], 2);
    };
    S.placeOrder = S.places.slice().sort(function (a, b) {
      const pa = S.items[a].f.properties || {};
      const pb = S.items[b].f.properties || {};
      return (rank(pa) - rank(pb)) || (far(a) - far(b)) || placeName(pa).localeCompare(placeName(pb));
    });
  }

  // Where a label would be (client pixels) at a spot: Leaflet's rule for a tooltip's
  // direction and offset (the labels have no margins), from its dot and its size.
  function spotBox(label, spot, frame) {
    const o = spot.offset;
    const p = label.p;
    let x;
    let y;
    if (spot.direction === "right") { x = p.x + o[0]; y = p.y - label.h / 2 + o[1]; }
    else if (spot.direction === "left") { x = p.x - label.w + o[0]; y = p.y - label.h / 2 + o[1]; }
    else if (spot.direction === "top") { x = p.x - label.w / 2 + o[0]; y = p.y - label.h + o[1]; }
    else { x = p.x - label.w / 2 + o[0]; y = p.y + o[1]; }
    return { left: frame.left + x, top: frame.top + y, right: frame.left + x + label.w, bottom: frame.top + y + label.h };
  }

  function placeLabels() {
    if (!S.map || !S.data) return;
    const container = S.map.getContainer();
    const frame = container.getBoundingClientRect();
    const size = S.map.getSize();
    const placed = [];
    // The looked-up place keeps its label above its marker, before any other.
    const own = S.placeMarker && S.placeMarker.getTooltip();
    if (own && own.getElement()) placed.push(own.getElement().getBoundingClientRect());
    // Spots under the map's controls (the legend, the buttons) are taken only when no other is free.
    const controls = [];
    container.querySelectorAll(".leaflet-control").forEach(function (c) {
      const r = c.getBoundingClientRect();
      if (r.width && r.height) controls.push(r);
    });
    // Every label's size, read from the page once: the spots only move a label.
    const labels = [];
    S.placeOrder.forEach(function (k) {
      const item = S.items[k];
      const tip = item.a && item.a.getTooltip();
      const node = tip && tip.getElement();
      if (!node) return;
      const r = node.getBoundingClientRect();
      labels.push({ k: k, tip: tip, node: node, p: S.map.latLngToContainerPoint(item.a.getLatLng()), w: r.width, h: r.height, best: null });
    });
    S.countryNames.forEach(function (c) {
      c.w = c.node.offsetWidth;
      c.h = c.node.offsetHeight;
    });
    const dots = labels.map(function (l) {
      return { k: l.k, box: { left: frame.left + l.p.x - 4, right: frame.left + l.p.x + 4, top: frame.top + l.p.y - 4, bottom: frame.top + l.p.y + 4 } };
    });
    // A spot that overlaps a label placed before is never taken. Of the others, the first that
    // is clear of everything is taken, or else the least bad: one that covers another town's
    // dot, then one under a control (the legend), then one cut by the map's edge (which only
    // the first label may take). A label with no spot left is hidden; its dot stays.
    labels.forEach(function (l, n) {
      if (l.p.x < 0 || l.p.y < 0 || l.p.x > size.x || l.p.y > size.y) return;
      for (let i = 0; i < SPOTS.length; i++) {
        const r = spotBox(l, SPOTS[i], frame);
        if (placed.some(function (b) { return overlaps(r, b, 1); })) continue;
        const outside = r.left < frame.left || r.right > frame.right || r.top < frame.top || r.bottom > frame.bottom;
        if (outside && n > 0) continue;
        const onDot = dots.some(function (d) { return d.k !== l.k && overlaps(r, d.box, 0); });
        const under = controls.some(function (c) { return overlaps(r, c, 0); });
        const cost = (outside ? 4 : 0) + (under ? 2 : 0) + (onDot ? 1 : 0);
        if (!l.best || cost < l.best.cost) l.best = { spot: SPOTS[i], box: r, cost: cost };
        if (cost === 0) break;
      }
      if (l.best) placed.push(l.best.box);
    });
    // Then move the labels and show or hide them, without reading the page in between. The
    // tooltip keeps the spot in its options, so that Leaflet puts it there again as it zooms.
    labels.forEach(function (l) {
      l.node.classList.toggle("nk-off", !l.best);
      if (!l.best) return;
      l.tip.options.direction = l.best.spot.direction;
      l.tip.options.offset = l.best.spot.offset;
      L.DomUtil.setPosition(l.node, S.map.containerPointToLayerPoint([l.best.box.left - frame.left, l.best.box.top - frame.top]));
    });
    placeCountryNames(placed, dots, controls, frame, size);
    // How many times labels were placed (a test waits for the next pass after a zoom).
    S.placements = (S.placements || 0) + 1;
    container.setAttribute("data-labels-placed", String(S.placements));
  }

  // ---- country names ---------------------------------------------------------------------

  function buildCountryNames() {
    const pane = S.map.getPane("nkCountryNames");
    S.items.forEach(function (item) {
      if (item.layer.shows !== "countries") return;
      const name = asText((item.f.properties || {}).name);
      const g = item.f.geometry;
      if (!name || !g) return;
      const polygons = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
      // Outer rings only, as [lat, lng].
      const parts = polygons.map(function (poly) {
        return poly[0].map(function (c) { return [c[1], c[0]]; });
      });
      if (!parts.length) return;
      const node = el("div", "nk-country nk-off", name);
      node.setAttribute("aria-hidden", "true");
      pane.appendChild(node);
      S.countryNames.push({ node: node, name: name, parts: parts });
    });
  }

  // A polygon (container pixels) clipped to a rectangle (Sutherland-Hodgman).
  function clipToRect(points, x0, y0, x1, y1) {
    const edges = [
      function (p) { return p[0] >= x0; }, function (p) { return p[0] <= x1; },
      function (p) { return p[1] >= y0; }, function (p) { return p[1] <= y1; },
    ];
    const cut = [
      function (a, b) { const t = (x0 - a[0]) / (b[0] - a[0]); return [x0, a[1] + t * (b[1] - a[1])]; },
      function (a, b) { const t = (x1 - a[0]) / (b[0] - a[0]); return [x1, a[1] + t * (b[1] - a[1])]; },
      function (a, b) { const t = (y0 - a[1]) / (b[1] - a[1]); return [a[0] + t * (b[0] - a[0]), y0]; },
      function (a, b) { const t = (y1 - a[1]) / (b[1] - a[1]); return [a[0] + t * (b[0] - a[0]), y1]; },
    ];
    let out = points;
    for (let e = 0; e < 4 && out.length; e++) {
      const input = out;
      out = [];
      for (let i = 0; i < input.length; i++) {
        const cur = input[i];
        const prev = input[(i + input.length - 1) % input.length];
        const inCur = edges[e](cur);
        const inPrev = edges[e](prev);
        if (inCur) {
          if (!inPrev) out.push(cut[e](prev, cur));
          out.push(cur);
        } else if (inPrev) {
          out.push(cut[e](prev, cur));
        }
      }
    }
    return out;
  }

  function ringArea(r) {
    let a = 0;
    for (let i = 0, j = r.length - 1; i < r.length; j = i++) a += (r[j][0] + r[i][0]) * (r[j][1] - r[i][1]);
    return Math.abs(a / 2);
  }

  function inside(rings, x, y) {
    let hit = false;
    rings.forEach(function (r) {
      for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
        if ((r[i][1] > y) !== (r[j][1] > y) && x < ((r[j][0] - r[i][0]) * (y - r[i][1])) / (r[j][1] - r[i][1]) + r[i][0]) hit = !hit;
      }
    });
    return hit;
  }

  function edgeDistance(rings, x, y) {
    let best = Infinity;
    rings.forEach(function (r) {
      for (let i = 0, j = r.length - 1; i < r.length; j = i++) {
        const ax = r[j][0], ay = r[j][1], dx = r[i][0] - ax, dy = r[i][1] - ay;
        const len = dx * dx + dy * dy;
        const t = len ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / len)) : 0;
        const ex = ax + t * dx - x, ey = ay + t * dy - y;
        best = Math.min(best, ex * ex + ey * ey);
      }
    });
    return Math.sqrt(best);
  }

  // The mapped region's outer rings in container pixels, for the current view.
  function regionRings() {
    const g = S.data.region;
    if (!g) return [];
    const polygons = g.type === "Polygon" ? [g.coordinates] : g.type === "MultiPolygon" ? g.coordinates : [];
    return polygons.map(function (poly) {
      return poly[0].map(function (c) {
        const p = S.map.latLngToContainerPoint([c[1], c[0]]);
        return [p.x, p.y];
      });
    });
  }

  // Each country in view is named inside the part of it on screen, as far from that part's
  // edges as its name allows, after the towns and clear of them, of the map's controls and of
  // the other names; the largest part on screen is named first.
  function placeCountryNames(placed, dots, controls, frame, size) {
    if (!S.countryNames.length) return;
    const pad = 8;
    const taken = placed.concat(controls);
    dots.forEach(function (d) { taken.push(d.box); });
    const shown = [];
    S.countryNames.forEach(function (c) {
      const rings = [];
      let area = 0;
      c.parts.forEach(function (part) {
        const pts = part.map(function (ll) {
          const p = S.map.latLngToContainerPoint(ll);
          return [p.x, p.y];
        });
        const clipped = clipToRect(pts, pad, pad, size.x - pad, size.y - pad);
        if (clipped.length < 3) return;
        const a = ringArea(clipped);
        if (a < 1) return;
        rings.push(clipped);
        area += a;
      });
      c.node.classList.add("nk-off");
      if (rings.length) shown.push({ c: c, rings: rings, area: area });
    });
    shown.sort(function (a, b) { return b.area - a.area; });
    // The land whose control the atlas maps gets no country's name over it.
    const region = regionRings();
    const offRegion = function (pts) {
      return !region.length || pts.every(function (p) { return !inside(region, p[0], p[1]); });
    };
    shown.forEach(function (s) {
      const node = s.c.node;
      const w = s.c.w;
      const h = s.c.h;
      if (!w || s.area < w * h * 1.5) return;
      // Candidate centres on a grid over the visible part, those farthest from its edges first.
      let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
      s.rings.forEach(function (r) {
        r.forEach(function (p) { x0 = Math.min(x0, p[0]); x1 = Math.max(x1, p[0]); y0 = Math.min(y0, p[1]); y1 = Math.max(y1, p[1]); });
      });
      const cell = Math.max(8, Math.sqrt(((x1 - x0) * (y1 - y0)) / 200));
      const candidates = [];
      for (let y = y0 + cell / 2; y < y1; y += cell) {
        for (let x = x0 + cell / 2; x < x1; x += cell) {
          if (!inside(s.rings, x, y)) continue;
          const d = edgeDistance(s.rings, x, y);
          if (d >= h / 2 + 2) candidates.push([x, y, d]);
        }
      }
      candidates.sort(function (a, b) { return b[2] - a[2]; });
      const corners = function (x, y) {
        return [[x - w / 2, y - h / 2], [x + w / 2, y - h / 2], [x - w / 2, y + h / 2], [x + w / 2, y + h / 2], [x, y - h / 2], [x, y + h / 2]];
      };
      for (let i = 0; i < candidates.length && i < 80; i++) {
        const x = candidates[i][0];
        const y = candidates[i][1];
        const box = { left: frame.left + x - w / 2, right: frame.left + x + w / 2, top: frame.top + y - h / 2, bottom: frame.top + y + h / 2 };
        if (taken.some(function (b) { return overlaps(box, b, 3); })) continue;
        const around = corners(x, y);
        if (!around.every(function (p) { return inside(s.rings, p[0], p[1]); })) continue;
        if (!offRegion(around.concat([[x, y]]))) continue;
        L.DomUtil.setPosition(node, S.map.containerPointToLayerPoint([Math.round(x - w / 2), Math.round(y - h / 2)]));
        node.classList.remove("nk-off");
        taken.push(box);
        return;
      }
    });
  }

  // ---- set-up ----------------------------------------------------------------------------

  // Keep the view over the base map: panning stops at its edges, and zooming out stops where
  // the base map would no longer fill the window (unless the region itself needs more room).
  function keepInFrame() {
    const f = S.data.frame;
    if (!f) return;
    const frame = L.latLngBounds([f[1], f[0]], [f[3], f[2]]);
    const least = Math.min(S.map.getBoundsZoom(frame, true), S.map.getBoundsZoom(S.regionBounds));
    S.map.setMinZoom(Math.max(6, Math.floor(least * 2) / 2));
    S.map.setMaxBounds(frame);
  }

  // The look shared with the print maps (nkmap.present.style), applied where the page's markup and
  // style sheet hold it: the sea behind the map and the corridor's hatching.
  function paintLook(data) {
    document.getElementById("map").style.background = data.look.colours.sea;
    document.documentElement.style.setProperty("--nk-warning", data.look.colours.warning);
    const hatch = document.querySelector("#nk-hatch rect");
    if (hatch) hatch.setAttribute("fill", data.colours.russian_peacekeepers);
    const stroke = document.querySelector("#nk-hatch line");
    if (stroke) stroke.setAttribute("stroke", data.look.colours.hatch_edge);
  }

  // The payload's shape this page reads (nkmap.webmap.payload.PAYLOAD_SCHEMA).
  const SCHEMA = 3;
  // The one way this page reads a day from the dates (see indexOf).
  const SAMPLING = "asof";

  function load(data, version) {
    if (!data || data.schema !== SCHEMA || data.sampling !== SAMPLING) {
      setStatus("This map's data is of another version than the page: reload the page.");
      return;
    }
    S.data = data;
    S.version = version;
    paintLook(data);
    S.need = null;
    const b = data.bbox; // west, south, east, north
    const bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
    S.map = L.map("map", { zoomSnap: 0.5, maxBounds: bounds.pad(1.5), minZoom: 6, attributionControl: true });
    readTiles(data.tiles);
    S.map.attributionControl.setPrefix(data.tiles.library);
    S.map.attributionControl.addAttribution(data.tiles.offline.attribution);
    // Plain text in the payload: escaped by the browser as the element's text.
    S.map.attributionControl.addAttribution(el("span", null, data.credit).outerHTML);
    [["nkBase", 250], ["nkA", 400], ["nkB", 401], ["nkBorders", 405], ["nkTop", 450], ["nkPlaces", 455], ["nkUser", 458], ["nkEvents", 460], ["nkLabels", 480]].forEach(function (p) {
      S.map.createPane(p[0]).style.zIndex = String(p[1]);
      S.renderers[p[0]] = L.svg({ pane: p[0], padding: 0.5 });
    });
    S.map.getPane("nkLabels").style.pointerEvents = "none";
    S.map.getPane("nkBorders").style.pointerEvents = "none";
    // Country names: below the towns' labels (nkLabels), above everything drawn.
    const names = S.map.createPane("nkCountryNames");
    names.style.zIndex = "470";
    names.style.pointerEvents = "none";
    S.regionBounds = bounds;
    S.map.fitBounds(bounds);
    keepInFrame();
    S.map.on("resize", function () {
      keepInFrame();
      fitLegend();
    });
    // Drawn on every date: the base map (nkmap.atlas.vocabulary.BASE_MAP) and the oblast's outline,
    // whose look follows the date.
    addFeatures(data.features, data.keys);
    S.complete = !data.keys;
    S.headFor = data.head_for || null;
    if (data.borders) {
      const opts = { pane: "nkBorders", renderer: S.renderers.nkBorders, interactive: false, fill: false };
      S.borders = L.featureGroup([
        L.geoJSON(data.borders, Object.assign({}, opts, { color: BORDER.band, weight: BORDER.bandWidth, opacity: BORDER.bandOpacity })),
        L.geoJSON(data.borders, Object.assign({}, opts, { color: BORDER.colour, weight: BORDER.width, opacity: 1 })),
      ]).addTo(S.map);
    }
    orderPlaces();
    buildCountryNames();
    buildLegend();
    buildBaseControl();
    buildDivider();
    L.control.scale({ position: "bottomright", imperial: false }).addTo(S.map);
    S.map.on("move", updateClip);
    S.map.on("moveend", function () {
      clearTimeout(S.viewTimer);
      S.viewTimer = setTimeout(function () { notify(0); }, 250);
      scheduleLabels();
    });
    // Country names are placed for a view: hidden while the map zooms, placed again after.
    S.map.on("zoomstart", function () { names.classList.add("nk-moving"); });
    S.map.on("zoomend", function () { names.classList.remove("nk-moving"); });
    buildTimeline();
    const slider = document.getElementById("slider");
    slider.addEventListener("input", function (e) { setDay(isoDay(Number(slider.value)), e, true); });
    slider.addEventListener("keydown", sliderKeys);
    // The years under the track pick a day too.
    const ticks = document.getElementById("ticks");
    function pickAt(e) {
      const r = ticks.getBoundingClientRect();
      if (!r.width) return;
      const share = Math.max(0, Math.min(1, (e.clientX - r.left) / r.width));
      setDay(isoDay(Math.round(S.t0 + share * (S.t1 - S.t0))), { type: "input", timeStamp: e.timeStamp }, true);
    }
    ticks.addEventListener("pointerdown", function (e) {
      ticks.setPointerCapture(e.pointerId);
      pickAt(e);
      e.preventDefault();
    });
    ticks.addEventListener("pointermove", function (e) {
      if (ticks.hasPointerCapture(e.pointerId)) pickAt(e);
    });
    document.getElementById("day").addEventListener("change", function (e) {
      if (e.target.value) setDay(e.target.value, e, true);
    });
    document.getElementById("speed").addEventListener("change", function (e) { setSpeed(Number(e.target.value)); });
    document.getElementById("prev").addEventListener("click", function (e) { step(-1, e); });
    document.getElementById("next").addEventListener("click", function (e) { step(1, e); });
    document.getElementById("play").addEventListener("click", togglePlay);
    document.addEventListener("keydown", function (e) { arrowKey(e, false); });
    listenToPage();
    if (!data.dates.length) setStatus("No dated layers in the atlas.");
    else setStatus("");
  }

  // Features of the payload, numbered by their place in the whole of it (``keys``; in order
  // when the payload came whole).
  function addFeatures(features, keys) {
    const always = new Set(S.data.base_map.concat(["oblast"]));
    features.forEach(function (f, i) {
      const k = keys ? keys[i] : i;
      const item = { f: f, layer: S.data.layers[f.layer], a: null, b: null };
      S.items[k] = item;
      const shows = item.layer.shows;
      if (shows === "events") S.events.push(k);
      else if (always.has(shows)) {
        if (shows === "places") S.places.push(k);
        if (shows === "oblast") S.oblast.push(k);
        show(item, "a", true);
      } else S.dated.push(k);
    });
  }

  // The rest of the payload: every change can be shown now, and one asked for meanwhile is.
  function addRest(rest) {
    Object.keys(rest.layers).forEach(function (i) { S.data.layers[Number(i)] = rest.layers[i]; });
    addFeatures(rest.features, rest.keys);
    S.dated.sort(function (a, b) { return a - b; });
    S.complete = true;
    const pending = S.pending;
    S.pending = null;
    setStatus("");
    if (S.compareArgs) setCompare(S.compareArgs);
    if (pending) setDate(pending.index, { type: "rest" }, pending.day);
  }

  // The index of the change in force on a day, by the rule the payload names (SAMPLING:
  // nkmap.atlas.dates.SAMPLING, the last change on or before the day); the first change for a
  // day before it, as nkmap.atlas.timeline.Timeline.snap.
  function indexOf(day) {
    const dates = S.data.dates;
    let low = 0;
    let high = dates.length; // the first change after the day lies in [low, high]
    while (low < high) {
      const mid = (low + high) >> 1;
      if (dates[mid].date <= day) low = mid + 1;
      else high = mid;
    }
    return Math.max(0, low - 1);
  }

  function relabel(names) {
    S.names = names;
    S.places.forEach(function (k) {
      const item = S.items[k];
      if (item.a) item.a.setTooltipContent(el("span", null, placeName(item.f.properties || {})));
    });
    scheduleLabels();
  }

  // A layer just previewed: zoom to it, so that it is not lost under the rest of the map.
  function focusOn(layerId) {
    let bounds = null;
    S.items.forEach(function (item) {
      if (item.layer.id !== layerId || !item.a) return;
      const b = item.a.getBounds ? item.a.getBounds() : L.latLngBounds([item.a.getLatLng()]);
      bounds = bounds ? bounds.extend(b) : b;
    });
    if (bounds && bounds.isValid()) S.map.fitBounds(bounds.pad(0.5), { maxZoom: 11 });
  }

  // A settlement the reader looked up: a marker, and who held it on each step along the slider.
  function setPlace(place) {
    const strip = document.getElementById("placestrip");
    if (S.placeMarker) { S.map.removeLayer(S.placeMarker); S.placeMarker = null; }
    strip.textContent = "";
    scheduleLabels();
    if (!place) {
      strip.hidden = true;
      document.getElementById("track").classList.remove("with-place");
      S.placeSeq = null;
      return;
    }
    S.placeMarker = L.circleMarker([place.lat, place.lon], {
      pane: "nkLabels", radius: 8, weight: 3, color: "#000000", fillColor: "#ffffff", fillOpacity: 0.9,
      className: "nk-place-marker"
    }).addTo(S.map);
    S.placeMarker.bindTooltip(el("span", null, String(place.label)), { permanent: true, direction: "top", offset: [0, -8] });
    const dates = S.data.dates;
    // One cell per change, as long on the track as the change was in force.
    (place.strip || []).forEach(function (controller, i) {
      const cell = document.createElement("span");
      if (dates[i]) {
        const from = percentOf(dayNumber(dates[i].date));
        const to = percentOf(dates[i + 1] ? dayNumber(dates[i + 1].date) : dayNumber(S.maxDay) + 1);
        cell.style.left = from.toFixed(3) + "%";
        cell.style.width = Math.max(0, to - from).toFixed(3) + "%";
      }
      const who = controller ? (S.data.short_labels[controller] || controller) : "not mapped";
      if (controller === "russian_peacekeepers") cell.style.background = S.data.colours.russian_peacekeepers;
      else cell.style.background = controller ? (S.data.colours[controller] || "#999999") : "#dddddd";
      if (dates[i]) cell.title = longDate(dates[i].date) + ": " + who;
      strip.appendChild(cell);
    });
    strip.setAttribute("role", "img");
    strip.setAttribute("aria-label", "Who held " + String(place.label) + " on each step of the time bar");
    strip.hidden = false;
    document.getElementById("track").classList.add("with-place");
    if (place.seq !== S.placeSeq) {
      S.placeSeq = place.seq;
      S.map.setView([place.lat, place.lon], Math.max(S.map.getZoom(), 11));
    }
  }

  function onArgs(args) {
    if (args.height && args.height !== S.height) {
      // The page fills the frame, whatever height the dashboard's page gives it in the end.
      S.height = args.height;
      send("streamlit:setFrameHeight", { height: args.height });
    }
    if (args.data) {
      if (S.data && S.version !== args.version) {
        location.reload(); // the atlas changed: start afresh, and ask for it again
        return;
      }
      if (!S.data) load(JSON.parse(args.data), args.version);
      if (!S.data) return;
    } else if (!S.data || S.version !== args.version) {
      if (S.need !== args.version) askForData(args.version);
      return;
    }
    if (args.rest && !S.complete) addRest(JSON.parse(args.rest));
    if (S.first) {
      if (args.view && args.view.length === 3) S.map.setView([args.view[0], args.view[1]], args.view[2]);
      setBase(args.base || "none", false);
    }
    if (args.names && args.names !== S.names) relabel(args.names);
    else if (S.first) relabel(args.names || "both");
    if (args.jump && args.jump.seq !== S.jumpSeq) {
      S.jumpSeq = args.jump.seq;
      setDay(args.jump.date, null, false);
    } else if (S.dateIndex < 0) {
      setDate(S.data.dates.length - 1, null);
    }
    if (args.focus && args.focus.seq !== S.focusSeq) {
      S.focusSeq = args.focus.seq;
      focusOn(args.focus.layer);
    }
    const placeKey = args.place ? args.place.id + "|" + args.place.seq : null;
    if (placeKey !== S.placeKey) {
      S.placeKey = placeKey;
      setPlace(args.place || null);
    }
    const key = args.compare ? args.compare.date + "|" + args.compare.for_date : null;
    if (key !== S.compareKey) {
      S.compareKey = key;
      setCompare(args.compare || null);
    }
    if (S.first) {
      S.first = false;
      // The rest of the payload is asked for once this date is painted.
      if (!S.complete) requestAnimationFrame(function () { setTimeout(askForRest, 0); });
      else notify(0);
    }
  }

  window.addEventListener("message", function (ev) {
    if (ev.source !== window.parent) return;
    const m = ev.data;
    if (!m || m.type !== "streamlit:render") return;
    try {
      onArgs(m.args || {});
    } catch (err) {
      setStatus("The map could not be drawn: " + err.message);
      throw err;
    }
  });

  const embedded = document.getElementById("nkmap-data");
  if (embedded) {
    const hash = /date=(\d{4}-\d{2}-\d{2})/.exec(location.hash);
    const day = hash ? hash[1] : embedded.getAttribute("data-date") || "9999-12-31";
    onArgs({ data: embedded.textContent, version: "embedded", names: "both", jump: { date: day, seq: 0 }, compare: null });
    // A link to another date of the same page (#date=...) moves the map there.
    window.addEventListener("hashchange", function () {
      const m = /date=(\d{4}-\d{2}-\d{2})/.exec(location.hash);
      if (m && S.day && m[1] !== S.day) setDay(m[1], null, false);
    });
  } else {
    send("streamlit:componentReady", { apiVersion: 1 });
  }
})();
