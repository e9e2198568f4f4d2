// Phone page for the Carerline Bot API emulator. Vanilla JS, no build step.
// Bot text is rendered from the visible text + Telegram entities by building DOM nodes,
// so nothing the bot (or a person) wrote is ever interpreted as HTML.
"use strict";

const API = "/_emulator";
const openPhones = new Map(); // user_id -> {root, abort, version}
let phoneCounter = 0;

function $(selector, root = document) {
  return root.querySelector(selector);
}

function setStatus(text) {
  $("#status").textContent = text;
}

async function api(path, options = {}) {
  const init = { ...options, headers: { "Content-Type": "application/json", ...(options.headers || {}) } };
  if (init.body && typeof init.body !== "string") init.body = JSON.stringify(init.body);
  const response = await fetch(API + path, init);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.error || `HTTP ${response.status}`);
  return body;
}

// ---- parents -----------------------------------------------------------------------

async function loadParents(selectUserId) {
  const users = await api("/users");
  const select = $("#parent-select");
  select.replaceChildren();
  for (const user of users) {
    const option = document.createElement("option");
    option.value = String(user.user_id);
    const name = [user.first_name, user.last_name].filter(Boolean).join(" ");
    option.textContent = `${name} (${user.language_code}, id ${user.user_id})`;
    select.append(option);
  }
  if (selectUserId !== undefined) select.value = String(selectUserId);
  if (!users.length) setStatus("No parents yet: add one below.");
  return users;
}

function saveOpenPhonesToHash() {
  const ids = [...openPhones.keys()];
  history.replaceState(null, "", ids.length ? `#open=${ids.join(",")}` : "#");
}

function openedFromHash() {
  const match = location.hash.match(/open=([-\d,]+)/);
  return match ? match[1].split(",").filter(Boolean).map(Number) : [];
}

// ---- rendering entities safely -----------------------------------------------------

function safeHref(url) {
  try {
    const parsed = new URL(url, location.href);
    return ["http:", "https:", "tg:", "mailto:"].includes(parsed.protocol) ? parsed.href : null;
  } catch {
    return null;
  }
}

function elementForEntity(entity) {
  switch (entity.type) {
    case "bold": return document.createElement("strong");
    case "italic": return document.createElement("em");
    case "underline": return document.createElement("u");
    case "strikethrough": return document.createElement("s");
    case "code": return document.createElement("code");
    case "pre": {
      const pre = document.createElement("pre");
      return pre;
    }
    case "blockquote":
    case "expandable_blockquote": return document.createElement("blockquote");
    case "spoiler": {
      const span = document.createElement("span");
      span.className = "spoiler";
      span.tabIndex = 0;
      span.setAttribute("role", "button");
      span.setAttribute("aria-label", "Spoiler, activate to reveal");
      const reveal = () => span.classList.add("revealed");
      span.addEventListener("click", reveal);
      span.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") reveal(); });
      return span;
    }
    case "text_link":
    case "url": {
      const href = safeHref(entity.url || "");
      if (!href && entity.type === "text_link") return document.createElement("span");
      const link = document.createElement("a");
      if (href) link.href = href;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      return link;
    }
    default: return document.createElement("span");
  }
}

// Offsets are UTF-16 code units, exactly like JavaScript string indices.
function renderFormatted(text, entities) {
  const fragment = document.createDocumentFragment();
  const sorted = (entities || [])
    .filter((e) => Number.isInteger(e.offset) && Number.isInteger(e.length) && e.length > 0)
    .sort((a, b) => a.offset - b.offset || b.length - a.length);

  function build(parent, start, end, list) {
    let position = start;
    let index = 0;
    while (index < list.length) {
      const entity = list[index];
      const entityStart = Math.max(entity.offset, position);
      const entityEnd = Math.min(entity.offset + entity.length, end);
      if (entityStart > position) parent.append(text.slice(position, entityStart));
      const nested = [];
      let next = index + 1;
      while (next < list.length && list[next].offset < entityEnd) nested.push(list[next++]);
      if (entityEnd > entityStart) {
        const element = elementForEntity(entity);
        build(element, entityStart, entityEnd, nested);
        parent.append(element);
        position = entityEnd;
      }
      index = next;
    }
    if (position < end) parent.append(text.slice(position, end));
  }

  build(fragment, 0, text.length, sorted);
  return fragment;
}

// ---- one phone ---------------------------------------------------------------------

const KIND_LABELS = {
  sticker: "🗒 Sticker", photo: "🖼 Photo", voice: "🎤 Voice note", video: "🎬 Video",
  video_note: "⏺ Round video", contact: "👤 Contact", location: "📍 Location", document: "📄 Document",
};

function describeNonText(message) {
  const label = KIND_LABELS[message.kind] || message.kind;
  const extra = message.extra || {};
  if (message.kind === "sticker" && extra.sticker) return `${label} ${extra.sticker.emoji || ""}`;
  if (message.kind === "location" && extra.location) {
    return `${label} ${extra.location.latitude}, ${extra.location.longitude}`;
  }
  if (message.kind === "contact" && extra.contact) return `${label} ${extra.contact.phone_number}`;
  return label;
}

