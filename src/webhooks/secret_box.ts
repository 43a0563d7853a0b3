/**
 * Webhook secrets at rest: AES-256-GCM through WebCrypto, keyed from
 * `MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY` (the variable MLflow reads for the same purpose).
 *
 * MLflow feeds that variable to Fernet and, when it is unset, makes up a random key per process,
 * so its secrets silently stop decrypting after a restart. We refuse instead: without a key a
 * webhook cannot get a secret (a clear 400), and any string works as the key (HKDF-SHA256 turns
 * it into the AES key, so a Fernet key copied from an MLflow deployment works as well). The
 * webhook id is the additional authenticated data, so a sealed secret cannot be moved to another
 * webhook's item.
 *
 * @module
 */
import { invalidParameter } from "../errors.ts";

const VERSION = "v1";
const enc = new TextEncoder();

function toBase64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function fromBase64(s: string): Uint8Array {
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

/** Seals and opens webhook secrets with one configured key. */
export class SecretBox {
  private constructor(private readonly key: CryptoKey | undefined) {}

  /** A box keyed from `passphrase`; without one, {@link seal} refuses. */
  static async create(passphrase: string | undefined): Promise<SecretBox> {
    if (!passphrase) return new SecretBox(undefined);
    const material = await crypto.subtle.importKey("raw", enc.encode(passphrase), "HKDF", false, [
      "deriveKey",
    ]);
    const key = await crypto.subtle.deriveKey(
      {
        name: "HKDF",
        hash: "SHA-256",
        salt: enc.encode("mlflow-dynamodb-server webhook secrets"),
        info: enc.encode(VERSION),
      },
      material,
      { name: "AES-GCM", length: 256 },
      false,
      ["encrypt", "decrypt"],
    );
    return new SecretBox(key);
  }

  /** True when a key is configured. */
  get configured(): boolean {
    return this.key !== undefined;
  }

  /** Encrypts `secret` for webhook `webhookId`. */
  async seal(secret: string, webhookId: string): Promise<string> {
    if (!this.key) {
      throw invalidParameter(
        "Webhook secrets are stored encrypted and this server has no key: set " +
          "MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY on the server, or create the webhook without a secret.",
      );
    }
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: enc.encode(webhookId) },
        this.key,
        enc.encode(secret),
      ),
    );
    const out = new Uint8Array(iv.length + sealed.length);
    out.set(iv);
    out.set(sealed, iv.length);
    return `${VERSION}:${toBase64(out)}`;
  }

  /** Decrypts a sealed secret; throws when the key is missing or another key sealed it. */
  async open(sealed: string, webhookId: string): Promise<string> {
    if (!this.key) throw new Error("MLFLOW_WEBHOOK_SECRET_ENCRYPTION_KEY is not set");
    if (!sealed.startsWith(`${VERSION}:`)) throw new Error("unknown sealed-secret format");
    const bytes = fromBase64(sealed.slice(VERSION.length + 1));
    const plain = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.slice(0, 12), additionalData: enc.encode(webhookId) },
      this.key,
      bytes.slice(12),
    );
    return new TextDecoder().decode(plain);
  }
}
