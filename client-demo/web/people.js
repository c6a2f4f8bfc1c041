// Who is here: the member list, with each member's role badge, a participant's own
// "hide their messages" choice, and (through a hook) the facilitator's member controls.

import { $, button, el, timeOf } from "./dom.js";
import { isMe, isParticipant, keyOf, muteOf, nameOf, request, state } from "./state.js";
import { applyHidden } from "./talk.js";

const ORDER = { facilitator: 0, clinician: 1 };
const BADGES = { facilitator: "facilitator", clinician: "on-call professional" };

let memberTools = null; // the console's buttons for one member, when a facilitator
export function setMemberTools(fn) {
  memberTools = fn;
  renderMembers();
}

// Re-rendering must not lose the person's place: the control that had focus (named by
// its data-key) gets it back.
export function keepingFocus(container, render) {
  const active = document.activeElement;
  const key = active && container.contains(active) ? active.dataset.key : null;
  render();
  if (key) {
    const again = container.querySelector(`[data-key="${CSS.escape(key)}"]`);
    if (again && !again.disabled) again.focus();
  }
}

// Another participant's messages can be hidden by this participant, for themselves.
const hideable = (m) =>
  isParticipant() && !!m.handle && !isMe(m) && !Object.hasOwn(ORDER, m.role);

function hideButton(handle, name) {
  const hiding = state.hidden.includes(handle);
  const b = button(hiding ? `Show ${name}'s messages` : `Hide ${name}'s messages`, () => {
    b.disabled = true;
    const sent = request(
      { type: hiding ? "unhide" : "hide", member: handle },
      {
        done: () => {}, // the `hidden` notice that follows redraws the list
        fail: (e) => {
          b.disabled = false;
          $("people-state").textContent =
            e.code === "forbidden" ? `${name}'s messages cannot be hidden.` : `That did not work (${e.code}); please try again.`;
        },
      },
    );
    if (!sent) b.disabled = false;
  }, "small");
  b.dataset.key = `${hiding ? "unhide" : "hide"}:${handle}`;
  b.setAttribute("aria-pressed", String(hiding));
  return b;
}

function memberItem(m) {
  const li = el("li", "member");
  li.dataset.name = m.name;
  li.dataset.role = m.role;
  if (m.handle) li.dataset.handle = m.handle;
  const line = el("p", "member-line");
  line.append(el("span", "who", m.name));
  if (BADGES[m.role]) line.append(" ", el("span", "badge", BADGES[m.role]));
  if (isMe(m)) line.append(" ", el("span", "quiet", "(you)"));
  const mute = m.handle ? muteOf(m.handle) : undefined;
  if (mute !== undefined && (isMe(m) || !isParticipant())) {
    line.append(
      " ",
      el("span", "muted-tag", mute === null ? "muted" : `muted until ${timeOf(mute)}`),
    );
  }
  if (m.handle && state.hidden.includes(m.handle)) {
    line.append(" ", el("span", "quiet", "(hidden for you)"));
  }
  li.append(line);
  // a facilitator's controls for everyone but facilitators (a clinician may be removed)
  if (memberTools && m.handle && !isMe(m) && m.role !== "facilitator") memberTools(li, m);
  return li;
}

export function renderMembers() {
  const ul = $("members");
  const people = [...state.members.values()].sort((a, b) => {
    const ra = ORDER[a.role] ?? 2;
    const rb = ORDER[b.role] ?? 2;
    return ra === rb ? a.name.localeCompare(b.name) : ra - rb;
  });
  keepingFocus(ul, () => ul.replaceChildren(...people.map(memberItem)));
  $("people-count").textContent = `(${people.length})`;
  renderHideChoices();
}

// A participant's choice of whose messages to hide, for themselves: the others present,
// and those hidden who are not here now (so the choice can always be undone).
function renderHideChoices() {
  const box = $("hide-box");
  const present = [...state.members.values()].filter(hideable).sort((a, b) => a.name.localeCompare(b.name));
  const here = new Set(present.map((m) => m.handle));
  const away = state.hidden.filter((h) => !here.has(h)).map((handle) => ({ handle, name: nameOf(handle) }));
  const choices = [...present, ...away];
  box.hidden = !isParticipant() || choices.length === 0;
  const ul = $("hide-list");
  keepingFocus(ul, () =>
    ul.replaceChildren(
      ...choices.map((m) => {
        const li = el("li", "hide-choice");
        li.append(hideButton(m.handle, m.name));
        return li;
      }),
    ),
  );
}

export function setMembers(list) {
  state.members = new Map(list.map((m) => [keyOf(m), m]));
  for (const m of list) if (m.handle) state.names.set(m.handle, m.name);
  renderMembers();
}

export function onPresence(p) {
  const m = p.member;
  if (p.action === "join") {
    state.members.set(keyOf(m), m);
    if (m.handle) state.names.set(m.handle, m.name);
  } else state.members.delete(keyOf(m));
  renderMembers();
}

export function onHidden(handles) {
  state.hidden = [...handles];
  applyHidden();
  renderMembers();
}
