// The /verify page: read a QR code (camera or photo), ask verifier.js for the verdict, show it
// in the page's language. Also opened by the service worker for a /v/... address when the
// network fails: then the QR code's own address (with its signed fragment) is checked at once.
import {verdictFor} from "./verifier.js";

const root = document.getElementById("verifier");
const locale = root.dataset.locale;
const progress = document.getElementById("verifier-progress");
const resultBox = document.getElementById("verifier-result");
const video = document.getElementById("verifier-video");
const scanButton = document.getElementById("verifier-scan");
const stopButton = document.getElementById("verifier-stop");
const fileInput = document.getElementById("verifier-file");
const offlineNote = document.getElementById("verifier-offline");

let words = {};
let keysDoc = null, statusDoc = null;

// --- words -------------------------------------------------------------------------------------

function fill(text, params) {
  return text.replace(/%\((\w+)\)s/g, function (whole, name) {
    return Object.prototype.hasOwnProperty.call(params, name) ? formatParam(name, params[name])
      : whole;
  });
}

function formatParam(name, value) {
  if (/^\d{4}-\d{2}-\d{2}$/.test(String(value))) { return formatDate(value); }
  return String(value);
}

function formatDate(iso) {
  const [year, month, day] = iso.split("-").map(Number);
  const when = new Date(Date.UTC(year, month - 1, day));
  try {
    return new Intl.DateTimeFormat(locale.replace("_", "-"),
                                   {dateStyle: "long", timeZone: "UTC"}).format(when);
  } catch (error) {
    return iso;
  }
}

function say(key, params) { return fill(words[key] || key, params || {}); }

async function loadWords() {
  const base = root.dataset.catalogues;
  for (const name of [locale, "en"]) {
    try {
      const response = await fetch(base + name + ".json");
      if (response.ok) { words = await response.json(); return; }
    } catch (error) { /* offline and not kept: the next one */ }
  }
}

// --- the registry's data (through the service worker, which keeps a copy) --------------------

// The status list says when it was made (signed, so a kept copy cannot pass for a fresh one):
// verifier.js names its age from that.
async function fetchJson(url) {
  try {
    const response = await fetch(url, {cache: "no-store"});
    return response.ok ? await response.json() : null;
  } catch (error) {
    return null;
  }
}

async function loadData() {
  [keysDoc, statusDoc] = await Promise.all([fetchJson(root.dataset.keysUrl),
                                            fetchJson(root.dataset.statusUrl)]);
}

// --- showing a verdict -------------------------------------------------------------------------

function element(tag, attributes, text) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) { node.setAttribute(name, value); }
  if (text !== undefined) { node.textContent = text; }
  return node;
}

function show(verdict) {
  resultBox.replaceChildren();
  const article = element("article", {"class": "verification status-" + verdict.verdict,
                                      "data-verdict": verdict.verdict,
                                      "aria-labelledby": "verifier-word"});
  const head = element("div", {"class": "verdict"});
  head.append(element("p", {"class": "verdict-word", "id": "verifier-word"},
                      say("word_" + verdict.verdict)));
  for (const part of verdict.basis) {
    head.append(element("p", {"class": "verdict-detail"}, say(part.key, part.params)));
  }
  article.append(head);
  if (verdict.warnings.length) {
    const list = element("ul", {"class": "verifier-warnings", "role": "alert"});
    for (const part of verdict.warnings) {
      list.append(element("li", {"data-warning": part.key}, say(part.key, part.params)));
    }
    article.append(list);
  }
  if (verdict.facts) {
    const table = element("dl", {"class": "facts"});
    const add = function (label, value, className) {
      table.append(element("dt", {}, say(label)));
      const dd = element("dd", className ? {"class": className} : {}, value);
      table.append(dd);
      return dd;
    };
    const facts = verdict.facts;
    const holder = add("holder", facts.holder_name, "holder");
    if (facts.holder_latin_name && facts.holder_latin_name !== facts.holder_name) {
      holder.append(element("span", {"class": "latin"}, facts.holder_latin_name));
    }
    add("course", facts.course_code);
    add("number", facts.number, "number");
    add("issued_on", formatDate(facts.issued_on));
    add("valid_until", facts.valid_until ? formatDate(facts.valid_until) : say("no_expiry"));
    article.append(table);
  }
  if (verdict.code && verdict.verdict !== "not_issued" && navigator.onLine) {
    const link = element("p", {"class": "another"});
    link.append(element("a", {"href": "/v/" + encodeURIComponent(verdict.code)},
                        say("open_online")));
    article.append(link);
  }
  resultBox.append(article);
  progress.textContent = "";
  // Keyboard and screen-reader users land on the verdict.
  resultBox.focus();
}

