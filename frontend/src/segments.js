// The segment builder: groups of conditions (all / any, nested), each a field, a comparison and a value,
// drawn from the catalogue the page carries; the definition is kept as JSON in the form's hidden input,
// and every change asks the server for the live count (or what is wrong, shown at the faulty rule).

const MAX_DEPTH = 4;

function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else if (value !== false && value !== undefined && value !== null) node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child) node.appendChild(child);
  return node;
}

function readJson(id) {
  const node = document.getElementById(id);
  return node ? JSON.parse(node.textContent) : null;
}

function initBuilder(root) {
  if (root.dataset.ready) return;
  root.dataset.ready = "1";
  const catalogue = readJson("segment-catalogue") || [];
  const words = readJson("segment-words") || {};
  const byKey = Object.fromEntries(catalogue.map((c) => [c.key, c]));
  const input = document.querySelector(root.dataset.input);
  const countNode = document.querySelector("[data-segment-count]");
  const form = root.closest("form");
  let definition = readJson("segment-definition") || { match: "all", rules: [] };
  let errors = readJson("segment-errors") || {};
  let timer = null;

  function blankRule() {
    const first = catalogue[0];
    return { field: first.key, op: first.ops[0].op, value: defaultValue(first, first.ops[0].op) };
  }

  function defaultValue(criterion, op) {
    if (["empty", "not_empty"].includes(op)) return undefined;
    if (criterion.value === "flag") return true;
    if (["choice", "set", "has", "bought", "pick"].includes(criterion.value)) return [];
    if (op === "between") return ["", ""];
    return "";
  }

  function needsDays(criterion, op) {
    if (criterion.period === "required") return true;
    if (criterion.value === "bought") return ["within_days", "older_days"].includes(op);
    return false;
  }

  function changed() {
    input.value = JSON.stringify(definition);
    draw();
    clearTimeout(timer);
    timer = setTimeout(preview, 350);
  }

  async function preview() {
    if (!countNode) return;
    const body = new FormData();
    body.append("kind", root.dataset.kind);
    body.append("definition", input.value);
    body.append("csrfmiddlewaretoken", form.querySelector("[name=csrfmiddlewaretoken]").value);
    countNode.textContent = "…";
    const response = await fetch(root.dataset.preview, { method: "POST", body, headers: { "X-Requested-With": "fetch" } });
    const answer = await response.json().catch(() => ({}));
    errors = {};
    if (response.ok) {
      countNode.textContent = Number(answer.count).toLocaleString(document.documentElement.lang || "ru");
    } else {
      countNode.textContent = "—";
      for (const error of answer.errors || []) (errors[error.field] ||= []).push(error.message);
    }
    draw();
  }

  // A rule's messages, each named by the part of the rule it is about when the rule has several.
  function errorsAt(path) {
    const found = [];
    const names = { value: words.value, days: words.period, op: words.comparison, field: words.field };
    for (const [field, messages] of Object.entries(errors)) {
      if (field === path || field.startsWith(`${path}.`)) {
        const part = names[field.slice(path.length + 1)];
        found.push(...messages.map((m) => (part ? `${part}: ${m}` : m)));
      }
    }
    return found;
  }

  function fieldSelect(rule) {
    const select = el("select", { class: "form-select form-select-sm", "aria-label": words.field, "data-rule-field": "" });
    const groups = {};
    for (const criterion of catalogue) {
      if (!groups[criterion.group]) {
        groups[criterion.group] = el("optgroup", { label: criterion.group });
        select.appendChild(groups[criterion.group]);
      }
      groups[criterion.group].appendChild(el("option", { value: criterion.key, text: criterion.label, selected: criterion.key === rule.field }));
    }
    select.addEventListener("change", () => {
      const criterion = byKey[select.value];
      rule.field = criterion.key;
      rule.op = criterion.ops[0].op;
      rule.value = defaultValue(criterion, rule.op);
      delete rule.days;
      changed();
    });
    return select;
  }

  function opSelect(rule, criterion) {
    const select = el("select", { class: "form-select form-select-sm", "aria-label": words.comparison, "data-rule-op": "" });
    for (const { op, label } of criterion.ops) select.appendChild(el("option", { value: op, text: label, selected: op === rule.op }));
    select.addEventListener("change", () => {
      const before = rule.op;
      rule.op = select.value;
      const sameShape = !["between", "empty", "not_empty", "within_days", "older_days", "next_days"].some((o) => [before, rule.op].includes(o));
      if (!sameShape || criterion.value === "bought") rule.value = defaultValue(criterion, rule.op);
      changed();
    });
    return select;
  }

  function textInput(value, onInput, attrs = {}) {
    const node = el("input", { class: "form-control form-control-sm", value: value ?? "", ...attrs });
    node.addEventListener("input", () => {
      onInput(node.value);
      input.value = JSON.stringify(definition);
      clearTimeout(timer);
      timer = setTimeout(preview, 500);
    });
    return node;
  }

  function valueInput(rule, criterion) {
    const op = rule.op;
    if (["empty", "not_empty"].includes(op)) return null;
    const kind = criterion.value;
    if (kind === "flag") {
      const select = el("select", { class: "form-select form-select-sm", "aria-label": words.value, "data-rule-value": "" }, [
        el("option", { value: "true", text: words.yes, selected: rule.value === true }),
        el("option", { value: "false", text: words.no, selected: rule.value === false }),
      ]);
      select.addEventListener("change", () => {
        rule.value = select.value === "true";
        changed();
      });
      return select;
    }
    if (["choice", "set", "has", "bought", "pick"].includes(kind) || (criterion.options || []).length) {
      const chosen = new Set((Array.isArray(rule.value) ? rule.value : []).map(String));
      const select = el("select", { class: "form-select form-select-sm", multiple: true, size: Math.min(4, Math.max(2, criterion.options.length)), "aria-label": words.value, "data-rule-value": "" });
      for (const option of criterion.options) select.appendChild(el("option", { value: String(option.value), text: option.label, selected: chosen.has(String(option.value)) }));
      select.addEventListener("change", () => {
        const values = Object.fromEntries(criterion.options.map((o) => [String(o.value), o.value]));
        rule.value = [...select.selectedOptions].map((o) => values[o.value]);
        changed();
      });
      return select;
    }
    const type = kind === "date" && !["within_days", "older_days", "next_days"].includes(op) ? "date" : "text";
    const mode = type === "text" && kind !== "text" ? "decimal" : null;
    if (op === "between") {
      const pair = Array.isArray(rule.value) ? rule.value : ["", ""];
      rule.value = pair;
      return el("div", { class: "d-flex gap-1 align-items-center" }, [
        textInput(pair[0], (v) => (pair[0] = v), { type, inputmode: mode, "aria-label": words.from, "data-rule-value": "" }),
        el("span", { text: "–" }),
        textInput(pair[1], (v) => (pair[1] = v), { type, inputmode: mode, "aria-label": words.to }),
      ]);
    }
    const days = ["within_days", "older_days", "next_days"].includes(op);
    const field = textInput(rule.value, (v) => (rule.value = v), { type, inputmode: days ? "numeric" : mode, "aria-label": words.value, "data-rule-value": "" });
    return days ? el("div", { class: "input-group input-group-sm" }, [field, el("span", { class: "input-group-text", text: words.days })]) : field;
  }

  function daysInput(rule, criterion) {
    if (!needsDays(criterion, rule.op) && criterion.period !== "optional") return null;
    const optional = !needsDays(criterion, rule.op);
    const field = textInput(rule.days ?? "", (v) => {
      if (v === "" && optional) delete rule.days;
      else rule.days = v;
    }, { inputmode: "numeric", placeholder: optional ? words.anyTime : "", "aria-label": words.period, "data-rule-days": "" });
    return el("div", { class: "input-group input-group-sm" }, [el("span", { class: "input-group-text", text: words.inLast }), field, el("span", { class: "input-group-text", text: words.days })]);
  }

  function drawRule(rule, path, parent, index) {
    const criterion = byKey[rule.field];
    const problems = errorsAt(path);
    if (!criterion) {
      return el("div", { class: "segment-rule text-danger", "data-rule": path }, [
        el("span", { text: words.unknown }),
        el("button", { type: "button", class: "btn btn-sm btn-ghost-danger ms-2", text: "×", "aria-label": words.remove, onclick: () => { parent.rules.splice(index, 1); changed(); } }),
      ]);
    }
    const row = el("div", { class: `segment-rule${problems.length ? " is-invalid" : ""}`, "data-rule": path }, [
      fieldSelect(rule),
      opSelect(rule, criterion),
      valueInput(rule, criterion),
      daysInput(rule, criterion),
      el("button", { type: "button", class: "btn btn-sm btn-ghost-danger", text: "×", title: words.remove, "aria-label": words.remove, "data-remove-rule": "", onclick: () => { parent.rules.splice(index, 1); changed(); } }),
    ]);
    if (problems.length) row.appendChild(el("div", { class: "invalid-feedback d-block w-100", text: problems.join(" ") }));
    return row;
  }

  function drawGroup(group, path, depth, parent, index) {
    const match = el("select", { class: "form-select form-select-sm w-auto", "aria-label": words.match, "data-group-match": "" }, [
      el("option", { value: "all", text: words.all, selected: group.match !== "any" }),
      el("option", { value: "any", text: words.any, selected: group.match === "any" }),
    ]);
    match.addEventListener("change", () => {
      group.match = match.value;
      changed();
    });
    const head = el("div", { class: "d-flex align-items-center gap-2 mb-2" }, [el("span", { text: words.matchPrefix }), match, el("span", { text: words.matchSuffix })]);
    if (parent) {
      head.appendChild(el("button", { type: "button", class: "btn btn-sm btn-ghost-danger ms-auto", text: words.removeGroup, onclick: () => { parent.rules.splice(index, 1); changed(); } }));
    }
    const body = el("div", { class: "d-flex flex-column gap-2" });
    group.rules.forEach((rule, i) => {
      const where = `${path}.${i}`;
      body.appendChild("rules" in rule ? drawGroup(rule, `${where}.rules`, depth + 1, group, i) : drawRule(rule, where, group, i));
    });
    const actions = el("div", { class: "d-flex gap-2 mt-2" }, [
      el("button", { type: "button", class: "btn btn-sm", text: `+ ${words.addCondition}`, "data-add-rule": "", onclick: () => { group.rules.push(blankRule()); changed(); } }),
      depth < MAX_DEPTH - 1
        ? el("button", { type: "button", class: "btn btn-sm btn-ghost-secondary", text: `+ ${words.addGroup}`, "data-add-group": "", onclick: () => { group.rules.push({ match: "any", rules: [blankRule()] }); changed(); } })
        : null,
    ]);
    const problems = errors[path] || [];
    return el("div", { class: parent ? "segment-group card card-body p-2" : "segment-group", "data-group": path }, [
      head,
      body,
      actions,
      problems.length ? el("div", { class: "invalid-feedback d-block", text: problems.join(" ") }) : null,
    ]);
  }

  function draw() {
    root.replaceChildren(drawGroup(definition, "rules", 0, null, 0));
  }

  if (!catalogue.length) return;
  input.value = JSON.stringify(definition);
  draw();
  preview();
}

export function initBuilders(scope) {
  scope.querySelectorAll("[data-segment-builder]").forEach(initBuilder);
}
