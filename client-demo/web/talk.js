// The message list: the circle's messages in id order, this person's own messages while
// they are on their way (sending, held, blocked), content warnings folded, notices.

import { $, button, el, timeEl } from "./dom.js";
import { isMe, remember, state } from "./state.js";

const log = $("log");
const list = $("messages");

// Decorates a delivered message's item (the facilitator console adds "Take out").
let tools = null;
export function setMessageTools(fn) {
  tools = fn;
}

// Keep the newest message in view only when the reader was already at the bottom.
function withScroll(change) {
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  change();
  if (atBottom) log.scrollTop = log.scrollHeight;
}

export function notice(message) {
  withScroll(() => list.append(el("li", "notice", message)));
}

const BADGES = { facilitator: "facilitator", clinician: "on-call professional" };

function header(name, role, ms, mine) {
  const head = el("p", "head");
  head.append(el("span", "who", name));
  if (BADGES[role]) head.append(" ", el("span", "badge", BADGES[role]));
  if (mine) head.append(" ", el("span", "quiet", "(you)"));
  head.append(" ", timeEl(ms, "time"));
  return head;
}

// The text, folded behind its content warning until the person opens it.
let foldSeq = 0;
// Only the circle's messages hold their words in `.text`; this person's own, on their
// way, in `.said` (they have no id yet, and are not the circle's).
function body(text, label, className = "text") {
  const para = el("p", className, text);
  if (!label) return [para];
  const seq = ++foldSeq;
  para.id = `fold-${seq}`;
  para.hidden = true;
  const warning = el("span", "cw-label", `Content warning: ${label}`);
  warning.id = `cw-${seq}`;
  const toggle = button(`Show message (${label})`, () => {
    const open = para.hidden;
    para.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = `${open ? "Hide" : "Show"} message (${label})`;
  }, "fold");
  toggle.setAttribute("aria-expanded", "false");
  toggle.setAttribute("aria-controls", para.id);
  const row = el("p", "cw");
  row.append(warning, " ", toggle);
  return [row, para];
}

// Words for this person alone, under their own message: quiet, and said to be private.
function addNote(li, note) {
  if (li.querySelector(".note")) return;
  const para = el("p", "note", note);
  para.prepend(el("span", "note-label", "Only you can see this: "));
  li.append(para);
}

// Where a message with this id goes: before the first later one, and before this
// person's own messages still on their way, which stay at the bottom.
function placeOf(id) {
  return (
    [...list.children].find(
      (node) => node.classList.contains("pending") || Number(node.dataset.id) > id,
    ) || null
  );
}

// A message of this person's own that the circle now has: its "Sending…" item goes, or
// its "held" one (approved while this page was away, so no `approved` came).
function dropOwnEcho(m) {
  const sameWords = (li) => {
    const say = li.say || {};
    return say.text === m.text && (say.cw || "") === (m.cw || "");
  };
  for (const [ref, li] of state.pending) {
    if (li.dataset.ack ? li.dataset.ack === String(m.id) : sameWords(li)) {
      state.pending.delete(ref);
      li.remove();
      return;
    }
  }
  for (const [ref, li] of state.held) {
    if (sameWords(li)) {
      state.held.delete(ref);
      li.remove();
      return;
    }
  }
}

export function showMessage(m) {
  // The resume point: anything at or below the highest id received was shown already
  // (a replay after a reconnect may repeat it); ids only grow within a circle.
  if (state.lastId !== null && m.id <= state.lastId) return;
  state.lastId = m.id;
  if (state.retracted.has(m.id)) return;
  remember(m);
  const mine = isMe(m);
  const li = el("li", mine ? "message mine" : "message");
  li.dataset.id = String(m.id);
  li.dataset.sender = m.name;
  if (m.handle) li.dataset.handle = m.handle;
  li.tabIndex = -1; // an alert's "Go to the message" can move focus here
  li.append(header(m.name, m.role, m.ts, mine), ...body(m.text, m.cw));
  if (state.notes.has(m.id)) addNote(li, state.notes.get(m.id));
  if (m.handle && state.hidden.includes(m.handle)) li.hidden = true;
  if (tools) tools(li, m);
  withScroll(() => {
    if (mine) dropOwnEcho(m);
    list.insertBefore(li, placeOf(m.id));
  });
}

