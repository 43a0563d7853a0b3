/**
 * Envelope encryption of AI Gateway secrets, as MLflow does it (`mlflow/utils/crypto.py`), with
 * WebCrypto: a key-encryption key (KEK) derived from the configured passphrase
 * (`MLFLOW_CRYPTO_KEK_PASSPHRASE`, PBKDF2-SHA256), a fresh data key (DEK, AES-256) per secret
 * value, the value sealed with AES-GCM under the DEK with the secret's id and name as additional
 * authenticated data (so a value cannot be moved to another secret), and the DEK sealed under
 * the KEK. Only the sealed forms and a masked copy are ever stored; the plaintext is returned
 * by {@link openSecret} alone, for the outbound provider call.
 *
 * Unlike MLflow, the built-in default passphrase is not used unless the operator opts in
 * (`MLFLOW_GATEWAY_ALLOW_DEFAULT_PASSPHRASE=true`): without a passphrase, writing a secret fails
 * with a clear message instead of encrypting under a publicly known key.
 *
 * @module
 */
import { MlflowError } from "../../errors.ts";

/** MLflow's environment variable for the KEK passphrase. */
export const KEK_PASSPHRASE_ENV_VAR = "MLFLOW_CRYPTO_KEK_PASSPHRASE";

/** MLflow's public `DEFAULT_KEK_PASSPHRASE` (`mlflow/utils/crypto.py`), used only on opt-in. */
export const MLFLOW_DEFAULT_KEK_PASSPHRASE = "mlflow-default-kek-passphrase-for-development-only";

/** The message when secrets are written on a server without a passphrase. */
export const NO_PASSPHRASE_MESSAGE = `AI Gateway secrets are unavailable: the server has no ` +
  `encryption key. Set ${KEK_PASSPHRASE_ENV_VAR} to a unique, high-entropy passphrase on the ` +
  `server (and keep it: secrets written under it cannot be read without it).`;

/** The sealed form of a secret value. */
export interface SealedSecret {
  /** base64 of IV (12 bytes) + AES-GCM ciphertext of the JSON value. */
  encrypted_value: string;
  /** base64 of IV (12 bytes) + AES-GCM ciphertext of the raw DEK. */
  wrapped_dek: string;
  kek_version: number;
}

const KEK_SALT = new TextEncoder().encode("mlflow-dynamodb-server/gateway-kek/v1");
const KEK_ITERATIONS = 210_000;
const kekCache = new Map<string, Promise<CryptoKey>>();

function kek(passphrase: string): Promise<CryptoKey> {
  let key = kekCache.get(passphrase);
  if (!key) {
    key = (async () => {
      const base = await crypto.subtle.importKey(
        "raw",
        new TextEncoder().encode(passphrase),
        "PBKDF2",
        false,
        ["deriveKey"],
      );
      return crypto.subtle.deriveKey(
        { name: "PBKDF2", hash: "SHA-256", salt: KEK_SALT, iterations: KEK_ITERATIONS },
        base,
        { name: "AES-GCM", length: 256 },
        false,
        ["encrypt", "decrypt"],
      );
    })();
    kekCache.set(passphrase, key);
  }
  return key;
}

function b64(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

function unb64(s: string): Uint8Array<ArrayBuffer> {
  const raw = atob(s);
  const out = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
  return out;
}

async function seal(key: CryptoKey, plain: Uint8Array<ArrayBuffer>, aad?: Uint8Array<ArrayBuffer>) {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ct = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv, ...(aad ? { additionalData: aad } : {}) },
      key,
      plain,
    ),
  );
  const out = new Uint8Array(iv.length + ct.length);
  out.set(iv);
  out.set(ct, iv.length);
  return b64(out);
}

async function open(key: CryptoKey, sealed: string, aad?: Uint8Array<ArrayBuffer>) {
  const bytes = unb64(sealed);
  return new Uint8Array(
    await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: bytes.slice(0, 12), ...(aad ? { additionalData: aad } : {}) },
      key,
      bytes.slice(12),
    ),
  );
}

function aadOf(secretId: string, secretName: string): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(`${secretId}|${secretName}`);
}

function requirePassphrase(passphrase: string | undefined): string {
  if (!passphrase) throw new MlflowError("NOT_IMPLEMENTED", NO_PASSPHRASE_MESSAGE);
  return passphrase;
}

/** Seals `value` for the secret `secretId`/`secretName`. */
export async function sealSecret(
  passphrase: string | undefined,
  secretId: string,
  secretName: string,
  value: Record<string, string>,
): Promise<SealedSecret> {
  const k = await kek(requirePassphrase(passphrase));
  const dek = crypto.getRandomValues(new Uint8Array(32));
  const dekKey = await crypto.subtle.importKey("raw", dek, "AES-GCM", false, ["encrypt"]);
  const plain = new TextEncoder().encode(JSON.stringify(value));
  return {
    encrypted_value: await seal(dekKey, plain, aadOf(secretId, secretName)),
    wrapped_dek: await seal(k, dek),
    kek_version: 1,
  };
}

/** Opens a sealed value; a clear error when the passphrase is not the one it was sealed under. */
export async function openSecret(
  passphrase: string | undefined,
  secretId: string,
  secretName: string,
  sealed: SealedSecret,
): Promise<Record<string, string>> {
  const k = await kek(requirePassphrase(passphrase));
  try {
    const dek = await open(k, sealed.wrapped_dek);
    const dekKey = await crypto.subtle.importKey("raw", dek, "AES-GCM", false, ["decrypt"]);
    const plain = await open(dekKey, sealed.encrypted_value, aadOf(secretId, secretName));
    return JSON.parse(new TextDecoder().decode(plain));
  } catch {
    throw new MlflowError(
      "INVALID_STATE",
      `Failed to decrypt secret '${secretName}': it was written under another ` +
        `${KEK_PASSPHRASE_ENV_VAR}. Set the passphrase it was written with.`,
    );
  }
}

/** MLflow's `_mask_string_value`: first 3 and last 4 characters, `***` under 8 characters. */
export function maskValue(value: unknown): string {
  if (typeof value !== "string" || value.length < 8) return "***";
  return `${value.slice(0, 3)}...${value.slice(-4)}`;
}

/** MLflow's `_mask_secret_value`. */
export function maskSecret(value: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskValue(v)]));
}
