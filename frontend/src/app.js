// The whole front end: Tabler's behaviours, HTMX for partial updates, Alpine for small state.
import "@tabler/core/dist/js/tabler.min.js";
import htmx from "htmx.org";
import Alpine from "alpinejs";

window.htmx = htmx;

// Django's CSRF token rides on every HTMX request.
document.addEventListener("htmx:configRequest", (event) => {
  const token = document.querySelector("meta[name=csrf-token]")?.content;
  if (token) event.detail.headers["X-CSRFToken"] = token;
});

// Ctrl+K (or Cmd+K) opens global search from any page.
Alpine.data("searchPalette", () => ({
  open: false,
  active: 0,
  init() {
    window.addEventListener("keydown", (e) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "k") {
        e.preventDefault();
        this.show();
      } else if (e.key === "Escape" && this.open) {
        this.open = false;
      }
    });
  },
  show() {
    this.open = true;
    this.active = 0;
    this.$nextTick(() => this.$refs.input.focus());
  },
  items() {
    return Array.from(this.$root.querySelectorAll("[data-hit]"));
  },
  move(step) {
    const items = this.items();
    if (!items.length) return;
    this.active = (this.active + step + items.length) % items.length;
    items.forEach((el, i) => el.classList.toggle("active", i === this.active));
  },
  go() {
    const item = this.items()[this.active];
    if (item) window.location = item.getAttribute("href");
  },
}));

// A repeatable row group (phones, e-mails, messengers) inside a form.
Alpine.data("rows", (initial) => ({
  rows: initial,
  add(row) {
    this.rows.push(row);
  },
  remove(index) {
    this.rows.splice(index, 1);
  },
}));

window.Alpine = Alpine;
Alpine.start();
