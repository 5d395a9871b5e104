// The problem report's map, a module of its own (map-<hash>.js) that the widget imports only
// when the municipality configured a tile server: Leaflet (https://leafletjs.com, BSD-2-Clause)
// showing the municipality's tiles, and one marker for the problem's place, put down by a
// click or a tap, dragged, or moved with the arrow keys. The typed coordinates stay the
// accessible way to give a place; the map is another.
import { Attribution } from "leaflet/src/control/Control.Attribution.js";
import { Zoom } from "leaflet/src/control/Control.Zoom.js";
import { LatLng } from "leaflet/src/geo/LatLng.js";
import { DivIcon } from "leaflet/src/layer/marker/DivIcon.js";
import { Marker } from "leaflet/src/layer/marker/Marker.js";
import { TileLayer } from "leaflet/src/layer/tile/TileLayer.js";
import { Map } from "leaflet/src/map/Map.js";
import "leaflet/src/map/handler/Map.DoubleClickZoom.js";
import "leaflet/src/map/handler/Map.Drag.js";
import "leaflet/src/map/handler/Map.TouchZoom.js";
import leafletStyles from "leaflet/dist/leaflet.css";

// Leaflet's own pictures (its default marker, the layer switcher) are never used: no url()
// is left in its styles, so the only images the map loads are the municipality's tiles.
const STYLES = `${leafletStyles.replace(/url\([^)]*\)/g, "none")}
.map{height:18rem;margin:.5rem 0;border:1px solid var(--tinget-border,#8a8a8a);border-radius:var(--_radius);z-index:0}
.map:focus-visible{outline:3px solid var(--tinget-focus,#ffbf47);outline-offset:2px}
.leaflet-container{font:inherit;font-size:.8rem;background:#e6e6e6}
.leaflet-control-attribution{background:#fff;color:#1a1a1a}
.leaflet-control-attribution a,.leaflet-container .leaflet-control-attribution a{color:#1a1a1a;text-decoration:underline}
.leaflet-bar a{color:#1a1a1a}
.tinget-marker span{position:absolute;left:0;top:0;width:20px;height:20px;box-sizing:border-box;
background:var(--_primary);border:3px solid #fff;border-radius:50% 50% 50% 0;transform:rotate(-45deg);
box-shadow:0 0 0 1px #1a1a1a}
`;

const MAX_ZOOM = 19;
const STEP = 10; // pixels an arrow key moves the marker (with Shift: five times as far)

let sheet = null;

const ENTITIES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escape = (value) => String(value ?? "").replace(/[&<>"']/g, (c) => ENTITIES[c]);

/** A map in ``element`` (inside the shadow ``root``) on the municipality's ``tiles``; each
 * place put down is told to ``onPick(latitude, longitude)``. Answers ``set`` (a place given
 * elsewhere: typed, or the browser's position), ``clear`` and ``remove``. */
export function mapPicker(root, element, { tiles, texts, onPick }) {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES);
  }
  if (!root.adoptedStyleSheets.includes(sheet)) root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
  const map = new Map(element, {
    center: [tiles.latitude, tiles.longitude],
    zoom: tiles.zoom,
    maxZoom: MAX_ZOOM,
    keyboard: false, // the arrow keys move the marker (below), not the map
    zoomControl: false,
    attributionControl: false,
  });
  new Zoom({ zoomInTitle: texts.zoomIn, zoomOutTitle: texts.zoomOut }).addTo(map);
  // The attribution is the municipality's plain text, shown as text (Leaflet writes markup).
  new Attribution({ prefix: false }).addTo(map);
  new TileLayer(tiles.tile_url, { maxZoom: MAX_ZOOM, attribution: escape(tiles.attribution) }).addTo(map);
  element.tabIndex = 0;
  element.setAttribute("role", "application");
  element.setAttribute("aria-roledescription", texts.map);
  element.setAttribute("aria-label", texts.map);

  const icon = new DivIcon({ className: "tinget-marker", html: "<span></span>", iconSize: [20, 20], iconAnchor: [10, 24] });
  let marker = null;

  function put(latlng, { told = true, pan = false } = {}) {
    const wrapped = latlng.wrap();
    if (!marker) {
      marker = new Marker(wrapped, { icon, draggable: true, keyboard: false, autoPan: true }).addTo(map);
      marker.on("dragend", () => put(marker.getLatLng()));
    } else {
      marker.setLatLng(wrapped);
    }
    if (pan === "centre") map.panTo(wrapped);
    else if (pan) map.panInside(wrapped, { padding: [40, 40] });
    if (told) onPick(wrapped.lat, wrapped.lng);
  }

  map.on("click", (event) => put(event.latlng));
  element.addEventListener("keydown", (event) => {
    const moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
    const move = moves[event.key];
    if (move) {
      event.preventDefault();
      if (!marker) {
        put(map.getCenter());
        return;
      }
      const step = event.shiftKey ? STEP * 5 : STEP;
      const at = map.latLngToContainerPoint(marker.getLatLng()).add([move[0] * step, move[1] * step]);
      put(map.containerPointToLatLng(at), { pan: true });
    } else if (event.key === "+" || event.key === "=") {
      event.preventDefault();
      map.zoomIn();
    } else if (event.key === "-") {
      event.preventDefault();
      map.zoomOut();
    }
  });
  // the map sizes itself again when its box changes (the widget's page laid out anew)
  const resized = new ResizeObserver(() => map.invalidateSize());
  resized.observe(element);

  return {
    set(latitude, longitude) {
      if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return;
      if (Math.abs(latitude) > 90 || Math.abs(longitude) > 180) return;
      put(new LatLng(latitude, longitude), { told: false, pan: "centre" });
    },
    clear() {
      marker?.remove();
      marker = null;
    },
    remove() {
      resized.disconnect();
      map.remove();
    },
  };
}
