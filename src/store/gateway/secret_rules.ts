/**
 * What MLflow refuses in a gateway secret before storing it (`mlflow/utils/validation.py`,
 * `_validate_gateway_secret_auth_config`, `_validate_gateway_secret_value`,
 * `_validate_gateway_api_base`): keys that would steer where the gateway sends requests, and an
 * `api_base` that is not public HTTPS (SSRF guard). `MLFLOW_GATEWAY_API_BASE_ALLOWED_SCHEMES`
 * and `MLFLOW_GATEWAY_API_BASE_ALLOW_PRIVATE_IPS` relax the latter, as in MLflow.
 *
 * @module
 */
import ipaddr from "ipaddr.js";
import { invalidParameter } from "../../errors.ts";

/** LiteLLM options that choose the upstream (MLflow's `GATEWAY_DESTINATION_KEYS`). */
export const GATEWAY_DESTINATION_KEYS = [
  "api_base",
  "base_url",
  "model_list",
  "fallbacks",
  "custom_llm_provider",
];

/** How an `api_base` is checked. */
export interface ApiBasePolicy {
  allowedSchemes: string[];
  allowPrivateIps: boolean;
  /** Resolves a host name to its addresses (tests inject one). */
  resolve?: (host: string) => Promise<string[]>;
}

/** MLflow's defaults, read from its environment variables. */
export function apiBasePolicyFromEnv(): ApiBasePolicy {
  const schemes = Deno.env.get("MLFLOW_GATEWAY_API_BASE_ALLOWED_SCHEMES");
  const allowPrivate = (Deno.env.get("MLFLOW_GATEWAY_API_BASE_ALLOW_PRIVATE_IPS") ?? "")
    .toLowerCase();
  return {
    allowedSchemes: schemes ? schemes.split(",").map((s) => s.trim()).filter(Boolean) : ["https"],
    allowPrivateIps: allowPrivate === "true" || allowPrivate === "1",
  };
}

const quote = (s: string) => `'${s.replaceAll("\\", "\\\\").replaceAll("'", "\\'")}'`;

function reserved(keys: string[], allowed: (k: string) => boolean): string[] {
  return GATEWAY_DESTINATION_KEYS.filter((k) => !allowed(k) && keys.includes(k)).sort();
}

/** `_validate_gateway_secret_value`. */
export function validateSecretValue(value: Record<string, string> | undefined): void {
  if (!value) return;
  const bad = reserved(Object.keys(value), () => false);
  if (bad.length) {
    throw invalidParameter(
      `secret_value must not contain ${bad.map(quote).join(", ")}: these keys choose where ` +
        "the gateway sends requests. Set the upstream with 'api_base' in auth_config, where it " +
        "is validated.",
    );
  }
}

/**
 * `_validate_gateway_secret_auth_config`: the normalized copy (a blank `api_base` dropped),
 * or undefined for an empty map.
 */
export async function validateAuthConfig(
  config: Record<string, string> | undefined,
  policy: ApiBasePolicy,
): Promise<Record<string, string> | undefined> {
  if (!config || Object.keys(config).length === 0) return undefined;
  const normalized = { ...config };
  const bad = reserved(Object.keys(normalized), (k) => k === "api_base");
  if (bad.length) {
    throw invalidParameter(
      `auth_config must not contain ${bad.map(quote).join(", ")}: these LiteLLM options ` +
        "choose where the gateway sends requests. Set the upstream with 'api_base', which is " +
        "validated.",
    );
  }
  const apiBase = normalized.api_base?.trim();
  if (!apiBase) {
    delete normalized.api_base;
    return normalized;
  }
  await validateApiBase(apiBase, policy);
  normalized.api_base = apiBase;
  return normalized;
}

const FIELD = "Gateway secret api_base";

/** `_validate_gateway_api_base` (MLflow's `_validate_public_https_url`). */
export async function validateApiBase(url: string, policy: ApiBasePolicy): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (e) {
    throw invalidParameter(`Invalid ${FIELD} ${quote(url)}: ${(e as Error).message}`);
  }
  const scheme = parsed.protocol.replace(/:$/, "");
  const allowed = policy.allowedSchemes.map((s) => s.toLowerCase());
  if (!allowed.includes(scheme)) {
    throw invalidParameter(
      `Invalid ${FIELD} scheme: ${quote(scheme)}. Allowed schemes are: ${
        [...new Set(allowed)].sort().map(quote).join(", ")
      }.`,
    );
  }
  if (parsed.username || parsed.password) {
    throw invalidParameter(`${FIELD} must not include embedded credentials: ${quote(url)}`);
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, "");
  if (!host) throw invalidParameter(`${FIELD} must include a hostname: ${quote(url)}`);
  if (policy.allowPrivateIps) return;
  const addresses = ipaddr.isValid(host) ? [host] : await resolveHost(host, policy);
  for (const a of addresses) {
    if (!isPublicIp(a)) {
      throw invalidParameter(
        `${FIELD} must not resolve to a non-public IP address. ${quote(host)} resolves to ${a}.`,
      );
    }
  }
}

async function resolveHost(host: string, policy: ApiBasePolicy): Promise<string[]> {
  const resolve = policy.resolve ?? defaultResolve;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (e) {
    throw invalidParameter(
      `Cannot resolve ${FIELD} hostname ${quote(host)}: ${(e as Error).message}`,
    );
  }
  if (addresses.length === 0) {
    throw invalidParameter(`Cannot resolve ${FIELD} hostname ${quote(host)}: no address`);
  }
  return addresses;
}

/** Resolves a host name to its A and AAAA addresses (`localhost` to loopback). */
export async function defaultResolve(host: string): Promise<string[]> {
  if (host === "localhost" || host.endsWith(".localhost")) return ["127.0.0.1"];
  const [v4, v6] = await Promise.allSettled([
    Deno.resolveDns(host, "A"),
    Deno.resolveDns(host, "AAAA"),
  ]);
  const out = [
    ...(v4.status === "fulfilled" ? v4.value : []),
    ...(v6.status === "fulfilled" ? v6.value : []),
  ];
  if (out.length === 0 && v4.status === "rejected") throw v4.reason;
  return out;
}

/** True for a globally routable unicast address (IPv4-mapped IPv6 judged as IPv4). */
export function isPublicIp(address: string): boolean {
  let ip = ipaddr.parse(address);
  if (ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress()) {
    ip = (ip as ipaddr.IPv6).toIPv4Address();
  }
  return ip.range() === "unicast";
}
