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

  // Tile base maps, off by default: the offline vector base map is always drawn.
  const TILES = {
    none: { label: "Offline base map only" },
    osm: {
      label: "OpenStreetMap",
      url: "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
      maxZoom: 19,
      attribution:
        '&copy; <a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noopener noreferrer">OpenStreetMap</a> contributors',
    },
    topo: {
      label: "OpenTopoMap (terrain)",
      url: "https://{s}.tile.opentopomap.org/{z}/{x}/{y}.png",
      maxZoom: 17,
      attribution:
        'Map data: &copy; <a href="https://www.openstreetmap.org/copyright" target="_blank" rel="noopener noreferrer">OpenStreetMap</a> contributors, SRTM | Map style: &copy; <a href="https://opentopomap.org" target="_blank" rel="noopener noreferrer">OpenTopoMap</a> (CC-BY-SA)',
    },
    satellite: {
      label: "Esri World Imagery (satellite)",
      url: "https://server.arcgisonline.com/ArcGIS/rest/services/World_Imagery/MapServer/tile/{z}/{y}/{x}",
      maxZoom: 18,
      attribution:
        "Tiles &copy; Esri &mdash; Source: Esri, i-cubed, USDA, USGS, AEX, GeoEye, Getmapping, Aerogrid, IGN, IGP, UPR-EGP, and the GIS User Community",
    },
  };
  const OFFLINE_ATTRIBUTION =
    'Base map: <a href="https://www.naturalearthdata.com/" target="_blank" rel="noopener noreferrer">Natural Earth</a> (public domain); places: <a href="https://www.geonames.org/" target="_blank" rel="noopener noreferrer">GeoNames</a> (CC BY 4.0)';
  const ALWAYS = new Set(["countries", "rayons", "places", "oblast"]);

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
    return {
      date: S.data.dates[S.dateIndex] ? S.data.dates[S.dateIndex].date : null,
      view: [Number(c.lat.toFixed(4)), Number(c.lng.toFixed(4)), S.map.getZoom()],
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
        return { className: "nk-hatch", fillOpacity: 0.9, color: "#8c510a", weight: 1 };
      }
      return { fillColor: colour, fillOpacity: 0.55, color: "#ffffff", weight: 0.8 };
    }
    if (shows === "unmapped") {
      return Object.assign(lineStyle("unmapped"), { fill: true, fillOpacity: 1, className: "nk-dots" });
    }
    if (shows === "peacekeeping" || shows === "line_of_contact" || shows === "oblast") {
      return lineStyle(shows);
    }
    if (shows === "countries") {
      return { fillColor: "#f4f1ea", fillOpacity: S.base === "none" ? 1 : 0, color: "#8a8a8a", weight: 1 };
    }
    if (shows === "rayons") return { fill: false, color: "#b9b2a5", weight: 0.7 };
    // Layers of other things (as users add): a colour of their own, drawn above the towns.
    return { fillColor: S.data.other_colour, fillOpacity: 0.35, color: "#8e0152", weight: 2 };
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
        permanent: true, direction: "right", offset: [4, 0], className: "nk-label", pane: "nkLabels",
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
      function row(key, sw, text) {
        const r = el("div", "row");
        r.appendChild(sw);
        r.appendChild(el("span", null, text));
        rows[key] = r;
        box.appendChild(r);
      }
      Object.keys(S.data.colours).forEach(function (c) {
        row("control:" + c, swatch("fill", c === "russian_peacekeepers" ? "nk-hatch" : S.data.colours[c]), S.data.labels[c]);
      });
      row("unmapped", swatch("fill", "nk-dots"), S.data.line_labels.unmapped);
      ["peacekeeping", "line_of_contact", "oblast"].forEach(function (k) {
        row(k, swatch("line", S.data.lines[k]), S.data.line_labels[k]);
      });
      row("changed", swatch("line", S.data.lines.changed), S.data.line_labels.changed);
      row("other", swatch("fill", S.data.other_colour), "Other layers (click for their sources)");
      row("events", swatch("event"), "Events of this step (smaller: earlier events)");
      const note = el("div", "note", "");
      rows.note = note;
      box.appendChild(note);
      L.DomEvent.disableClickPropagation(outer);
      L.DomEvent.disableScrollPropagation(outer);
      return outer;
    };
    control.addTo(S.map);
    S.legendRows = rows;
  }

  function updateLegend(present) {
    Object.keys(S.legendRows).forEach(function (key) {
      if (key === "note") return;
      const on = present.has(key);
      S.legendRows[key].classList.toggle("absent", !on);
      S.legendRows[key].style.display = key === "changed" && !on ? "none" : "";
    });
    S.legendRows.note.textContent = present.has("approximate")
      ? "Lines drawn at this date are approximate: click an area for its sources and uncertainty."
      : "Click any area, line or place for its sources, dates and uncertainty.";
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
      S.tile = L.tileLayer(t.url, { maxZoom: t.maxZoom, attribution: t.attribution, subdomains: "abc" });
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
    if (report) notify(0);
  }

  // ---- time ------------------------------------------------------------------------------

  function setDate(index, source) {
    const dates = S.data.dates;
    if (!dates.length) return;
    index = Math.max(0, Math.min(dates.length - 1, index));
    const t0 = performance.now();
    S.dateIndex = index;
    const day = dates[index].date;
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
    const slider = document.getElementById("slider");
    slider.value = String(index);
    slider.setAttribute("aria-valuetext", longDate(day) + ": " + dates[index].label);
    document.getElementById("date").textContent = longDate(day);
    document.getElementById("label").textContent = dates[index].label;
    document.getElementById("label").title = dates[index].label;
    document.getElementById("map").setAttribute("data-date", day);
    showAreas(day);
    if (S.compare) updateClip();
    const script = performance.now() - t0;
    if (source && source.timeStamp !== undefined) {
      const inputAt = source.timeStamp;
      requestAnimationFrame(function () {
        requestAnimationFrame(function () {
          S.timings.push({ date: day, script_ms: script, input_to_paint_ms: performance.now() - inputAt });
        });
      });
    }
    if (source) notify(source.type === "input" ? 150 : 0);
    if (!IN_STREAMLIT && !S.first) history.replaceState(null, "", "#date=" + day);
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

  function step(delta, ev) {
    setDate(S.dateIndex + delta, ev || { type: "step" });
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
    S.playing = setInterval(function () {
      if (S.dateIndex >= S.data.dates.length - 1) { togglePlay(); return; }
      step(1, { type: "play" });
    }, 1400);
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
    S.items.forEach(function (item) { if (item.b) show(item, "b", false); });
    if (!compare) {
      S.compare = null;
      showTransfers();
      updateClip();
      setDate(S.dateIndex, null);
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
    setDate(S.dateIndex, null);
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

  function load(data, version) {
    S.data = data;
    S.version = version;
    S.need = null;
    const b = data.bbox; // west, south, east, north
    const bounds = L.latLngBounds([b[1], b[0]], [b[3], b[2]]);
    S.map = L.map("map", { zoomSnap: 0.5, maxBounds: bounds.pad(1.5), minZoom: 6, attributionControl: true });
    S.map.attributionControl.setPrefix('<a href="https://leafletjs.com" target="_blank" rel="noopener noreferrer">Leaflet</a>');
    S.map.attributionControl.addAttribution(OFFLINE_ATTRIBUTION);
    [["nkBase", 250], ["nkA", 400], ["nkB", 401], ["nkTop", 450], ["nkPlaces", 455], ["nkUser", 458], ["nkEvents", 460], ["nkLabels", 480]].forEach(function (p) {
      S.map.createPane(p[0]).style.zIndex = String(p[1]);
      S.renderers[p[0]] = L.svg({ pane: p[0], padding: 0.5 });
    });
    S.map.getPane("nkLabels").style.pointerEvents = "none";
    S.regionBounds = bounds;
    S.map.fitBounds(bounds);
    keepInFrame();
    S.map.on("resize", keepInFrame);
    data.features.forEach(function (f, k) {
      const item = { f: f, layer: data.layers[f.layer], a: null, b: null };
      S.items.push(item);
      const shows = item.layer.shows;
      if (shows === "events") S.events.push(k);
      else if (ALWAYS.has(shows)) {
        if (shows === "places") S.places.push(k);
        if (shows === "oblast") S.oblast.push(k);
        show(item, "a", true);
      } else S.dated.push(k);
    });
    buildLegend();
    buildBaseControl();
    buildDivider();
    L.control.scale({ position: "bottomright", imperial: false }).addTo(S.map);
    S.map.on("move", updateClip);
    S.map.on("moveend", function () {
      clearTimeout(S.viewTimer);
      S.viewTimer = setTimeout(function () { notify(0); }, 250);
    });
    const slider = document.getElementById("slider");
    slider.max = String(Math.max(0, data.dates.length - 1));
    slider.addEventListener("input", function (e) { setDate(Number(slider.value), e); });
    document.getElementById("prev").addEventListener("click", function (e) { step(-1, e); });
    document.getElementById("next").addEventListener("click", function (e) { step(1, e); });
    document.getElementById("play").addEventListener("click", togglePlay);
    document.addEventListener("keydown", function (e) {
      const tag = e.target && e.target.tagName;
      if (tag === "INPUT" || tag === "TEXTAREA" || e.target.getAttribute("role") === "slider") return;
      if (e.key === "ArrowLeft") { step(-1, e); e.preventDefault(); }
      if (e.key === "ArrowRight") { step(1, e); e.preventDefault(); }
    });
    if (!data.dates.length) setStatus("No dated layers in the atlas.");
    else setStatus("");
  }

  function indexOf(day) {
    const dates = S.data.dates;
    let found = 0;
    for (let i = 0; i < dates.length; i++) {
      if (dates[i].date <= day) found = i;
    }
    return found;
  }

  function relabel(names) {
    S.names = names;
    S.places.forEach(function (k) {
      const item = S.items[k];
      if (item.a) item.a.setTooltipContent(el("span", null, placeName(item.f.properties || {})));
    });
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
    if (!place) { strip.hidden = true; S.placeSeq = null; return; }
    S.placeMarker = L.circleMarker([place.lat, place.lon], {
      pane: "nkLabels", radius: 8, weight: 3, color: "#000000", fillColor: "#ffffff", fillOpacity: 0.9,
      className: "nk-place-marker"
    }).addTo(S.map);
    S.placeMarker.bindTooltip(el("span", null, String(place.label)), { permanent: true, direction: "top", offset: [0, -8] });
    const dates = S.data.dates;
    (place.strip || []).forEach(function (controller, i) {
      const cell = document.createElement("span");
      const who = controller ? (S.data.short_labels[controller] || controller) : "not mapped";
      if (controller === "russian_peacekeepers") cell.style.background = "#fdb863";
      else cell.style.background = controller ? (S.data.colours[controller] || "#999999") : "#dddddd";
      if (dates[i]) cell.title = longDate(dates[i].date) + ": " + who;
      strip.appendChild(cell);
    });
    strip.setAttribute("role", "img");
    strip.setAttribute("aria-label", "Who held " + String(place.label) + " on each step of the time bar");
    strip.hidden = false;
    if (place.seq !== S.placeSeq) {
      S.placeSeq = place.seq;
      S.map.setView([place.lat, place.lon], Math.max(S.map.getZoom(), 11));
    }
  }

  function onArgs(args) {
    if (args.height) {
      document.body.style.height = args.height + "px";
      send("streamlit:setFrameHeight", { height: args.height });
    }
    if (args.data) {
      if (S.data && S.version !== args.version) {
        location.reload(); // the atlas changed: start afresh, and ask for it again
        return;
      }
      if (!S.data) load(JSON.parse(args.data), args.version);
    } else if (!S.data || S.version !== args.version) {
      if (S.need !== args.version) askForData(args.version);
      return;
    }
    if (S.first) {
      if (args.view && args.view.length === 3) S.map.setView([args.view[0], args.view[1]], args.view[2]);
      setBase(args.base || "none", false);
    }
    if (args.names && args.names !== S.names) relabel(args.names);
    else if (S.first) relabel(args.names || "both");
    if (args.jump && args.jump.seq !== S.jumpSeq) {
      S.jumpSeq = args.jump.seq;
      setDate(indexOf(args.jump.date), null);
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
      notify(0);
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
      if (m && S.data.dates[S.dateIndex] && m[1] !== S.data.dates[S.dateIndex].date) setDate(indexOf(m[1]), null);
    });
  } else {
    send("streamlit:componentReady", { apiVersion: 1 });
  }
})();
