/**
 * Secrets at rest: AES-256-GCM (node:crypto) under a key ring taken from the environment.
 *
 * `EWSDAV_FLEET_KEYS=id1:base64key,id2:base64key…` — each key is 32 bytes (base64); the **first**
 * key encrypts, every key decrypts. A ciphertext names the id of its key
 * (`ewsdav1.<key id>.<iv>.<tag>.<ciphertext>`, base64url parts) and is bound to its row by
 * associated data (the account id), so a ciphertext copied to another row does not decrypt.
 * Rotation: put a new key first, keep the old ones, run `Fleet.rotateKeys()`, then drop the old
 * keys. No error or log line of this module carries a secret or a key.
 * @module
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** The environment variable holding the key ring. */
export const FLEET_KEYS_ENV = "EWSDAV_FLEET_KEYS";

const PREFIX = "ewsdav1";
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** A key ring problem or a ciphertext that does not decrypt; the message names key ids, never keys or secrets. */
export class FleetKeyError extends Error {
  override readonly name = "FleetKeyError";
}

/** The key ring: the first key encrypts, all decrypt. */
export class KeyRing {
  readonly #keys: ReadonlyMap<string, Buffer>;
  /** The id of the key that encrypts (the first). */
  readonly currentId: string;

  /** From `[id, 32-byte key]` pairs, the encrypting key first. */
  constructor(keys: ReadonlyArray<readonly [string, Buffer]>) {
    if (keys.length === 0) throw new FleetKeyError("the key ring is empty");
    const map = new Map<string, Buffer>();
    for (const [id, key] of keys) {
      if (!KEY_ID.test(id)) throw new FleetKeyError(`key id ${JSON.stringify(id)}: use 1–32 letters, digits, - and _`);
      if (key.length !== 32) throw new FleetKeyError(`key ${id}: an AES-256 key is 32 bytes (base64), this one has ${key.length}`);
      if (map.has(id)) throw new FleetKeyError(`key id ${id} is given twice`);
      map.set(id, Buffer.from(key));
    }
    this.#keys = map;
    this.currentId = keys[0]![0];
  }

  /**
   * Parses `id1:base64key,id2:base64key` (whitespace around entries ignored).
   * @throws FleetKeyError naming the entry's position or id, never its key.
   */
  static parse(text: string): KeyRing {
    const entries = text
      .split(",")
      .map((e) => e.trim())
      .filter((e) => e !== "");
    return new KeyRing(
      entries.map((entry, i) => {
        const colon = entry.indexOf(":");
        if (colon <= 0) throw new FleetKeyError(`${FLEET_KEYS_ENV} entry ${i + 1}: expected id:base64key`);
        const b64 = entry.slice(colon + 1);
        if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(b64)) throw new FleetKeyError(`${FLEET_KEYS_ENV} entry ${i + 1} (${entry.slice(0, colon)}): the key is not base64`);
        return [entry.slice(0, colon), Buffer.from(b64, "base64")] as const;
      }),
    );
  }

  /** The key ring of `EWSDAV_FLEET_KEYS` (or of `env`). @throws FleetKeyError when unset or malformed. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env): KeyRing {
    const text = env[FLEET_KEYS_ENV];
    if (!text) throw new FleetKeyError(`${FLEET_KEYS_ENV} is not set: give id:base64key[,id:base64key…] (32-byte keys; the first encrypts)`);
    return KeyRing.parse(text);
  }

  /** A fresh random 32-byte key as base64, for `EWSDAV_FLEET_KEYS`. */
  static generateKey(): string {
    return randomBytes(32).toString("base64");
  }

  /** The key ids, the encrypting one first. */
  get ids(): string[] {
    return [...this.#keys.keys()];
  }

  /** Encrypts `plaintext` under the current key, bound to `context` (e.g. the account id). */
  encrypt(plaintext: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", this.#keys.get(this.currentId)!, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
    return [PREFIX, this.currentId, iv.toString("base64url"), cipher.getAuthTag().toString("base64url"), body.toString("base64url")].join(".");
  }

  /** The key id a ciphertext names (without decrypting it). */
  static keyIdOf(ciphertext: string): string {
    const parts = ciphertext.split(".");
    if (parts.length !== 5 || parts[0] !== PREFIX) throw new FleetKeyError("not a fleet ciphertext");
    return parts[1]!;
  }

  /**
   * Decrypts a ciphertext of {@link encrypt} made for `context`.
   * @throws FleetKeyError when its key is not in the ring, or it was altered or belongs to another row.
   */
  decrypt(ciphertext: string, context: string): string {
    const parts = ciphertext.split(".");
    if (parts.length !== 5 || parts[0] !== PREFIX) throw new FleetKeyError(`${context}: the stored secret is not a fleet ciphertext`);
    const [, id, iv, tag, body] = parts as [string, string, string, string, string];
    const key = this.#keys.get(id);
    if (!key) throw new FleetKeyError(`${context}: the secret is encrypted under key ${id}, which ${FLEET_KEYS_ENV} does not hold`);
    const ivBytes = Buffer.from(iv, "base64url");
    const tagBytes = Buffer.from(tag, "base64url");
    // Only the shapes encrypt() makes: a 12-byte IV and a whole 16-byte tag (a shortened tag would
    // be accepted by GCM and make a forgery cheap).
    if (ivBytes.length !== 12 || tagBytes.length !== 16) throw new FleetKeyError(`${context}: the stored secret is not a fleet ciphertext (IV or tag length)`);
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, ivBytes, { authTagLength: 16 });
      decipher.setAAD(Buffer.from(context, "utf8"));
      decipher.setAuthTag(tagBytes);
      return Buffer.concat([decipher.update(Buffer.from(body, "base64url")), decipher.final()]).toString("utf8");
    } catch {
      throw new FleetKeyError(`${context}: the secret does not decrypt under key ${id} (altered, or not this row's)`);
    }
  }
}