function renderInlineKeyboard(phone, message) {
  const rows = (message.reply_markup && message.reply_markup.inline_keyboard) || [];
  if (!rows.length || message.deleted) return null;
  const keyboard = document.createElement("div");
  keyboard.className = "inline-keyboard";
  for (const row of rows) {
    const rowElement = document.createElement("div");
    rowElement.className = "keyboard-row";
    for (const button of row) {
      if (button.url) {
        const link = document.createElement("a");
        const href = safeHref(button.url);
        if (href) link.href = href;
        link.target = "_blank";
        link.rel = "noopener noreferrer";
        link.textContent = `${button.text} ↗`;
        rowElement.append(link);
      } else {
        const element = document.createElement("button");
        element.type = "button";
        element.textContent = button.text;
        if (button.callback_data !== undefined) {
          element.addEventListener("click", () => pressButton(phone, message.message_id, button.callback_data));
        } else {
          element.disabled = true;
        }
        rowElement.append(element);
      }
    }
    keyboard.append(rowElement);
  }
  return keyboard;
}

function renderMessage(phone, message) {
  const item = document.createElement("li");
  item.className = `bubble ${message.from_bot ? "bot" : "user"}${message.deleted ? " deleted" : ""}`;
  const who = document.createElement("span");
  who.className = "visually-hidden";
  who.textContent = message.from_bot ? "Bot: " : "You: ";
  item.append(who);
  if (message.deleted) {
    item.append("Message deleted");
  } else if (message.text !== null && message.text !== undefined) {
    item.append(renderFormatted(message.text, message.entities));
  } else {
    const label = document.createElement("strong");
    label.textContent = describeNonText(message);
    item.append(label);
    if (message.document && message.document.url) {
      item.append(" ");
      const link = document.createElement("a");
      link.href = message.document.url;
      link.textContent = `${message.document.filename} (${message.document.size} bytes)`;
      link.setAttribute("download", message.document.filename);
      item.append(link);
    } else if (message.document) {
      item.append(` ${message.document.filename}`);
    }
    if (message.caption) {
      item.append(document.createElement("br"));
      item.append(renderFormatted(message.caption, message.entities));
    }
  }
  const keyboard = renderInlineKeyboard(phone, message);
  if (keyboard) item.append(keyboard);
  const meta = document.createElement("span");
  meta.className = "meta";
  const time = new Date(message.date * 1000).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  meta.textContent = `#${message.message_id} · ${time}${message.edit_count ? " · edited" : ""}`;
  item.append(meta);
  return item;
}

function renderReplyKeyboard(phone, messages) {
  const area = $(".reply-keyboard", phone.root);
  area.replaceChildren();
  let markup = null;
  for (const message of messages) {
    const candidate = message.from_bot && message.reply_markup;
    if (candidate && (candidate.keyboard || candidate.remove_keyboard)) markup = candidate;
  }
  if (!markup || !markup.keyboard) {
    area.hidden = true;
    return;
  }
  area.hidden = false;
  for (const row of markup.keyboard) {
    const rowElement = document.createElement("div");
    rowElement.className = "keyboard-row";
    for (const button of row) {
      const text = typeof button === "string" ? button : button.text;
      const element = document.createElement("button");
      element.type = "button";
      element.textContent = text;
      element.addEventListener("click", () => sendText(phone, text));
      rowElement.append(element);
    }
    area.append(rowElement);
  }
}

function showToast(phone, answers) {
  const latest = answers[answers.length - 1];
  if (!latest || latest.query_id === phone.lastAnswerId) return;
  phone.lastAnswerId = latest.query_id;
  const toast = $(".toast", phone.root);
  if (!latest.text) return;
  toast.textContent = latest.text;
  toast.classList.toggle("alert", Boolean(latest.show_alert));
  toast.hidden = false;
  clearTimeout(phone.toastTimer);
  phone.toastTimer = setTimeout(() => { toast.hidden = true; }, latest.show_alert ? 8000 : 3500);
}

function renderSnapshot(phone, snapshot) {
  const chat = $(".chat", phone.root);
  const nearBottom = chat.scrollHeight - chat.scrollTop - chat.clientHeight < 80;
  chat.replaceChildren(...snapshot.messages.map((message) => renderMessage(phone, message)));
  if (nearBottom) chat.scrollTop = chat.scrollHeight;
  renderReplyKeyboard(phone, snapshot.messages);
  showToast(phone, snapshot.callback_answers);
  const user = snapshot.user;
  $(".phone-subtitle", phone.root).textContent =
    `${user.language_code} · ${user.blocked_bot ? "bot blocked" : user.has_started ? "started" : "not started"}`;
  $(".block-toggle", phone.root).textContent = user.blocked_bot ? "Unblock bot" : "Block bot";
  phone.blocked = user.blocked_bot;
}