export function showPending(ref, text, label) {
  const me = state.you || { name: "You", role: "participant" };
  const li = el("li", "message mine pending");
  li.dataset.sender = me.name;
  li.say = { text, cw: label };
  // this device's clock, until the circle's message (with the server's time) replaces it
  li.append(header(me.name, me.role, Date.now(), true), ...body(text, label, "said"));
  li.append(el("p", "outcome", "Sending…"));
  state.pending.set(ref, li);
  withScroll(() => list.append(li));
}

// An own message is answered: say what became of it, and stop keeping it at the bottom.
function settle(ref, words, className) {
  const li = state.pending.get(ref);
  state.outgoing.delete(ref);
  if (!li) return null;
  state.pending.delete(ref);
  li.classList.remove("pending");
  if (className) li.classList.add(className);
  li.querySelector(".outcome").textContent = words;
  return li;
}

function offerAgain(li) {
  const say = li.say;
  if (!say || li.querySelector(".again")) return;
  li.append(
    button("Put it back in the box", () => {
      const box = $("text");
      if (box.disabled) return;
      box.value = say.text;
      $("cw").value = say.cw || "";
      box.focus();
    }, "link again"),
  );
}

export function onAck(frame, note) {
  if (note) {
    // kept by id, so the words stay under the message once it shows
    state.notes.set(frame.id, note);
    const shown =
      list.querySelector(`li.message[data-id="${frame.id}"]:not(.pending)`) ||
      state.pending.get(frame.ref);
    if (shown) addNote(shown, note);
  }
  const li = state.pending.get(frame.ref);
  state.outgoing.delete(frame.ref);
  if (!li) return;
  if (state.lastId !== null && frame.id <= state.lastId) {
    // the message itself came first and is shown in its place
    state.pending.delete(frame.ref);
    li.remove();
  } else {
    li.dataset.ack = String(frame.id); // the message itself, with this id, replaces it
    li.querySelector(".outcome").textContent = "Sent.";
  }
}

export function onHeld(frame) {
  const li = settle(
    frame.ref,
    "Not shared yet: held for a facilitator, who reads it first.",
    "held",
  );
  if (!li) return;
  li.append(el("p", "reason", frame.reason));
  state.held.set(frame.ref, li);
}

export function onBlocked(frame) {
  const li = settle(frame.ref, "Not shared with anyone.", "blocked");
  if (!li) return;
  li.append(el("p", "reason", frame.reason));
  offerAgain(li);
}

// Shared after all: the message itself is already shown in the circle's order.
export function onApproved(frame) {
  const li = state.held.get(frame.ref);
  state.held.delete(frame.ref);
  if (li) li.remove();
}

export function onRejected(frame) {
  const li = state.held.get(frame.ref);
  state.held.delete(frame.ref);
  if (!li) {
    notice(frame.reason);
    return;
  }
  li.classList.replace("held", "rejected");
  li.querySelector(".outcome").textContent = "Not shared: a facilitator kept it from the circle.";
  li.querySelector(".reason").textContent = frame.reason;
}

// A say refused with an error: the person reads why, and finds the words back in the
// box when it is empty (else a button puts them back).
export function onSayRefused(ref, words) {
  const li = settle(ref, `Not sent: ${words}`, "failed");
  if (!li) return false;
  const box = $("text");
  if (li.say && !box.value.trim() && !box.disabled) {
    box.value = li.say.text;
    $("cw").value = li.say.cw || "";
    li.querySelector(".outcome").textContent += " Your words are back in the message box.";
  } else offerAgain(li);
  return true;
}

// The connection dropped: messages on their way wait for it, or are given up on.
export function onDisconnected(willReturn) {
  for (const [ref, li] of [...state.pending]) {
    if (willReturn) li.querySelector(".outcome").textContent = "Will be sent when the connection is back…";
    else onSayRefused(ref, "the connection ended.");
  }
}

export function onRetracted(id) {
  state.retracted.add(id);
  withScroll(() => {
    for (const item of list.querySelectorAll(`li.message[data-id="${id}"]:not(.pending)`)) {
      item.remove();
    }
  });
}

// Hidden members' messages stop arriving; those already shown fold away too, and come
// back on unhide.
export function applyHidden() {
  for (const li of list.querySelectorAll("li.message[data-handle]")) {
    li.hidden = state.hidden.includes(li.dataset.handle);
  }
}

// The circle's history was reset: ids start again. Own messages on their way stay.
export function resetList() {
  const onTheirWay = [...state.pending.values()];
  list.replaceChildren(...onTheirWay);
  state.lastId = null;
  state.notes.clear();
}

export function messageItem(id) {
  return list.querySelector(`li.message[data-id="${id}"]:not(.pending)`);
}
