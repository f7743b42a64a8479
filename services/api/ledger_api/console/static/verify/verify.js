/* LedgerVerify: checks an incident bundle in the reader's own browser, as ledger-verify
 * checks the zip (services/verify/README.md is the format reference). Nothing the server
 * says is taken on trust but the verifier key the reader pinned:
 *
 *   1. the checkpoint and the completeness claim are signed notes (C2SP) whose Ed25519
 *      signature by the pinned key verifies (WebCrypto);
 *   2. the claim is about the checkpoint's tree (origin, size, root), the manifest agrees;
 *   3. each record, in order: its SHA-256 leaf hash (0x00 ‖ record) is proven by its
 *      inclusion proof up to the signed root (RFC 9162 §2.1.3.2); its bytes are canonical
 *      JSON of a ledger record at that position, of this incident, version following
 *      version with `prev` naming the previous record's position and hash; its columns
 *      say what the record says;
 *   4. the bundle holds exactly the claimed number of events, the last one as claimed.
 *
 * LedgerVerify.verifyBundle(bundle, pinnedKeyText) -> Promise<{ok, checked, key_id,
 * key_name, incident_id, tree_size, root, first_failure}>: `bundle` is the JSON of
 * GET /v1/incidents/{id}/bundle?format=json (parsed or text); `first_failure` is null or
 * {position, event_id?, record_hash?, reason}, the first record (by position) that fails.
 * Plain script, no dependencies; WebCrypto needs a secure context (HTTPS or localhost).
 */
"use strict";

