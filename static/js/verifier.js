// The offline verifier's logic: from the text of a certificate's QR code, the registry's
// published keys and its signed status list to a verdict with its basis. No DOM, no network:
// the page (verifier-page.js) and the tests (tests/certificates/test_verifier_js.py, in node,
// and the browser journey) call the same functions.
//
// The format is docs/qr-format.md; this is its second implementation, written to give what
// the Python one (registry/certificates/offline.py offline_verdict) gives for the same
// inputs - the test vectors of tests/certificates/qr_vectors.json hold both to it. On top of
// that verdict the phone adds what only it knows: its own date, and how old its copy of the
// status list is (a warning after 7 days, no VALID after 30).
//
// verdictFor() returns {verdict, reason, address_matches, key_id, facts, status_list} as
// offline_verdict does, plus basis and warnings: [{key, params}] that the page translates
// (static/js/i18n/<locale>.json, made by `make translations` from the gettext catalogues; the
// keys are in registry/certificates/verifier_messages.py).

export const STALE_WARNING_DAYS = 7;   // the status list is named old after a week ...
export const STALE_LIMIT_DAYS = 30;    // ... and too old to say VALID after a month
const DAY = 86400000;

// --- small codecs ------------------------------------------------------------------------------

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

export class FormatError extends Error {}

/** RFC 4648 Base32, upper case, no padding - exactly (anything else is bad_format). */
export function base32Decode(text) {
  if (!text || [1, 3, 6].indexOf(text.length % 8) >= 0) { throw new FormatError("base32"); }
  const out = [];
  let buffer = 0, bits = 0;
  for (const char of text) {
    const value = BASE32.indexOf(char);
    if (value < 0) { throw new FormatError("base32"); }
    buffer = ((buffer << 5) | value) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >> bits) & 0xff);
    }
  }
  return new Uint8Array(out);
}

export function base64Decode(text) {
  const binary = atob(String(text));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) { out[i] = binary.charCodeAt(i); }
  return out;
}

export function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) { out.set(part, at); at += part.length; }
  return out;
}

const utf8 = (text) => new TextEncoder().encode(text);

function isNfc(value) {
  if (typeof value === "string") { return value.normalize("NFC") === value; }
  if (Array.isArray(value)) { return value.every(isNfc); }
  if (value && typeof value === "object") {
    return Object.keys(value).every((key) => isNfc(key) && isNfc(value[key]));
  }
  return true;
}

/** The bytes Python's signing.canonical_json gives: sorted keys, no spaces, UTF-8. (Only
 *  NFC text is ever checked with it: isNfc first, as check_signed_document does.) */
export function canonicalJson(value) {
  const walk = (item) => {
    if (Array.isArray(item)) { return "[" + item.map(walk).join(",") + "]"; }
    if (item && typeof item === "object") {
      // Python sorts keys by code point; JS's default sort compares UTF-16 units, which
      // differs only for characters beyond U+FFFF in keys (none in these documents).
      return "{" + Object.keys(item).sort().map(
        (key) => JSON.stringify(key) + ":" + walk(item[key])).join(",") + "}";
    }
    return JSON.stringify(item);
  };
  return utf8(walk(value));
}

// --- Ed25519: WebCrypto where the browser has it, else the vendored @noble/ed25519 ----------

let webCryptoEd25519 = null;  // null: not tried yet; true: works; false: use the library

/** Tests: force the library (true) or let the browser choose again (false). */
export function forceFallbackEd25519(force) { webCryptoEd25519 = force ? false : null; }

export function ed25519Implementation() {
  return webCryptoEd25519 === false ? "noble" : webCryptoEd25519 ? "webcrypto" : "untried";
}

