/**
 * Password hashes in werkzeug's string format, so that the users of an MLflow auth database
 * (`users.password_hash`) can be imported as they are and our hashes read back by MLflow:
 *
 * - `scrypt:N:r:p$salt$hex` (werkzeug ≥ 3 default `scrypt:32768:8:1`, 64-byte key), what we write;
 * - `pbkdf2:<digest>:<iterations>$salt$hex` (older MLflow databases), verified only.
 *
 * The salt is used as its UTF-8 text, as werkzeug does. Hashing runs on `node:crypto`'s async
 * scrypt/PBKDF2 (off the event loop) and the comparison is constant-time (`timingSafeEqual`).
 *
 * @module
 */
import { pbkdf2, randomInt, scrypt, timingSafeEqual } from "node:crypto";

const SALT_CHARS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const SALT_LENGTH = 16;
const SCRYPT_KEY_BYTES = 64;
const PBKDF2_DIGEST_BYTES: Record<string, number> = {
  sha1: 20,
  sha224: 28,
  sha256: 32,
  sha384: 48,
  sha512: 64,
};
/** Refuse absurd work factors from an imported hash (each verification would pin the CPU). */
const MAX_SCRYPT_N = 1 << 20;
const MAX_PBKDF2_ITERATIONS = 10_000_000;

/** The method we hash new passwords with: werkzeug's default. */
export const DEFAULT_METHOD = "scrypt:32768:8:1";

function salt(): string {
  let s = "";
  for (let i = 0; i < SALT_LENGTH; i++) s += SALT_CHARS[randomInt(SALT_CHARS.length)];
  return s;
}

function scryptKey(password: string, saltText: string, n: number, r: number, p: number) {
  return new Promise<Uint8Array>((resolve, reject) =>
    scrypt(
      password,
      saltText,
      SCRYPT_KEY_BYTES,
      { N: n, r, p, maxmem: 132 * n * r * p + 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(new Uint8Array(key))),
    )
  );
}

function pbkdf2Key(password: string, saltText: string, iterations: number, digest: string) {
  return new Promise<Uint8Array>((resolve, reject) =>
    pbkdf2(
      password,
      saltText,
      iterations,
      PBKDF2_DIGEST_BYTES[digest]!,
      digest,
      (err, key) => (err ? reject(err) : resolve(new Uint8Array(key))),
    )
  );
}

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/i.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Derives the key a `method` string names, or `undefined` for a method we do not know. */
async function derive(
  method: string,
  password: string,
  saltText: string,
): Promise<Uint8Array | undefined> {
  const parts = method.split(":");
  if (parts[0] === "scrypt") {
    const [n, r, p] = parts.slice(1).map(Number) as [number, number, number];
    if (parts.length !== 4 || ![n, r, p].every((v) => Number.isInteger(v) && v > 0)) {
      return undefined;
    }
    if (n > MAX_SCRYPT_N || (n & (n - 1)) !== 0 || r * p >= 1 << 30) return undefined;
    return await scryptKey(password, saltText, n, r, p);
  }
  if (parts[0] === "pbkdf2") {
    const digest = parts[1] ?? "sha256";
    const iterations = parts[2] === undefined ? 600_000 : Number(parts[2]);
    if (parts.length > 3 || !(digest in PBKDF2_DIGEST_BYTES)) return undefined;
    if (!Number.isInteger(iterations) || iterations < 1 || iterations > MAX_PBKDF2_ITERATIONS) {
      return undefined;
    }
    return await pbkdf2Key(password, saltText, iterations, digest);
  }
  return undefined;
}

/** Hashes `password` as werkzeug's `generate_password_hash` does (scrypt by default). */
export async function hashPassword(password: string, method = DEFAULT_METHOD): Promise<string> {
  const s = salt();
  const key = await derive(method, password, s);
  if (!key) throw new RangeError(`Unsupported password hash method: ${method}`);
  return `${method}$${s}$${toHex(key)}`;
}

/** True when `password` matches a werkzeug hash; an unreadable hash never matches. */
export async function verifyPassword(hash: string, password: string): Promise<boolean> {
  const parts = hash.split("$");
  if (parts.length !== 3) return false;
  const [method, saltText, hex] = parts as [string, string, string];
  const expected = fromHex(hex);
  if (!expected || expected.length === 0) return false;
  const actual = await derive(method, password, saltText);
  if (!actual || actual.length !== expected.length) return false;
  return timingSafeEqual(actual, expected);
}
