// 匠心 Jiangxin certificate verification page: everything runs here, in the browser.
// The signed payload comes from the address after its LAST '#', so it never reaches a server.
// Layout of the payload: docs/certificate-format.md. Ed25519: @noble/ed25519 (vendored, MIT),
// SHA-512/SHA-256: @noble/hashes (vendored, MIT); no WebCrypto needed.
/* global noble, TRUST */
"use strict";

const FORMAT = 0xc1;
const KEY_ID_LEN = 8;
const SIG_LEN = 64;
const FIXED_LEN = 1 + KEY_ID_LEN + 1 + 2 + 1 + 4;
const TEXT_FIELDS = ["serial", "name", "unit", "competition", "event", "group", "award",
  "title", "grade", "organiser"];
const OPTIONAL = new Set(["award", "title", "grade"]);
const BLOCK = 7;
const DIGITS = {};
for (let k = 1; k <= BLOCK; k++) DIGITS[k] = ((1n << BigInt(8 * k)) - 1n).toString().length;
const BYTES_FOR = {};
for (const k in DIGITS) BYTES_FOR[DIGITS[k]] = Number(k);
const RECORD_CONTEXT = new TextEncoder().encode("jiangxin-record-1\n");

class Bad extends Error {}

function digitsToBytes(text) {
  if (!/^[0-9]+$/.test(text)) throw new Bad("not a string of decimal digits");
  const full = Math.floor(text.length / DIGITS[BLOCK]);
  const rest = text.length % DIGITS[BLOCK];
  if (rest && !(rest in BYTES_FOR)) throw new Bad("wrong number of digits (truncated?)");
  const out = [];
  for (let i = 0; i < full + (rest ? 1 : 0); i++) {
    const chunk = text.slice(i * DIGITS[BLOCK], (i + 1) * DIGITS[BLOCK]);
    const k = BYTES_FOR[chunk.length];
    let v = BigInt(chunk);
    if (v >= (1n << BigInt(8 * k))) throw new Bad("digit block out of range");
    const part = new Array(k);
    for (let j = k - 1; j >= 0; j--) { part[j] = Number(v & 255n); v >>= 8n; }
    out.push(...part);
  }
  return Uint8Array.from(out);
}