export async function verifySignature(publicKey, signature, message) {
  if (signature.length !== 64 || publicKey.length !== 32) { return false; }
  if (webCryptoEd25519 !== false) {
    let key = null;
    try {
      key = await crypto.subtle.importKey("raw", publicKey, {name: "Ed25519"}, false,
                                          ["verify"]);
    } catch (error) {
      // Either this browser has no Ed25519 (then the library), or this key is not a point
      // on the curve (then no signature is good) - WebCrypto does not say which; the
      // library, tried next, tells them apart the same way.
    }
    if (key) {
      webCryptoEd25519 = true;
      try {
        return await crypto.subtle.verify({name: "Ed25519"}, key, signature, message);
      } catch (error) {
        return false;
      }
    }
  }
  const noble = await import("../vendor/noble-ed25519.js");
  try {
    // zip215: false - RFC 8032's strict rules, as OpenSSL (Python's cryptography) applies.
    return await noble.verifyAsync(signature, message, publicKey, {zip215: false});
  } catch (error) {
    return false;
  }
}

// --- the QR text -------------------------------------------------------------------------------

const upperOrigin = (scheme, host) => (scheme + "://" + host).toUpperCase();

/** ``HTTPS://HOST/V/<CODE>#<payload>`` -> {origin, code, payload} as qr_payload.split_url
 *  gives them (origin and code upper-cased; payload "" when the QR has none); null when the
 *  text is not a certificate's verification address. */
