// Small DOM helpers shared by the page's modules. Text from the network only ever goes
// through textContent (el's third argument, or .textContent), never innerHTML.

export const $ = (id) => document.getElementById(id);

export function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined && text !== null) node.textContent = String(text);
  return node;
}

// A plain button: type "button" so it never submits a form by accident.
export function button(label, onClick, className) {
  const node = el("button", className, label);
  node.type = "button";
  if (onClick) node.addEventListener("click", onClick);
  return node;
}

// A labelled field: the label's `for` points at the control, so every control has a name.
let fieldSeq = 0;
export function labelled(labelText, control, className) {
  control.id ||= `field-${++fieldSeq}`;
  const label = el("label", className, labelText);
  label.htmlFor = control.id;
  return label;
}

export function uid(prefix) {
  return `${prefix}-${++fieldSeq}`;
}

export function timeOf(ms) {
  const date = new Date(ms);
  return Number.isNaN(date.getTime())
    ? "--:--"
    : date.toLocaleTimeString([], { hour: "numeric", minute: "2-digit" });
}

// A <time> element: the clock for people, the exact instant for machines.
export function timeEl(ms, className) {
  const node = el("time", className, timeOf(ms));
  const date = new Date(ms);
  if (!Number.isNaN(date.getTime())) node.dateTime = date.toISOString();
  return node;
}

// "4:12", "1:04:12": what is left of a countdown, in whole seconds, never negative.
export function clockLeft(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

// What a risk level means, in words a facilitator reads at a glance.
export const RISK_WORDS = {
  none: "no risk read",
  distress: "distress",
  passive_ideation: "passive thoughts of death",
  active_ideation: "thoughts of suicide",
  imminent: "may be in danger now",
};

export const riskWords = (risk) => RISK_WORDS[risk] || risk || "";
