// <tinget-problem-report dialog="…">: a problem at a place (the browser's position, a point
// on the map when the municipality configured one, or latitude and longitude typed in), with
// an optional photo uploaded through the API's image endpoint. The map (Leaflet, with the
// municipality's tiles) is a module of its own, loaded only then: without a configured tile
// server the widget loads no map and no tiles from anyone.
import { Widget, brandingOnce, define, escape } from "./common.js";

/* global __TINGET_MAP__ */
// the map's module, beside this script on the municipality's host (named by the build)
const MAP_MODULE = new URL(__TINGET_MAP__, import.meta.url).href;

class ProblemReport extends Widget {
  async start() {
    const id = this.idOf("dialog");
    this.dialog = await this.call("GET", `/api/v1/dialogs/${id}`);
    const number = 'inputmode="decimal" autocomplete="off"';
    const photo = this.dialog.settings.images
      ? this.field("image", this.t("photo"), {
          type: "file",
          attrs: 'accept="image/jpeg,image/png,image/webp"',
        })
      : "";
    this.show(`
      <h2 id="${this.id("h")}" part="heading">${escape(this.getAttribute("heading") || this.dialog.title)}</h2>
      <form novalidate aria-labelledby="${this.id("h")}">
        ${this.field("title", this.t("reportTitle"))}
        ${this.field("body", this.t("reportBody"), { tag: "textarea" })}
        <fieldset aria-describedby="${this.id("place")}-error"><legend>${this.t("field_place")}</legend>
          <button type="button" class="secondary locate" part="button">${this.t("useMyPosition")}</button>
          <div class="map-slot"></div>
          <div class="row"><div>${this.field("place.latitude", this.t("field_latitude"), { attrs: number })}</div>
          <div>${this.field("place.longitude", this.t("field_longitude"), { attrs: number })}</div></div>
          ${this.field("place.address", this.t("field_address"), { attrs: 'autocomplete="street-address"' })}
          <p class="error" id="${this.id("place")}-error" data-field="place" aria-live="assertive"></p>
        </fieldset>
        ${photo}
        <button type="submit" part="button">${this.t("send")}</button>
      </form>
      <p class="status" role="status" aria-live="polite"></p>`);
    this.form.addEventListener("submit", (event) => this.send(event));
    this.box.querySelector(".locate").addEventListener("click", () => this.locate());
    for (const name of ["place.latitude", "place.longitude"]) {
      this.input(name).addEventListener("change", () => this.typed());
    }
    const tiles = (await brandingOnce(this.language))?.map;
    if (tiles) await this.showMap(tiles);
  }

  /** The map to pick the place on, above the typed coordinates (which stay, and stay the
   * same place as the marker). Should its module not load, the fields are there as before. */
  async showMap(tiles) {
    const slot = this.box.querySelector(".map-slot");
    const help = this.id("map-help");
    slot.innerHTML = `<div class="map" aria-describedby="${help}"></div>
      <p class="help" id="${help}">${this.t("mapHelp")}</p>
      <p class="visually-hidden" aria-live="polite"></p>`;
    try {
      const { mapPicker } = await import(MAP_MODULE);
      this.map = mapPicker(this.root, slot.querySelector(".map"), {
        tiles,
        texts: { map: this.t("mapLabel"), zoomIn: this.t("zoomIn"), zoomOut: this.t("zoomOut") },
        onPick: (latitude, longitude) => this.picked(latitude, longitude),
      });
    } catch {
      slot.innerHTML = "";
      this.map = null;
    }
  }

  /** A place put down on the map: into the fields, and said to a screen reader. */
  picked(latitude, longitude) {
    const [lat, lon] = [latitude.toFixed(6), longitude.toFixed(6)];
    this.input("place.latitude").value = lat;
    this.input("place.longitude").value = lon;
    this.box.querySelector(".map-slot [aria-live]").textContent = this.t("placeChosen", { lat, lon });
  }

  /** Coordinates typed in (or filled by the browser's position): the marker follows. */
  typed() {
    const given = this.place();
    if (given && typeof given.latitude === "number" && typeof given.longitude === "number") {
      this.map?.set(given.latitude, given.longitude);
    }
  }

  input(name) {
    return this.form.elements[name];
  }

  locate() {
    if (!navigator.geolocation) {
      this.say(this.t("noPosition"));
      return;
    }
    this.say(this.t("locating"));
    navigator.geolocation.getCurrentPosition(
      (position) => {
        this.input("place.latitude").value = position.coords.latitude.toFixed(6);
        this.input("place.longitude").value = position.coords.longitude.toFixed(6);
        this.typed();
        this.say("");
      },
      () => this.say(this.t("noPosition")),
      { enableHighAccuracy: true, timeout: 15000 },
    );
  }

  place() {
    const [lat, lon, address] = ["latitude", "longitude", "address"].map((n) =>
      this.input(`place.${n}`).value.trim().replace(",", "."),
    );
    if (!lat && !lon) return undefined;
    const number = (v) => (v === "" || Number.isNaN(Number(v)) ? v || null : Number(v));
    return { latitude: number(lat), longitude: number(lon), ...(address ? { address } : {}) };
  }

  async send(event) {
    event.preventDefault();
    this.clearErrors();
    const button = this.form.querySelector("button[type=submit]");
    this.busy(button, true);
    try {
      const body = { body: this.input("body").value, place: this.place() };
      const title = this.input("title").value.trim();
      if (title) body.title = title;
      const file = this.input("image")?.files?.[0];
      if (file) {
        this.say(this.t("uploading"));
        try {
          const image = await this.call("POST", "/api/v1/images", { raw: file, type: file.type, auth: true });
          body.image = image.id;
        } catch (error) {
          if (error.problem) error.problem.field = "image"; // the upload's body is the photo
          throw error;
        }
      }
      const post = await this.call("POST", `/api/v1/dialogs/${this.dialog.id}/posts`, { body, auth: true });
      this.form.reset();
      this.map?.clear();
      const pending = post.status === "pending" ? ` ${this.t("pending")}` : "";
      this.say(this.t("reported") + pending);
      this.dataset.post = post.id;
    } catch (error) {
      this.fail(error);
    } finally {
      this.busy(button, false);
    }
  }
}
define("tinget-problem-report", ProblemReport);
