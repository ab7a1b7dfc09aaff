// The whole front end: Tabler's behaviours, HTMX for partial updates, Alpine for small state.
import "@tabler/core/dist/js/tabler.min.js";
import htmx from "htmx.org";
// Alpine's CSP build: it parses the templates' expressions itself, so the Content-Security-Policy needs no
// 'unsafe-eval'; what an expression cannot do (touch the DOM, declare variables) lives in components here.
import Alpine from "@alpinejs/csp";
import { initBoards } from "./board.js";
import { initBuilders } from "./segments.js";

window.htmx = htmx;
// No attribute evaluates code (hx-on, js: values, trigger filters): nothing for an injected attribute to run.
htmx.config.allowEval = false;

// A form refused by the server (422: the fields and their errors, re-rendered) is swapped in like a
// success, so the person sees what to fix; HTMX 2 swaps no 4xx by default, and the page then showed
// nothing at all. Any other failure says so in the notice bar: nothing fails silently.
htmx.config.responseHandling = [
  { code: "204", swap: false },
  { code: "[23]..", swap: true },
  { code: "422", swap: true, error: false },
  { code: "[45]..", swap: false, error: true },
];

function notice(text) {
  const bar = document.getElementById("failure-notice");
  if (!bar) return;
  bar.querySelector("[data-text]").textContent = text;
  bar.hidden = false;
}

document.addEventListener("htmx:responseError", (event) => {
  const bar = document.getElementById("failure-notice");
  const status = event.detail.xhr.status;
  const key = status === 403 ? "forbidden" : status === 404 ? "missing" : status === 413 ? "tooBig" : "failed";
  notice(`${bar?.dataset[key] || bar?.dataset.failed || "Error"} (${status})`);
});
document.addEventListener("click", (event) => {
  if (event.target.closest("[data-close-notice]")) document.getElementById("failure-notice").hidden = true;
});
document.addEventListener("htmx:sendError", () => {
  notice(document.getElementById("failure-notice")?.dataset.offline || "No connection");
});

// Behaviours the pages ask for by attribute (the Content-Security-Policy allows no inline handlers):
// a form that asks before it is sent, a repeated row's remove button, a field selected when clicked.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset?.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
  // An export takes the list's filters as the address shows them now (filtering updates it in place).
  const filters = event.target.querySelector("input[data-current-query]");
  if (filters) filters.value = window.location.search.replace(/^\?/, "");
});
document.addEventListener("click", (event) => {
  // "Save these filters as a segment": the list's filters as the address shows them now.
  const save = event.target.closest("a[data-with-current-query]");
  if (save) {
    const query = window.location.search.replace(/^\?/, "");
    if (query) save.href = `${save.dataset.withCurrentQuery}&${query}`;
  }
  // "Add a phone": the row template just before the button, copied into the list before the template,
  // its NEW placeholders given a fresh key.
  const add = event.target.closest("[data-add-row]");
  if (add) {
    const template = add.previousElementSibling;
    const row = template.content.cloneNode(true);
    const key = `n${Date.now()}`;
    row.querySelectorAll("[value=NEW]").forEach((input) => (input.value = key));
    template.previousElementSibling.appendChild(row);
  }
  const remove = event.target.closest("[data-remove-row]");
  if (remove) remove.closest("[data-row]")?.remove();
  const select = event.target.closest("[data-select-on-focus]");
  if (select) select.select();
});

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

// The company field of a card: typing clears the chosen company and shows the matches; a match chosen
// fills both the visible name and the hidden id.
Alpine.data("companyPicker", () => ({
  open: false,
  typed() {
    this.$refs.companyId.value = "";
    this.open = true;
  },
  choose() {
    const choice = this.$event.currentTarget;
    this.$refs.companyId.value = choice.dataset.id;
    this.$root.querySelector("[name=company_q]").value = choice.dataset.name;
  },
}));

// The client of a deal: a person or a company found by name, phone, e-mail or INN; a choice fills the
// hidden id of its kind and shows it as a badge that can be removed.
Alpine.data("clientPicker", () => ({
  open: false,
  typed() {
    this.open = true;
  },
  choose() {
    const choice = this.$event.currentTarget;
    const kind = choice.dataset.kind === "company" ? "company" : "contact";
    (kind === "company" ? this.$refs.companyId : this.$refs.contactId).value = choice.dataset.id;
    const chosen = this.$root.querySelector("[data-testid=chosen-client]");
    chosen.querySelector(`[data-chosen=${kind}]`)?.remove();
    const badge = document.createElement("span");
    badge.className = kind === "company" ? "badge bg-azure-lt" : "badge bg-blue-lt";
    badge.dataset.chosen = kind;
    badge.textContent = choice.dataset.name;
    chosen.appendChild(badge);
    this.$root.querySelector("[name=client_q]").value = "";
  },
  clear() {
    const kind = this.$event.target.closest("[data-kind]").dataset.kind;
    (kind === "company" ? this.$refs.companyId : this.$refs.contactId).value = "";
    this.$event.target.closest("[data-chosen]").remove();
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

// Deal boards: on the first page load and in whatever HTMX swaps in later.
document.addEventListener("DOMContentLoaded", () => initBoards(document, notice));
document.addEventListener("DOMContentLoaded", () => initBuilders(document));
document.addEventListener("htmx:load", (event) => initBoards(event.detail.elt, notice));

// Rows chosen in a list: the bar of bulk changes shows while any is chosen; "all on the page" chooses
// every row shown (rows swapped in by the filters start unchosen).
function updateSelection() {
  const chosen = document.querySelectorAll("[data-select-row]:checked").length;
  document.querySelectorAll("[data-selection-bar]").forEach((bar) => {
    bar.hidden = chosen === 0;
    bar.querySelector("[data-selection-count]").textContent = String(chosen);
  });
}
document.addEventListener("change", (event) => {
  if (event.target.matches("[data-select-page]")) {
    document.querySelectorAll("[data-select-row]").forEach((box) => (box.checked = event.target.checked));
  }
  if (event.target.matches("[data-select-page], [data-select-row]")) updateSelection();
});
document.addEventListener("htmx:afterSwap", updateSelection);