globalThis.LedgerVerify = (() => {
  const DASH = "\u2014"; // every signature line of a note starts with an em dash
  const utf8 = new TextEncoder();
  const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
  const NUMBER = /^(0|[1-9][0-9]*)$/;
  const COLUMNS = ["position", "event_id", "incident_id", "version", "type", "source",
    "occurred_at", "recorded_at", "hash", "prev_position", "prev_hash"];

  /** A check that failed: what, and where (position null: the bundle as a whole). */
  class Failure extends Error {
    constructor(reason, position = null, more = {}) {
      super(reason);
      this.failure = { position, ...more, reason };
    }
  }
  const malformed = (what) => new Failure(`malformed bundle: ${what}`);

  // Bytes: hex, canonical base64 (one spelling per value, as ledger-verify insists), SHA-256.
  const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));
  function fromHex(text, what) {
    if (typeof text !== "string" || !/^([0-9a-fA-F]{2})*$/.test(text)) {
      throw malformed(`${what} is not hex`);
    }
    return Uint8Array.from(text.match(/../g) || [], (pair) => parseInt(pair, 16));
  }
  function fromBase64(text, what) {
    let binary = null;
    try { binary = atob(text); } catch { /* refused below */ }
    if (binary === null || btoa(binary) !== text) {
      throw malformed(`${what} is not canonical base64`);
    }
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  }
  const concat = (...parts) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    return out;
  };
  const equal = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const sha256 = async (bytes) => new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));

  // The Merkle tree of RFC 6962: leaves and nodes hashed with their own prefixes.
  const leafHash = (record) => sha256(concat(Uint8Array.of(0), record));
  const nodeHash = (left, right) => sha256(concat(Uint8Array.of(1), left, right));
  const half = (n) => Math.floor(n / 2); // not n >> 1: tree sizes may pass 2^31
  const odd = (n) => n % 2 === 1;

  /** RFC 9162 §2.1.3.2: does `proof` place `leaf` at `index` in the tree of `size`, `root`? */
  async function verifyInclusion(leaf, index, size, proof, root) {
    if (!(index >= 0 && index < size)) return false;
    let fn = index, sn = size - 1, r = leaf;
    for (const p of proof) {
      if (sn === 0) return false;
      if (odd(fn) || fn === sn) {
        r = await nodeHash(p, r);
        while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
      } else {
        r = await nodeHash(r, p);
      }
      fn = half(fn); sn = half(sn);
    }
    return sn === 0 && equal(r, root);
  }

  /** A verifier key as `ledger keys create` prints it: name+keyid+base64(0x01 ‖ key). */
  async function parseKey(text) {
    const bad = (why) =>
      new Failure(`the pinned key is not a verifier key (name+keyid+base64): ${why}`);
    const trimmed = String(text ?? "").trim();
    const first = trimmed.indexOf("+"), second = trimmed.indexOf("+", first + 1);
    if (first < 0 || second < 0) throw bad("expected three '+'-separated parts");
    const name = trimmed.slice(0, first), id = trimmed.slice(first + 1, second).toLowerCase();
    let raw = null;
    try { raw = fromBase64(trimmed.slice(second + 1), "the key"); } catch { /* refused below */ }
    const named = name && !/\s/.test(name) && /^[0-9a-f]{8}$/.test(id);
    if (!named || !raw || raw.length !== 33 || raw[0] !== 1) throw bad("not an Ed25519 key");
    const publicKey = raw.subarray(1);
    const digest = await sha256(concat(utf8.encode(`${name}\n`), raw));
    if (toHex(digest.subarray(0, 4)) !== id) throw bad("the key id does not match the key");
    const key = await crypto.subtle.importKey("raw", publicKey, "Ed25519", false, ["verify"]);
    return { name, id, key, idBytes: fromHex(id, "key id") };
  }

  /** The text of a signed note once a signature by `pinned` verifies on it. */
  async function openNote(note, pinned, what) {
    const cut = typeof note === "string" ? note.lastIndexOf("\n\n") : -1;
    if (cut < 0 || !note.endsWith("\n")) throw malformed(`the ${what} is not a signed note`);
    const text = note.slice(0, cut + 1);
    for (const line of note.slice(cut + 2, -1).split("\n")) {
      const parts = line.split(" ");
      if (parts.length !== 3 || parts[0] !== DASH) {
        throw malformed(`the ${what} has a bad signature line`);
      }
      const blob = fromBase64(parts[2], `the ${what}'s signature`);
      const ours = parts[1] === pinned.name && equal(blob.subarray(0, 4), pinned.idBytes);
      if (!ours || blob.length !== 68) continue; // another key's signature
      const signature = blob.subarray(4);
      if (await crypto.subtle.verify("Ed25519", pinned.key, signature, utf8.encode(text))) {
        return text;
      }
    }
    throw new Failure(`the ${what} is not signed by the pinned key ${pinned.name}+${pinned.id}`);
  }

  function parseCheckpoint(text) {
    const lines = text.split("\n");
    if (lines.length < 4 || lines.at(-1) !== "" || !lines[0] || !NUMBER.test(lines[1])) {
      throw malformed("the checkpoint is not origin, size and root hash, one per line");
    }
    const root = fromBase64(lines[2], "the checkpoint's root");
    if (root.length !== 32) throw malformed("the checkpoint's root is not 32 bytes");
    return { origin: lines[0], size: Number(lines[1]), root };
  }

  /** `<origin>\nincident-completeness\nincident I\nevents K\nsize N\nroot R\nlast P H\n` */
  function parseClaim(text) {
    const lines = text.split("\n");
    const fields = lines.slice(2, 7).map((line) => {
      const space = line.indexOf(" ");
      return space < 0 ? ["", ""] : [line.slice(0, space), line.slice(space + 1)];
    });
    const named = fields.map(([name]) => name).join(" ") === "incident events size root last";
    const last = named ? fields[4][1].split(" ") : [];
    const numbers = [fields[1][1], fields[2][1], last[0]].every((n) => NUMBER.test(n ?? ""));
    const shaped = lines.length >= 8 && lines.at(-1) === "" && lines[0] !== "";
    if (!shaped || lines[1] !== "incident-completeness" || last.length !== 2 || !numbers) {
      throw malformed("the completeness claim is not an incident-completeness note");
    }
    const root = fromBase64(fields[3][1], "the claim's root");
    const lastHash = fromHex(last[1], "the claim's last hash");
    if (root.length !== 32 || lastHash.length !== 32) {
      throw malformed("the claim's hashes are not 32 bytes");
    }
    return { origin: lines[0], incident: fields[0][1], events: Number(fields[1][1]),
      size: Number(fields[2][1]), root, lastPosition: Number(last[0]), lastHash: toHex(lastHash) };
  }

  /** RFC 8785 on the ledger's profile (integers only): the one spelling of a JSON value. */
  function canonical(value) {
    if (typeof value === "number" && !Number.isSafeInteger(value)) {
      throw new Error(`${value} is not an integer within ±(2^53−1)`);
    }
    if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
    if (value !== null && typeof value === "object") {
      const members = Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`);
      return `{${members.join(",")}}`;
    }
    return JSON.stringify(value);
  }

  async function verifyBundle(bundle, pinnedKeyText) {
    const result = { ok: false, checked: [], key_id: null, key_name: null, incident_id: null,
      tree_size: null, root: null, first_failure: null };
    try {
      if (!globalThis.crypto?.subtle) {
        throw new Failure("this page is not a secure context (HTTPS or localhost): "
          + "the browser offers no WebCrypto here");
      }
      const doc = typeof bundle === "string" ? JSON.parse(bundle) : bundle;
      await check(doc, await parseKey(pinnedKeyText), result);
      result.ok = true;
    } catch (error) {
      result.first_failure = error instanceof Failure ? error.failure
        : { position: null, reason: `malformed bundle: ${error.message}` };
    }
    return result;
  }

  async function check(doc, pinned, result) {
    Object.assign(result, { key_id: pinned.id, key_name: pinned.name });
    if (!doc || typeof doc !== "object" || !Array.isArray(doc.records) || !doc.manifest) {
      throw malformed("not a bundle document");
    }
    const { checkpoint, claim } = await openSigned(doc, pinned, result).catch((error) => {
      if (error instanceof Failure && error.failure.reason.includes("not signed by the pinned key")
          && typeof doc.key_id === "string" && doc.key_id !== pinned.id) {
        error.failure.reason += ` (the server names key id ${doc.key_id}; trust it only if the `
          + "ledger's operator gave you that key)";
      }
      throw error;
    });
    const head = await checkRecords(doc.records, checkpoint, claim);
    const n = doc.records.length;
    result.checked.push(
      `${n} records: each one's SHA-256 leaf hash proven in the signed tree by its inclusion proof`,
      `${n} records: canonical bytes at their positions, versions 1–${n} each linked to the `
        + "previous record's hash, columns equal to the records");
    const wrongLast = head.position !== claim.lastPosition || head.hash !== claim.lastHash;
    const problems = [
      n !== claim.events && `the bundle holds ${n} events, the completeness claim says ${claim.events}`,
      wrongLast && `the incident's last event here is at position ${head.position}, the completeness `
        + `claim says position ${claim.lastPosition} (hash ${claim.lastHash})`,
    ].filter(Boolean);
    if (problems.length) {
      throw new Failure(problems.join("; "), wrongLast ? head.position || null : null);
    }
    result.checked.push(
      `completeness: exactly the ${n} claimed events, the last at position ${head.position} as claimed`);
  }

  /** The checkpoint and the claim, both signed by the pinned key, about the same tree. */
  async function openSigned(doc, pinned, result) {
    const checkpoint = parseCheckpoint(await openNote(doc.checkpoint, pinned, "checkpoint"));
    Object.assign(result, { tree_size: checkpoint.size, root: toBase64(checkpoint.root) });
    result.checked.push(`checkpoint of ${checkpoint.origin}: signed by the pinned key `
      + `${pinned.name}+${pinned.id}; tree size ${checkpoint.size}, root ${result.root}`);
    const claim = parseClaim(await openNote(doc.completeness, pinned, "completeness claim"));
    result.incident_id = claim.incident;
    const differ = [["origin", claim.origin !== checkpoint.origin], ["size", claim.size !== checkpoint.size],
      ["root", !equal(claim.root, checkpoint.root)]].filter(([, differs]) => differs);
    if (differ.length) {
      throw new Failure(`the completeness claim is for another tree than the checkpoint (${differ[0][0]})`);
    }
    result.checked.push(`completeness claim: signed by the same key; incident ${claim.incident} has `
      + `${claim.events} events in that tree, the last at position ${claim.lastPosition}`);
    const want = { format: "incident-ledger-bundle/1", origin: claim.origin,
      incident_id: claim.incident, size: claim.size, events: claim.events };
    for (const [key, value] of Object.entries(want)) {
      if (doc.manifest[key] !== value) {
        const says = JSON.stringify(doc.manifest[key]);
        throw new Failure(`the manifest says ${key} ${says}, the signed claim ${JSON.stringify(value)}`);
      }
    }
    return { checkpoint, claim };
  }

  /** The records checked in order, the first that fails named; their hashes are worked
   * out all at once beforehand (WebCrypto hashes on other threads, so they overlap). */
  async function checkRecords(entries, checkpoint, claim) {
    const read = entries.map((entry, i) => {
      try { return readEntry(entry, i + 1); } catch (error) { return { error }; }
    });
    const hashed = await Promise.all(read.map((entry) => entry.error ? null : hashes(entry, checkpoint)));
    let head = { version: 0, position: 0, hash: "0".repeat(64) };
    for (const [i, entry] of read.entries()) {
      if (entry.error) throw entry.error;
      const { hash } = hashed[i];
      const found = recordProblems({ ...entry, ...hashed[i] }, head, checkpoint, claim);
      if (found.problems.length) {
        const where = { event_id: found.eventId, record_hash: hash };
        throw new Failure(found.problems.join("; "), entry.position, where);
      }
      head = { version: found.version, position: entry.position, hash };
    }
    return head;
  }

  function readEntry(entry, number) {
    if (!Number.isSafeInteger(entry?.position) || !Array.isArray(entry.proof)) {
      throw malformed(`entry ${number} is not {position, record, proof, columns}`);
    }
    const record = fromBase64(entry.record, `record ${number}`);
    const proof = entry.proof.map((h) => fromHex(h, `the proof of record ${number}`));
    if (proof.some((h) => h.length !== 32)) {
      throw malformed(`the proof of record ${number} has a hash that is not 32 bytes`);
    }
    return { position: entry.position, record, proof, columns: entry.columns };
  }

  /** The record's SHA-256 (hex), and whether its leaf hash is proven up to the signed root. */
  async function hashes({ position, record, proof }, { size, root }) {
    const [digest, included] = await Promise.all([sha256(record),
      leafHash(record).then((leaf) => verifyInclusion(leaf, position - 1, size, proof, root))]);
    return { hash: toHex(digest), included };
  }

  /** Everything wrong with one record (an empty list: nothing), and what it says it is. */
  function recordProblems({ position, record, hash, included, columns }, head, checkpoint, claim) {
    const problems = [];
    if (!included) {
      problems.push("not in the signed log: its leaf hash is not proven up to the signed root");
    }
    let doc, text;
    try {
      text = strictUtf8.decode(record);
      doc = JSON.parse(text);
    } catch {
      return { problems: [...problems, "the record is not JSON"] };
    }
    const event = doc?.event;
    const ids = typeof event?.incident_id === "string" && typeof event?.event_id === "string";
    if (!ids || !Number.isSafeInteger(doc.version) || !("prev" in doc)) {
      return { problems: [...problems, "the record is not a ledger record"] };
    }
    problems.push(...envelopeProblems(doc, text, position, checkpoint.origin));
    if (event.incident_id !== claim.incident) {
      problems.push(`event ${event.event_id} belongs to incident ${event.incident_id}, not ${claim.incident}`);
    } else {
      problems.push(...linkProblems(doc, head));
    }
    if (position <= head.position) {
      problems.push(position === head.position ? `position ${position} appears twice`
        : `position ${position} comes after ${head.position}: out of order`);
    }
    problems.push(...columnProblems(columns, doc, hash));
    return { problems, eventId: event.event_id, version: doc.version };
  }

  function envelopeProblems(doc, text, position, origin) {
    const found = [];
    let same = false;
    try { same = canonical(doc) === text; } catch { /* outside the profile: not canonical */ }
    if (!same) found.push("the record bytes are not canonical JSON");
    if (doc.position !== position) {
      found.push(`the record says position ${JSON.stringify(doc.position)}, it sits at ${position}`);
    }
    if (Object.keys(doc).length !== 7 || doc.v !== 1) found.push("the envelope is not format 1");
    if (doc.origin !== origin) {
      found.push(`the record is from origin ${JSON.stringify(doc.origin)}, not ${JSON.stringify(origin)}`);
    }
    return found;
  }

  function linkProblems(doc, head) {
    const found = [];
    if (doc.version !== head.version + 1) {
      const after = head.version ? `after version ${head.version}` : "as the incident's first";
      const why = doc.version > head.version + 1 ? "versions are missing"
        : "a version repeats or is out of order";
      found.push(`version ${doc.version} comes ${after}: ${why}`);
    }
    const prev = doc.prev;
    const link = prev !== null && typeof prev === "object" && Object.keys(prev).length === 2;
    const linked = head.version === 0 ? prev === null
      : link && prev.position === head.position && prev.hash === head.hash;
    if (!linked) {
      const previous = head.version ? `position ${head.position}, hash ${head.hash}` : "none";
      found.push(`prev names ${JSON.stringify(prev)}, not the previous record (${previous})`);
    }
    return found;
  }

  function columnProblems(columns, doc, hash) {
    if (!columns || typeof columns !== "object") return ["the record has no columns"];
    const prev = doc.prev && typeof doc.prev === "object" ? doc.prev : {};
    const { event } = doc;
    const says = [doc.position, event.event_id, event.incident_id, doc.version, event.type,
      event.source, event.occurred_at, doc.recorded_at, hash, prev.position, prev.hash];
    const found = [];
    COLUMNS.forEach((name, i) => {
      if (!(name in columns)) found.push(`column ${name} is missing`);
      else if (canonicalOrNull(columns[name]) !== canonicalOrNull(says[i])) {
        const [got, want] = [columns[name], says[i] ?? null].map((v) => JSON.stringify(v));
        found.push(`column ${name} is ${got}, the record says ${want}`);
      }
    });
    const extra = Object.keys(columns).filter((name) => !COLUMNS.includes(name));
    return extra.length ? [...found, `columns ${extra.join(", ")} are not columns`] : found;
  }

  function canonicalOrNull(value) {
    try { return canonical(value ?? null); } catch { return `${value}`; }
  }

  return { verifyBundle, verifyInclusion, leafHash, parseKey, openNote, canonical };
})();
