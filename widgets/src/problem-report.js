// <tinget-problem-report dialog="…">: a problem at a place (the browser's position, or
// latitude and longitude typed in: no map tiles from anyone), with an optional photo uploaded
// through the API's image endpoint.
import { Widget, define, escape } from "./common.js";

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