export function splitUrl(text) {
  const value = String(text).trim();
  const hash = value.indexOf("#");
  const address = hash >= 0 ? value.slice(0, hash) : value;
  const payload = hash >= 0 ? value.slice(hash + 1) : "";
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]+)(\/[^?#]*)?(\?.*)?$/.exec(address);
  if (!match || match[4] !== undefined) { return null; }
  const path = match[3] || "";
  if (path.slice(0, 3).toUpperCase() !== "/V/") { return null; }
  const code = path.slice(3).replace(/^\/+|\/+$/g, "").toUpperCase();
  return {origin: upperOrigin(match[1], match[2]), code, payload};
}

/** REGISTRY_BASE_URL (the keys document's base_url) as a QR prints its origin. */
export function qrOrigin(baseUrl) {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*):\/\/([^/?#]*)/.exec(String(baseUrl));
  return match ? upperOrigin(match[1], match[2]) : String(baseUrl).toUpperCase();
}

// --- the signed record (docs/qr-format.md) -----------------------------------------------------

const FORMAT_VERSION = 1;
const FLAG_NAME_SHORTENED = 0x01;
const FLAG_FROM_PAPER_REGISTER = 0x02;
const KNOWN_FLAGS = FLAG_NAME_SHORTENED | FLAG_FROM_PAPER_REGISTER;
const FIXED_SIZE = 18;            // >BB4s3sHHBI
const SIGNATURE_BYTES = 64;
const NAMES_MAX_BYTES = 86;
const NO_END = 0xffff;
const YEAR_BASE = 2000;
const EPOCH = Date.UTC(2000, 0, 1);  // dates: days since 2000-01-01
const SIGNATURE_CONTEXT = utf8("registry-qr\n");

const isoDay = (days) => new Date(EPOCH + days * DAY).toISOString().slice(0, 10);
const uint = (bytes) => Array.from(bytes).reduce((sum, b) => sum * 256 + b, 0);

/** The facts of ``record`` (the payload without its signature) for public ``code``, in the
 *  shape offline.facts_of gives; throws FormatError. */
export function decodeRecord(record, code) {
  if (record.length < FIXED_SIZE + 4) { throw new FormatError("short"); }
  const version = record[0], flags = record[1];
  if (version !== FORMAT_VERSION) { throw new FormatError("version"); }
  if (flags & ~KNOWN_FLAGS) { throw new FormatError("flags"); }
  const shortKeyId = hex(record.subarray(2, 6));
  const statusIndex = uint(record.subarray(6, 9));
  const issued = uint(record.subarray(9, 11));
  const validUntil = uint(record.subarray(11, 13));
  const year = YEAR_BASE + record[13];
  const serialRevision = uint(record.subarray(14, 18));
  const serial = Math.floor(serialRevision / 256), revision = serialRevision % 256;
  const texts = [];
  let at = FIXED_SIZE;
  const decoder = new TextDecoder("utf-8", {fatal: true, ignoreBOM: true});
  for (let i = 0; i < 4; i++) {
    if (at >= record.length) { throw new FormatError("short"); }
    const length = record[at];
    if (at + 1 + length > record.length) { throw new FormatError("short"); }
    let text;
    try { text = decoder.decode(record.subarray(at + 1, at + 1 + length)); }
    catch (error) { throw new FormatError("utf8"); }
    if (text.normalize("NFC") !== text) { throw new FormatError("nfc"); }
    texts.push(text);
    at += 1 + length;
  }
  if (at !== record.length) { throw new FormatError("trailing"); }
  const [prefix, courseCode, name, latin] = texts;
  if (utf8(name).length + utf8(latin).length > NAMES_MAX_BYTES) { throw new FormatError("names"); }
  if (!name || !prefix || serial === 0 || revision === 0) { throw new FormatError("empty"); }
  const base = `${prefix}-${year}-${String(serial).padStart(5, "0")}`;
  return {
    code,
    number: revision === 1 ? base : `${base}/${revision}`,
    holder_name: name,
    holder_latin_name: latin || null,
    course_code: courseCode,
    issued_on: isoDay(issued),
    valid_until: validUntil === NO_END ? null : isoDay(validUntil),
    status_index: statusIndex,
    name_shortened: Boolean(flags & FLAG_NAME_SHORTENED),
    from_paper_register: Boolean(flags & FLAG_FROM_PAPER_REGISTER),
    short_key_id: shortKeyId,
  };
}

// --- the keys document -------------------------------------------------------------------------

/** {key_id: raw public key} of registry-keys.json, as signing.public_keys_from_document reads
 *  it: an entry that is not a key id and a base64 Ed25519 key is left out. */
export function publicKeys(document) {
  const keys = {};
  const entries = document && typeof document === "object" && Array.isArray(document.keys)
    ? document.keys : [];
  for (const entry of entries) {
    if (!entry || typeof entry !== "object" || typeof entry.key_id !== "string"
        || typeof entry.public_key !== "string") { continue; }
    if ((entry.algorithm === undefined ? "Ed25519" : entry.algorithm) !== "Ed25519") {
      continue;
    }
    try { keys[entry.key_id] = base64Decode(entry.public_key); } catch (error) { /* left out */ }
  }
  return keys;
}

/** The key ids the keys document lists under ``revoked_keys``. */
export function revokedKeyIds(document) {
  const entries = document && typeof document === "object"
    && Array.isArray(document.revoked_keys) ? document.revoked_keys : [];
  return new Set(entries.filter((entry) => entry && typeof entry === "object"
    && typeof entry.key_id === "string").map((entry) => entry.key_id));
}

/** ``{facts, key_id}`` when a published key signed ``payload`` for ``code``; else throws
 *  {reason} (bad_format, unknown_key, revoked_key, bad_signature) - qr_payload.verify_payload. */
export async function verifyPayload(code, payload, keys, revoked) {
  let data;
  try { data = base32Decode(payload); } catch (error) { throw {reason: "bad_format"}; }
  if (data.length <= SIGNATURE_BYTES) { throw {reason: "bad_format"}; }
  const record = data.subarray(0, data.length - SIGNATURE_BYTES);
  const signature = data.subarray(data.length - SIGNATURE_BYTES);
  code = (code || "").toUpperCase();
  if (!/^[0-9A-Z]+$/.test(code)) { throw {reason: "bad_format"}; }
  let facts;
  try { facts = decodeRecord(record, code); } catch (error) { throw {reason: "bad_format"}; }
  const matching = Object.keys(keys).filter(
    (keyId) => keyId.startsWith("ed25519-" + facts.short_key_id)).sort();
  if (!matching.length) { throw {reason: "unknown_key"}; }
  const message = concat(SIGNATURE_CONTEXT, utf8(code), utf8("\n"), record);
  for (const keyId of matching) {
    if (!await verifySignature(keys[keyId], signature, message)) { continue; }
    if (revoked.has(keyId)) { throw {reason: "revoked_key"}; }
    return {facts, key_id: keyId};
  }
  throw {reason: "bad_signature"};
}

// --- the status list ---------------------------------------------------------------------------

const STATUS_NAMES = {0: "valid", 1: "suspended", 2: "revoked", 3: "superseded"};

async function inflate(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** {payload, packed} of a status document signed by one of ``keys`` (and of the list format
 *  this verifier reads); null otherwise - status_list.read_status_document. */
export async function readStatusDocument(document, keys) {
  if (!document || typeof document !== "object" || Array.isArray(document)) { return null; }
  if ("signed" in document) { document = document.signed; }
  if (!document || typeof document !== "object") { return null; }
  const payload = document.payload;
  if (!payload || typeof payload !== "object" || Array.isArray(payload)) { return null; }
  if (!isNfc(payload)) { return null; }
  const keyId = payload.key_id;
  if (typeof keyId !== "string" || !keyId || !(keyId in keys)) { return null; }
  if (typeof document.signature !== "string" || !document.signature) { return null; }
  let signature;
  try { signature = base64Decode(document.signature); } catch (error) { return null; }
  if (!await verifySignature(keys[keyId], signature, canonicalJson(payload))) { return null; }
  if (payload.type !== "registry-status-list" || payload.v !== 1 || payload.bits !== 4
      || payload.encoding !== "zlib+base64") { return null; }
  let packed;
  try { packed = await inflate(base64Decode(payload.list || "")); } catch (error) { return null; }
  if (!Number.isInteger(payload.size) || packed.length * 2 !== payload.size) { return null; }
  return {payload, packed};
}

/** Slot ``index``: byte index/2, the high nibble when even (status_list.status_of). */
export function statusOf(packed, index) {
  if (!(index >= 0 && index < packed.length * 2)) { return "unknown"; }
  const byte = packed[Math.floor(index / 2)];
  const code = index % 2 === 0 ? byte >> 4 : byte & 0x0f;
  return STATUS_NAMES[code] || "unknown";
}

// --- the verdict -------------------------------------------------------------------------------

/** offline.offline_verdict: what the QR's content ``url`` comes to with only the keys and the
 *  status list (``today``: "YYYY-MM-DD" of the device). */
export async function offlineVerdict(url, {keysDocument, statusDocument, today}) {
  const result = {verdict: "not_issued", reason: null, address_matches: null, key_id: null,
                  facts: null, status_list: null};
  const parts = splitUrl(url);
  if (!parts) { result.reason = "bad_format"; return result; }
  const baseUrl = keysDocument && typeof keysDocument === "object" ? keysDocument.base_url : null;
  if (typeof baseUrl === "string" && baseUrl) {
    result.address_matches = parts.origin === qrOrigin(baseUrl);
  }
  if (!parts.payload) { result.verdict = "online_check_needed"; return result; }
  const keys = publicKeys(keysDocument);
  const revoked = revokedKeyIds(keysDocument);
  let verified;
  try {
    verified = await verifyPayload(parts.code, parts.payload, keys, revoked);
  } catch (error) {
    if (!error || !error.reason) { throw error; }
    result.reason = error.reason;
    return result;
  }
  const facts = verified.facts;
  result.key_id = verified.key_id;
  result.facts = facts;
  let status = "unknown";
  if (statusDocument === null || statusDocument === undefined) {
    result.reason = "no_status_list";
  } else {
    const list = await readStatusDocument(statusDocument, keys);
    if (!list || revoked.has(list.payload.key_id)) {
      result.reason = "bad_status_list";
    } else {
      result.status_list = list.payload.issued_at === undefined ? null : list.payload.issued_at;
      status = statusOf(list.packed, facts.status_index);
      if (status === "unknown") { result.reason = "unknown_status"; }
    }
  }
  if (["superseded", "revoked", "suspended"].indexOf(status) >= 0) {
    result.verdict = status;
  } else if (facts.valid_until !== null && today > facts.valid_until) {
    result.verdict = "expired";
  } else if (status === "valid") {
    result.verdict = "valid";
  } else {
    result.verdict = "online_check_needed";
  }
  return result;
}

const message = (key, params) => ({key, params: params || {}});

/**
 * The verdict the page shows for one scanned QR text: offlineVerdict, then the phone's own
 * checks - its date, the age of its status list - and the basis and warnings in words.
 *   qrText     what the QR code holds
 *   keysDoc    registry-keys.json as this phone has it (null: none yet)
 *   statusDoc  registry-status.json as this phone has it (null: none yet)
 *   now        the device's clock (a Date)
 */
export async function verdictFor({qrText, keysDoc, statusDoc, now}) {
  now = now || new Date();
  const today = now.toISOString().slice(0, 10);
  const result = await offlineVerdict(qrText, {keysDocument: keysDoc, statusDocument: statusDoc,
                                               today});
  result.basis = [];
  result.warnings = [];
  const parts = splitUrl(qrText);
  result.code = parts ? parts.code : null;
  if (result.address_matches === false) {
    result.warnings.push(message("other_host", {
      host: parts.origin.replace(/^[A-Z]+:\/\//, "").toLowerCase(),
      registry: qrOrigin(keysDoc.base_url).replace(/^[A-Z]+:\/\//, "").toLowerCase()}));
  }
  if (!keysDoc && parts && parts.payload) {
    // This phone never got the keys: it cannot tell a genuine paper from a forged one.
    Object.assign(result, {verdict: "online_check_needed", reason: "no_keys", facts: null});
    result.basis.push(message("no_keys"));
    return result;
  }
  if (result.verdict === "not_issued") {
    result.basis.push(message(result.reason || "bad_format"));
    return result;
  }
  if (!result.facts) {  // a QR without a signed record
    result.basis.push(message("no_signed_record"));
    return result;
  }
  const facts = result.facts;
  if (facts.name_shortened) { result.warnings.push(message("name_shortened")); }
  const listDay = result.status_list ? String(result.status_list).slice(0, 10) : null;
  const listTime = result.status_list ? Date.parse(result.status_list) : NaN;
  const age = Number.isNaN(listTime) ? null : (now.getTime() - listTime) / DAY;
  if (listDay && today < listDay) {
    result.warnings.push(message("device_date", {today, date: listDay}));
  } else if (today < facts.issued_on) {
    result.warnings.push(message("device_date", {today, date: facts.issued_on}));
  }
  switch (result.verdict) {
    case "valid":
      if (age !== null && age > STALE_LIMIT_DAYS) {
        // A month without a refresh: a revocation since then would not show.
        result.verdict = "online_check_needed";
        result.reason = "stale_status_list";
        result.basis.push(message("signature_checked"), message("stale_limit", {date: listDay}));
      } else {
        result.basis.push(message("valid_basis", {date: listDay}));
      }
      break;
    case "revoked": case "suspended": case "superseded":
      result.basis.push(message("status_" + result.verdict, {date: listDay}));
      break;
    case "expired":
      result.basis.push(message("expired", {date: facts.valid_until}));
      break;
    default:  // online_check_needed with a genuine signature
      result.basis.push(message("signature_checked"), message(result.reason || "no_status_list"));
  }
  if (facts.from_paper_register) { result.basis.push(message("paper_register")); }
  if (age !== null && age > STALE_WARNING_DAYS && result.reason !== "stale_status_list") {
    result.warnings.push(message("stale_warning", {date: listDay}));
  }
  return result;
}