async function pollPhone(phone) {
  while (!phone.abort.signal.aborted) {
    try {
      const response = await fetch(
        `${API}/chats/${phone.userId}/messages?after_version=${phone.version}&timeout=25`,
        { signal: phone.abort.signal },
      );
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      const snapshot = await response.json();
      if (snapshot.version !== phone.version || phone.version < 0) renderSnapshot(phone, snapshot);
      phone.version = snapshot.version;
    } catch (error) {
      if (phone.abort.signal.aborted) return;
      setStatus(`Connection problem (${error.message}); retrying…`);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}

async function sendText(phone, text) {
  try {
    await api(`/chats/${phone.userId}/send`, { method: "POST", body: { text } });
  } catch (error) {
    setStatus(`Could not send: ${error.message}`);
  }
}

async function pressButton(phone, messageId, callbackData) {
  try {
    await api(`/chats/${phone.userId}/press`, {
      method: "POST", body: { message_id: messageId, callback_data: callbackData },
    });
  } catch (error) {
    setStatus(`Button press failed: ${error.message}`);
  }
}

async function sendOther(phone, kind) {
  try {
    await api(`/chats/${phone.userId}/${kind}`, { method: "POST", body: {} });
  } catch (error) {
    setStatus(`Could not send ${kind}: ${error.message}`);
  }
}

async function toggleBlock(phone) {
  try {
    await api(`/users/${phone.userId}/block`, { method: "POST", body: { blocked: !phone.blocked } });
  } catch (error) {
    setStatus(`Could not change block state: ${error.message}`);
  }
}

function openPhone(user, { replaceOthers }) {
  if (replaceOthers) for (const userId of [...openPhones.keys()]) closePhone(userId);
  if (openPhones.has(user.user_id)) {
    $("textarea", openPhones.get(user.user_id).root).focus();
    return;
  }
  const root = $("#phone-template").content.firstElementChild.cloneNode(true);
  const phone = { userId: user.user_id, root, abort: new AbortController(), version: -1, lastAnswerId: null };
  const name = [user.first_name, user.last_name].filter(Boolean).join(" ");
  const titleId = `phone-title-${++phoneCounter}`;
  root.setAttribute("aria-labelledby", titleId);
  $(".phone-title", root).id = titleId;
  $(".phone-title", root).textContent = name;
  $(".chat", root).setAttribute("aria-label", `Conversation of ${name} with the bot`);
  const textarea = $("textarea", root);
  textarea.id = `composer-${phoneCounter}`;
  $(".composer label", root).htmlFor = textarea.id;
  $(".composer label", root).textContent = `Message from ${name}`;
  $(".close-phone", root).setAttribute("aria-label", `Close chat of ${name}`);
  $(".close-phone", root).addEventListener("click", () => closePhone(user.user_id));
  $(".composer", root).addEventListener("submit", (event) => {
    event.preventDefault();
    const text = textarea.value;
    if (!text.trim()) return;
    textarea.value = "";
    sendText(phone, text);
  });
  textarea.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      $(".composer", root).requestSubmit();
    }
  });
  for (const button of root.querySelectorAll("[data-kind]")) {
    button.addEventListener("click", () => sendOther(phone, button.dataset.kind));
  }
  $(".block-toggle", root).addEventListener("click", () => toggleBlock(phone));
  $("#phones").append(root);
  openPhones.set(user.user_id, phone);
  saveOpenPhonesToHash();
  pollPhone(phone);
  textarea.focus();
}

function closePhone(userId) {
  const phone = openPhones.get(userId);
  if (!phone) return;
  phone.abort.abort();
  phone.root.remove();
  openPhones.delete(userId);
  saveOpenPhonesToHash();
}

// ---- wiring ------------------------------------------------------------------------

async function openSelected(replaceOthers) {
  const userId = Number($("#parent-select").value);
  const users = await api("/users");
  const user = users.find((candidate) => candidate.user_id === userId);
  if (user) openPhone(user, { replaceOthers });
}

async function init() {
  $("#open-form").addEventListener("submit", (event) => {
    event.preventDefault();
    openSelected(true).catch((error) => setStatus(error.message));
  });
  $("#open-side-by-side").addEventListener("click", () => {
    openSelected(false).catch((error) => setStatus(error.message));
  });
  $("#add-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const firstName = form.elements.first_name.value.trim();
    if (!firstName) return;
    try {
      const user = await api("/users", {
        method: "POST", body: { first_name: firstName, language_code: form.elements.language_code.value },
      });
      form.reset();
      await loadParents(user.user_id);
      openPhone(user, { replaceOthers: false });
      setStatus(`Added ${user.first_name}. Send /start to begin.`);
    } catch (error) {
      setStatus(`Could not add parent: ${error.message}`);
    }
  });
  try {
    const users = await loadParents();
    for (const userId of openedFromHash()) {
      const user = users.find((candidate) => candidate.user_id === userId);
      if (user) openPhone(user, { replaceOthers: false });
    }
  } catch (error) {
    setStatus(`Emulator not reachable: ${error.message}`);
  }
}

document.addEventListener("DOMContentLoaded", init);
