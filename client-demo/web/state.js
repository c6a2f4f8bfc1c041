// What the page knows about the circle, shared by its modules, and the one way to send.

export const state = {
  socket: null, // the current socket, connecting or open
  ws: null, // the same socket once welcomed, else null
  lastId: null, // highest message id received: the resume point
  epoch: null,
  welcomed: false, // ever, on this page
  you: null, // Member, from welcome.you
  members: new Map(), // key (handle, or "name:" + name) -> Member, present now
  names: new Map(), // handle -> display name, of everyone ever seen (for alerts, hidden)
  mutes: new Map(), // handle -> until (epoch ms, server time) or null (until lifted)
  hidden: [], // handles whose messages this participant hides
  controls: { locked: false, paused: false, slow: 0 },
  phase: null, // {phase, opens_at, closes_at}
  skew: 0, // server clock minus this device's, from the last phase.at
  rules: null, // {text, version} until accepted
  slowUntil: 0, // server time until which slow mode keeps this person waiting
  ended: null, // {code, text} once the connection ended for good
  retracted: new Set(),
  notes: new Map(), // message id -> words for this person alone (ack.note, redacted.reason)
  pending: new Map(), // ref -> li of an own message not yet confirmed
  outgoing: new Map(), // ref -> say frame, sent again with the same ref after a reconnect
  held: new Map(), // ref -> li of an own message held for a facilitator
  requests: new Map(), // ref -> {done(frame), fail(error)} for commands and requests
  // refs never repeat for this member (a repeated ref means "the same say again"), so
  // each page load gets its own random prefix
  refPrefix: Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) =>
    b.toString(16).padStart(2, "0"),
  ).join(""),
  refSeq: 0,
};

export const nextRef = () => `${state.refPrefix}-${++state.refSeq}`;

export const serverNow = () => Date.now() + state.skew;

export const role = () => (state.you ? state.you.role : null);
export const isFacilitator = () => role() === "facilitator";
export const isClinician = () => role() === "clinician";
// Anyone else (a participant, or a role this page does not know yet) is treated alike.
export const isParticipant = () => !!state.you && !isFacilitator() && !isClinician();

export const keyOf = (member) => (member.handle ? member.handle : `name:${member.name}`);
export const isMe = (member) =>
  !!(state.you && member && member.handle && member.handle === state.you.handle);

export function nameOf(handle) {
  return (handle && state.names.get(handle)) || "a member";
}

export function remember(member) {
  if (member && member.handle && member.name) state.names.set(member.handle, member.name);
}

// The mute in effect for a handle, if it has not run out (a mute that runs out is not
// announced: its end was said).
export function muteOf(handle) {
  if (!state.mutes.has(handle)) return undefined;
  const until = state.mutes.get(handle);
  if (until === null || until > serverNow()) return until;
  state.mutes.delete(handle);
  return undefined;
}

export function send(frame) {
  const ws = state.ws;
  if (!ws || ws.readyState !== WebSocket.OPEN) return false;
  ws.send(JSON.stringify(frame));
  return true;
}

// Send a command or request whose answer (done, heard or an error with its ref) goes to
// the given callbacks. Returns false when not connected: nothing was sent.
export function request(frame, { done, fail } = {}) {
  const ref = nextRef();
  const sent = send({ ...frame, ref });
  if (sent) state.requests.set(ref, { done: done || (() => {}), fail: fail || (() => {}) });
  return sent;
}

// Forget requests whose answer will never come (the connection closed): each is told.
export function dropRequests() {
  const open = [...state.requests.values()];
  state.requests.clear();
  for (const r of open) r.fail({ code: "unavailable", detail: "the connection closed" });
}

// A tiny event bus, so modules re-render without importing each other in a circle.
const listeners = new Map();
export function on(name, fn) {
  if (!listeners.has(name)) listeners.set(name, []);
  listeners.get(name).push(fn);
}
export function emit(name, ...args) {
  for (const fn of listeners.get(name) || []) fn(...args);
}