function hex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function b64(text) {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function parse(data) {
  if (data.length < FIXED_LEN + TEXT_FIELDS.length + SIG_LEN) throw new Bad("too short");
  const signed = data.slice(0, data.length - SIG_LEN);
  const signature = data.slice(data.length - SIG_LEN);
  if (signed[0] !== FORMAT) throw new Bad("unknown format");
  const keyId = hex(signed.slice(1, 1 + KEY_ID_LEN));
  let p = 1 + KEY_ID_LEN;
  const flags = signed[p];
  if (flags & ~1) throw new Bad("reserved flag bits set");
  const days = (signed[p + 1] << 8) | signed[p + 2];
  const place = signed[p + 3];
  const first = (signed[p + 4] << 8) | signed[p + 5];
  const last = (signed[p + 6] << 8) | signed[p + 7];
  let idMasked = "";
  if (!(first === 0xffff && last === 0xffff)) {
    if (first > 9999 || last > 999 * 11 + 10) throw new Bad("bad ID number field");
    const check = last % 11 === 10 ? "X" : String(last % 11);
    idMasked = String(first).padStart(4, "0") + "*".repeat(10)
      + String(Math.floor(last / 11)).padStart(3, "0") + check;
  }
  p = FIXED_LEN;
  const f = {};
  for (const name of TEXT_FIELDS) {
    if (p >= signed.length) throw new Bad("truncated");
    const header = signed[p];
    const size = header & 0x7f;
    const raw = signed.slice(p + 1, p + 1 + size);
    if (raw.length !== size) throw new Bad("truncated");
    const value = new TextDecoder(header & 0x80 ? "utf-16be" : "utf-8", { fatal: true })
      .decode(raw);
    f[name] = value || (OPTIONAL.has(name) ? null : "");
    p += 1 + size;
  }
  if (p !== signed.length) throw new Bad("trailing bytes");
  const date = new Date(Date.UTC(2000, 0, 1) + days * 86400000).toISOString().slice(0, 10);
  Object.assign(f, { id_masked: idMasked, date, place: place || null, duplicate: !!(flags & 1) });
  return { fields: f, keyId, signed, signature };
}

function onRecord(entry, signed) {
  const rid = noble.sha256(concat(RECORD_CONTEXT, signed)).slice(0, 8);
  const all = b64(entry.record_ids);
  let lo = 0;
  let hi = all.length / 8;
  while (lo < hi) {  // the record ids are sorted: binary search
    const mid = (lo + hi) >> 1;
    let cmp = 0;
    for (let i = 0; i < 8 && cmp === 0; i++) cmp = all[mid * 8 + i] - rid[i];
    if (cmp === 0) return true;
    if (cmp < 0) lo = mid + 1; else hi = mid;
  }
  return false;
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

// the verdict of one payload: {state, fields?, message}
function check(digits) {
  let data, parsed;
  try {
    data = digitsToBytes(digits);
    parsed = parse(data);
  } catch (e) {
    return { state: "invalid", message: "证书码无法读取（不完整或被改动）/ the code cannot be read "
      + "(incomplete or altered): " + e.message };
  }
  const f = parsed.fields;
  const entry = TRUST.keys.find((k) => k.key_id === parsed.keyId);
  if (!entry) {
    return { state: "unknown-key", message: "签发密钥不在总部信任名单中：不是总部认可的证书 / signed "
      + "by a key headquarters does not know (" + parsed.keyId + "): not a certificate it "
      + "vouches for" };
  }
  const pub = b64(entry.public_key);
  let ok = false;
  try {
    ok = hex(noble.sha256(pub).slice(0, 8)) === parsed.keyId
      && noble.ed.verify(parsed.signature, parsed.signed, pub, { zip215: false });
  } catch (e) {
    ok = false;
  }
  if (!ok) {
    return { state: "invalid", message: "签名不符：证书被改动或伪造 / the signature does not "
      + "match: altered or forged" };
  }
  const rev = TRUST.revoked.find((r) => r.key_id === parsed.keyId && r.serial === f.serial);
  if (rev) {
    return { state: "revoked", fields: f, entry, message: "此证书已被撤销 / this certificate "
      + "has been revoked" + (rev.reason ? "：" + rev.reason : "") };
  }
  const recorded = onRecord(entry, parsed.signed);
  if (entry.withdrawn && (f.date >= entry.withdrawn.from || !recorded)) {
    return { state: "revoked", fields: f, entry, message: "签发此证书的赛事密钥自 "
      + entry.withdrawn.from + " 起已被总部撤回 / the contest key was withdrawn from "
      + entry.withdrawn.from + (entry.withdrawn.reason ? "：" + entry.withdrawn.reason : "") };
  }
  if (!recorded) {
    return { state: "not-issued", fields: f, entry, message: "签名有效，但总部没有这张证书的登记："
      + "不能当作真证书 / the signature is valid, but headquarters has no record of this "
      + "certificate: do not accept it" };
  }
  return { state: "genuine", fields: f, entry, message: "总部有登记，未撤销 / on headquarters' "
    + "record, not revoked" };
}

const LABELS = {
  genuine: ["真", "GENUINE"], invalid: ["伪", "NOT GENUINE"], revoked: ["已撤销", "REVOKED"],
  "unknown-key": ["伪", "UNKNOWN KEY"], "not-issued": ["未登记", "NOT ON RECORD"],
  empty: ["待核验", "NOTHING TO CHECK"],
};
const ROWS = [["name", "姓名", "Name"], ["id_masked", "身份证号", "ID number"],
  ["unit", "工作单位", "Unit"], ["event", "赛项", "Event"], ["group", "组别", "Group"],
  ["award", "奖项", "Award"], ["title", "称号", "Title"], ["grade", "等级", "Grade"],
  ["date", "日期", "Date"], ["serial", "证书编号", "Serial"],
  ["competition", "赛事", "Competition"], ["organiser", "主办单位", "Organiser"]];

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
  if (text !== undefined) e.textContent = text;
  return e;
}

function show(result, address) {
  const v = document.getElementById("verdict");
  const [zh, en] = LABELS[result.state];
  v.dataset.state = result.state;
  v.textContent = "";
  v.append(el("span", { class: "zh" }, zh), el("span", { class: "en" }, en));
  document.getElementById("message").textContent = result.message;
  const table = document.getElementById("fields");
  table.textContent = "";
  if (result.fields) {
    for (const [key, zhl, enl] of ROWS) {
      const value = result.fields[key];
      if (value === null || value === "" || value === undefined) continue;
      const tr = el("tr", { "data-field": key });
      tr.append(el("th", {}, zhl + " " + enl), el("td", {}, String(value)));
      table.append(tr);
    }
    if (result.fields.duplicate) {
      const tr = el("tr", { "data-field": "duplicate" });
      tr.append(el("th", {}, "补发 Duplicate"), el("td", {}, "是 / yes"));
      table.append(tr);
    }
    document.getElementById("compare").hidden = false;
  } else {
    document.getElementById("compare").hidden = true;
  }
  const a = document.getElementById("address");
  a.textContent = address ? "二维码指向 / the QR pointed to: " + address : "";
  const expected = (TRUST.verify_url || "").toLowerCase().replace(/#$/, "");
  const warn = document.getElementById("address-warning");
  warn.hidden = !(address && expected && address.toLowerCase() !== expected);
}

function run() {
  const href = window.location.href;
  const at = href.lastIndexOf("#");
  document.getElementById("trust-date").textContent = TRUST.issued.slice(0, 10);
  if (at < 0 || at === href.length - 1) {
    show({ state: "empty", message: "请用手机相机扫描证书上的二维码 / scan the certificate's QR "
      + "code with a phone camera" }, "");
    return;
  }
  const address = href.slice(0, at);
  let digits = href.slice(at + 1);
  try { digits = decodeURIComponent(digits); } catch (e) { /* keep as is */ }
  show(check(digits.replace(/[\s-]/g, "")), address);
}

window.addEventListener("hashchange", run);
run();