async function check(qrText) {
  show(await verdictFor({qrText, keysDoc, statusDoc, now: new Date()}));
}

// --- reading a QR code -------------------------------------------------------------------------

let detector = null;
async function barcodeDetector() {
  if (detector !== null) { return detector; }
  detector = false;
  if ("BarcodeDetector" in window) {
    try {
      const formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.indexOf("qr_code") >= 0) {
        detector = new window.BarcodeDetector({formats: ["qr_code"]});
      }
    } catch (error) { detector = false; }
  }
  return detector;
}

const canvas = document.createElement("canvas");

// The text of the first QR code in a picture (an ImageBitmap or the video), or null.
function jsQrAt(source, width, height, side) {
  const scale = Math.min(1, side / Math.max(width, height));
  canvas.width = Math.round(width * scale);
  canvas.height = Math.round(height * scale);
  const context = canvas.getContext("2d", {willReadFrequently: true});
  context.drawImage(source, 0, 0, canvas.width, canvas.height);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height);
  const found = window.jsQR(pixels.data, pixels.width, pixels.height,
                            {inversionAttempts: "attemptBoth"});
  return found ? found.data : null;
}

// The text of the first QR code in a picture (an ImageBitmap or the video), or null;
// ``thorough``: a photo, worth a second, slower look at a larger size.
async function readQr(source, width, height, thorough) {
  const native = await barcodeDetector();
  if (native) {
    try {
      const found = await native.detect(source);
      if (found.length) { return found[0].rawValue; }
    } catch (error) { /* fall through to jsQR */ }
  }
  if (!window.jsQR) { return null; }
  // A photo of a whole page at full size is slow to search; 1600 px keeps a 35 mm code on a
  // page at several pixels a module. A small code in a large photo needs the larger look.
  return jsQrAt(source, width, height, 1600)
    || (thorough && Math.max(width, height) > 1600 ? jsQrAt(source, width, height, 3200) : null);
}

async function readPhoto(file) {
  progress.textContent = say("scanning");
  resultBox.replaceChildren();
  let text = null;
  try {
    const bitmap = await createImageBitmap(file);
    text = await readQr(bitmap, bitmap.width, bitmap.height, true);
    bitmap.close();
  } catch (error) {
    text = null;
  }
  if (text === null) { progress.textContent = say("no_qr"); return; }
  await check(text);
}

let stream = null;
function stopCamera() {
  if (stream) { stream.getTracks().forEach(function (track) { track.stop(); }); }
  stream = null;
  video.hidden = true;
  stopButton.hidden = true;
  scanButton.hidden = false;
}

async function startCamera() {
  resultBox.replaceChildren();
  try {
    stream = await navigator.mediaDevices.getUserMedia(
      {video: {facingMode: "environment"}, audio: false});
  } catch (error) {
    progress.textContent = say("camera_failed");
    return;
  }
  video.srcObject = stream;
  video.hidden = false;
  stopButton.hidden = false;
  scanButton.hidden = true;
  stopButton.focus();
  await video.play();
  progress.textContent = say("scanning");
  const tick = async function () {
    if (!stream) { return; }
    const text = video.videoWidth ? await readQr(video, video.videoWidth, video.videoHeight)
      : null;
    if (text !== null) {
      stopCamera();
      await check(text);
      return;
    }
    window.setTimeout(tick, 250);
  };
  tick();
}

// --- start -------------------------------------------------------------------------------------

async function start() {
  await Promise.all([loadWords(), loadData()]);
  if (navigator.mediaDevices && navigator.mediaDevices.getUserMedia) {
    scanButton.hidden = false;
    scanButton.addEventListener("click", startCamera);
    stopButton.addEventListener("click", function () { stopCamera(); progress.textContent = ""; });
  }
  fileInput.addEventListener("change", function () {
    if (fileInput.files && fileInput.files[0]) { readPhoto(fileInput.files[0]); }
    fileInput.value = "";  // the same photo again is a new check
  });
  if ("serviceWorker" in navigator && keysDoc) {
    navigator.serviceWorker.ready.then(function () {
      offlineNote.textContent = say("offline_ready");
      offlineNote.hidden = false;
    });
  }
  // Opened by the worker for a QR code's own address (/V/<CODE>#<record>, or an old QR's
  // /v/<code> with no record): check that address now.
  if (/^\/v\//i.test(window.location.pathname)) {
    await check(window.location.href);
  }
  root.dataset.ready = "true";
}

start();
