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
 * {position, event_id?, record_hash?, reason, said}, the first record (by position) that
 * fails. `checked` and `reason` are English; `checks` and `said` are the same sentences as
 * {code, args}, which LedgerVerify.spell(message, words) puts in other words (SAYS).
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

  /** Every sentence the verifier says, in English: `{name}` stands for a value, which may
   * be a sentence itself ({code, args}). A page may say them in its reader's language:
   * `words` maps each English sentence to its translation (the console's catalogues). */
  const SAYS = {
    no_webcrypto: "this page is not a secure context (HTTPS or localhost): the browser offers no WebCrypto here",
    malformed: "malformed bundle: {what}",
    not_document: "not a bundle document",
    not_hex: "{what} is not hex",
    not_base64: "{what} is not canonical base64",
    record_n: "record {n}",
    proof_of: "the proof of record {n}",
    key_id: "key id",
    the_key: "the key",
    checkpoint: "checkpoint",
    claim: "completeness claim",
    signature_of: "the {what}'s signature",
    checkpoint_root: "the checkpoint's root",
    claim_root: "the claim's root",
    claim_last_hash: "the claim's last hash",
    not_a_key: "the pinned key is not a verifier key (name+keyid+base64): {why}",
    three_parts: "expected three '+'-separated parts",
    not_ed25519: "not an Ed25519 key",
    key_id_mismatch: "the key id does not match the key",
    not_note: "the {what} is not a signed note",
    bad_signature_line: "the {what} has a bad signature line",
    not_signed: "the {what} is not signed by the pinned key {key}",
    server_key: "the server names key id {id}: trust it only if the ledger's operator gave you that key",
    checkpoint_shape: "the checkpoint is not origin, size and root hash, one per line",
    root_size: "the checkpoint's root is not 32 bytes",
    claim_shape: "the completeness claim is not an incident-completeness note",
    claim_hashes: "the claim's hashes are not 32 bytes",
    other_tree: "the completeness claim is for another tree than the checkpoint ({what})",
    manifest_differs: "the manifest says {key} {says}, the signed claim {value}",
    events_differ: "the bundle holds {n} events, the completeness claim says {claimed}",
    last_differs: "the incident's last event here is at position {position}, the completeness claim says position {claimed} (hash {hash})",
    entry_shape: "entry {n} is not {position, record, proof, columns}",
    proof_hash_size: "the proof of record {n} has a hash that is not 32 bytes",
    not_in_log: "not in the signed log: its leaf hash is not proven up to the signed root",
    not_json: "the record is not JSON",
    not_record: "the record is not a ledger record",
    other_incident: "event {event} belongs to incident {incident}, not {claimed}",
    twice: "position {position} appears twice",
    out_of_order: "position {position} comes after {previous}: out of order",
    not_canonical: "the record bytes are not canonical JSON",
    says_position: "the record says position {says}, it sits at {position}",
    not_format_1: "the envelope is not format 1",
    other_origin: "the record is from origin {says}, not {origin}",
    versions_missing: "version {version} comes {after}: versions are missing",
    version_repeats: "version {version} comes {after}: a version repeats or is out of order",
    after_version: "after version {version}",
    first_version: "as the incident's first",
    prev_wrong: "prev names {prev}, not the previous record ({previous})",
    previous_record: "position {position}, hash {hash}",
    none: "none",
    no_columns: "the record has no columns",
    column_missing: "column {name} is missing",
    column_differs: "column {name} is {got}, the record says {want}",
    extra_columns: "columns {names} are not columns",
    checked_checkpoint: "checkpoint of {origin}: signed by the pinned key {key}; tree size {size}, root {root}",
    checked_claim: "completeness claim: signed by the same key; incident {incident} has {events} events in that tree, the last at position {position}",
    checked_proofs: "{n} records: each one's SHA-256 leaf hash proven in the signed tree by its inclusion proof",
    checked_records: "{n} records: canonical bytes at their positions, versions 1–{n} each linked to the previous record's hash, columns equal to the records",
    checked_complete: "completeness: exactly the {n} claimed events, the last at position {position} as claimed",
  };
  const say = (code, args = {}) => ({ code, args });

  /** `message` in `words` (English sentence -> its translation; English when missing). */
  function spell(message, words = {}, table = SAYS) {
    const english = table[message.code] ?? message.code;
    return (words[english] || english).replace(/\{(\w+)\}/g, (all, name) => {
      const value = message.args[name];
      if (value === undefined) return all;
      return value !== null && typeof value === "object" && "code" in value
        ? spell(value, words, table) : String(value);
    });
  }

  /** A check that failed: what, and where (position null: the bundle as a whole). */
  class Failure extends Error {
    constructor(said, position = null, more = {}) {
      const list = Array.isArray(said) ? said : [said];
      super(list.map((m) => spell(m)).join("; "));
      this.failure = { position, ...more, reason: this.message, said: list };
    }
  }
  const malformed = (what) => new Failure(say("malformed", { what }));
  const checked = (result, message) => {
    result.checks.push(message);
    result.checked.push(spell(message));
  };

  // Bytes: hex, canonical base64 (one spelling per value, as ledger-verify insists), SHA-256.
  const toHex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));
  function fromHex(text, what) {
    if (typeof text !== "string" || !/^([0-9a-fA-F]{2})*$/.test(text)) {
      throw malformed(say("not_hex", { what }));
    }
    return Uint8Array.from(text.match(/../g) || [], (pair) => parseInt(pair, 16));
  }
  function fromBase64(text, what) {
    let binary = null;
    try { binary = atob(text); } catch { /* refused below */ }
    if (binary === null || btoa(binary) !== text) {
      throw malformed(say("not_base64", { what }));
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
    const bad = (why) => new Failure(say("not_a_key", { why: say(why) }));
    const trimmed = String(text ?? "").trim();
    const first = trimmed.indexOf("+"), second = trimmed.indexOf("+", first + 1);
    if (first < 0 || second < 0) throw bad("three_parts");
    const name = trimmed.slice(0, first), id = trimmed.slice(first + 1, second).toLowerCase();
    let raw = null;
    try { raw = fromBase64(trimmed.slice(second + 1), say("the_key")); } catch { /* refused below */ }
    const named = name && !/\s/.test(name) && /^[0-9a-f]{8}$/.test(id);
    if (!named || !raw || raw.length !== 33 || raw[0] !== 1) throw bad("not_ed25519");
    const publicKey = raw.subarray(1);
    const digest = await sha256(concat(utf8.encode(`${name}\n`), raw));
    if (toHex(digest.subarray(0, 4)) !== id) throw bad("key_id_mismatch");
    const key = await crypto.subtle.importKey("raw", publicKey, "Ed25519", false, ["verify"]);
    return { name, id, key, idBytes: fromHex(id, say("key_id")) };
  }

  /** The text of a signed note once a signature by `pinned` verifies on it. */
  async function openNote(note, pinned, what) {
    const cut = typeof note === "string" ? note.lastIndexOf("\n\n") : -1;
    if (cut < 0 || !note.endsWith("\n")) throw malformed(say("not_note", { what }));
    const text = note.slice(0, cut + 1);
    for (const line of note.slice(cut + 2, -1).split("\n")) {
      const parts = line.split(" ");
      if (parts.length !== 3 || parts[0] !== DASH) {
        throw malformed(say("bad_signature_line", { what }));
      }
      const blob = fromBase64(parts[2], say("signature_of", { what }));
      const ours = parts[1] === pinned.name && equal(blob.subarray(0, 4), pinned.idBytes);
      if (!ours || blob.length !== 68) continue; // another key's signature
      const signature = blob.subarray(4);
      if (await crypto.subtle.verify("Ed25519", pinned.key, signature, utf8.encode(text))) {
        return text;
      }
    }
    throw new Failure(say("not_signed", { what, key: `${pinned.name}+${pinned.id}` }));
  }

  function parseCheckpoint(text) {
    const lines = text.split("\n");
    if (lines.length < 4 || lines.at(-1) !== "" || !lines[0] || !NUMBER.test(lines[1])) {
      throw malformed(say("checkpoint_shape"));
    }
    const root = fromBase64(lines[2], say("checkpoint_root"));
    if (root.length !== 32) throw malformed(say("root_size"));
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
      throw malformed(say("claim_shape"));
    }
    const root = fromBase64(fields[3][1], say("claim_root"));
    const lastHash = fromHex(last[1], say("claim_last_hash"));
    if (root.length !== 32 || lastHash.length !== 32) {
      throw malformed(say("claim_hashes"));
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
    const result = { ok: false, checked: [], checks: [], key_id: null, key_name: null, incident_id: null,
      tree_size: null, root: null, first_failure: null };
    try {
      if (!globalThis.crypto?.subtle) {
        throw new Failure(say("no_webcrypto"));
      }
      const doc = typeof bundle === "string" ? JSON.parse(bundle) : bundle;
      await check(doc, await parseKey(pinnedKeyText), result);
      result.ok = true;
    } catch (error) {
      result.first_failure = error instanceof Failure ? error.failure
        : malformed(error.message).failure;
    }
    return result;
  }

  async function check(doc, pinned, result) {
    Object.assign(result, { key_id: pinned.id, key_name: pinned.name });
    if (!doc || typeof doc !== "object" || !Array.isArray(doc.records) || !doc.manifest) {
      throw malformed(say("not_document"));
    }
    const { checkpoint, claim } = await openSigned(doc, pinned, result).catch((error) => {
      const unsigned = error instanceof Failure && error.failure.said[0].code === "not_signed";
      if (unsigned && typeof doc.key_id === "string" && doc.key_id !== pinned.id) {
        throw new Failure([...error.failure.said, say("server_key", { id: doc.key_id })]);
      }
      throw error;
    });
    const head = await checkRecords(doc.records, checkpoint, claim);
    const n = doc.records.length;
    checked(result, say("checked_proofs", { n }));
    checked(result, say("checked_records", { n }));
    const wrongLast = head.position !== claim.lastPosition || head.hash !== claim.lastHash;
    const problems = [
      n !== claim.events && say("events_differ", { n, claimed: claim.events }),
      wrongLast && say("last_differs",
        { position: head.position, claimed: claim.lastPosition, hash: claim.lastHash }),
    ].filter(Boolean);
    if (problems.length) {
      throw new Failure(problems, wrongLast ? head.position || null : null);
    }
    checked(result, say("checked_complete", { n, position: head.position }));
  }

  /** The checkpoint and the claim, both signed by the pinned key, about the same tree. */
  async function openSigned(doc, pinned, result) {
    const checkpoint = parseCheckpoint(await openNote(doc.checkpoint, pinned, say("checkpoint")));
    Object.assign(result, { tree_size: checkpoint.size, root: toBase64(checkpoint.root) });
    checked(result, say("checked_checkpoint", { origin: checkpoint.origin,
      key: `${pinned.name}+${pinned.id}`, size: checkpoint.size, root: result.root }));
    const claim = parseClaim(await openNote(doc.completeness, pinned, say("claim")));
    result.incident_id = claim.incident;
    const differ = [["origin", claim.origin !== checkpoint.origin], ["size", claim.size !== checkpoint.size],
      ["root", !equal(claim.root, checkpoint.root)]].filter(([, differs]) => differs);
    if (differ.length) {
      throw new Failure(say("other_tree", { what: differ[0][0] }));
    }
    checked(result, say("checked_claim", { incident: claim.incident, events: claim.events,
      position: claim.lastPosition }));
    const want = { format: "incident-ledger-bundle/1", origin: claim.origin,
      incident_id: claim.incident, size: claim.size, events: claim.events };
    for (const [key, value] of Object.entries(want)) {
      if (doc.manifest[key] !== value) {
        const says = JSON.stringify(doc.manifest[key]);
        throw new Failure(say("manifest_differs", { key, says, value: JSON.stringify(value) }));
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
        throw new Failure(found.problems, entry.position, where);
      }
      head = { version: found.version, position: entry.position, hash };
    }
    return head;
  }

  function readEntry(entry, number) {
    if (!Number.isSafeInteger(entry?.position) || !Array.isArray(entry.proof)) {
      throw malformed(say("entry_shape", { n: number }));
    }
    const record = fromBase64(entry.record, say("record_n", { n: number }));
    const proof = entry.proof.map((h) => fromHex(h, say("proof_of", { n: number })));
    if (proof.some((h) => h.length !== 32)) {
      throw malformed(say("proof_hash_size", { n: number }));
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
      problems.push(say("not_in_log"));
    }
    let doc, text;
    try {
      text = strictUtf8.decode(record);
      doc = JSON.parse(text);
    } catch {
      return { problems: [...problems, say("not_json")] };
    }
    const event = doc?.event;
    const ids = typeof event?.incident_id === "string" && typeof event?.event_id === "string";
    if (!ids || !Number.isSafeInteger(doc.version) || !("prev" in doc)) {
      return { problems: [...problems, say("not_record")] };
    }
    problems.push(...envelopeProblems(doc, text, position, checkpoint.origin));
    if (event.incident_id !== claim.incident) {
      problems.push(say("other_incident",
        { event: event.event_id, incident: event.incident_id, claimed: claim.incident }));
    } else {
      problems.push(...linkProblems(doc, head));
    }
    if (position <= head.position) {
      problems.push(position === head.position ? say("twice", { position })
        : say("out_of_order", { position, previous: head.position }));
    }
    problems.push(...columnProblems(columns, doc, hash));
    return { problems, eventId: event.event_id, version: doc.version };
  }

  function envelopeProblems(doc, text, position, origin) {
    const found = [];
    let same = false;
    try { same = canonical(doc) === text; } catch { /* outside the profile: not canonical */ }
    if (!same) found.push(say("not_canonical"));
    if (doc.position !== position) {
      found.push(say("says_position", { says: JSON.stringify(doc.position), position }));
    }
    if (Object.keys(doc).length !== 7 || doc.v !== 1) found.push(say("not_format_1"));
    if (doc.origin !== origin) {
      found.push(say("other_origin",
        { says: JSON.stringify(doc.origin), origin: JSON.stringify(origin) }));
    }
    return found;
  }

  function linkProblems(doc, head) {
    const found = [];
    if (doc.version !== head.version + 1) {
      const after = head.version ? say("after_version", { version: head.version })
        : say("first_version");
      const why = doc.version > head.version + 1 ? "versions_missing" : "version_repeats";
      found.push(say(why, { version: doc.version, after }));
    }
    const prev = doc.prev;
    const link = prev !== null && typeof prev === "object" && Object.keys(prev).length === 2;
    const linked = head.version === 0 ? prev === null
      : link && prev.position === head.position && prev.hash === head.hash;
    if (!linked) {
      const previous = head.version
        ? say("previous_record", { position: head.position, hash: head.hash }) : say("none");
      found.push(say("prev_wrong", { prev: JSON.stringify(prev), previous }));
    }
    return found;
  }

  function columnProblems(columns, doc, hash) {
    if (!columns || typeof columns !== "object") return [say("no_columns")];
    const prev = doc.prev && typeof doc.prev === "object" ? doc.prev : {};
    const { event } = doc;
    const says = [doc.position, event.event_id, event.incident_id, doc.version, event.type,
      event.source, event.occurred_at, doc.recorded_at, hash, prev.position, prev.hash];
    const found = [];
    COLUMNS.forEach((name, i) => {
      if (!(name in columns)) found.push(say("column_missing", { name }));
      else if (canonicalOrNull(columns[name]) !== canonicalOrNull(says[i])) {
        const [got, want] = [columns[name], says[i] ?? null].map((v) => JSON.stringify(v));
        found.push(say("column_differs", { name, got, want }));
      }
    });
    const extra = Object.keys(columns).filter((name) => !COLUMNS.includes(name));
    return extra.length ? [...found, say("extra_columns", { names: extra.join(", ") })] : found;
  }

  function canonicalOrNull(value) {
    try { return canonical(value ?? null); } catch { return `${value}`; }
  }

  return { verifyBundle, verifyInclusion, leafHash, parseKey, openNote, canonical, spell, SAYS };
})();
