/**
 * Where a webhook may point (MLflow's SSRF guards, `mlflow/utils/validation.py` and
 * `mlflow/webhooks/ssrf.py`): an allowed scheme (`https` unless `MLFLOW_WEBHOOK_ALLOWED_SCHEMES`
 * says otherwise), a hostname, and only public addresses unless private ones are allowed
 * (`--webhooks-allow-private`, `MLFLOW_WEBHOOK_ALLOW_PRIVATE_IPS`). "Public" is Python's
 * `is_global` after unwrapping IPv4-mapped, 6to4 and NAT64 addresses, so `::ffff:127.0.0.1`
 * counts as loopback. The same checks run when a webhook is saved and again on the address of
 * the socket a delivery actually connects to (DNS rebinding).
 *
 * @module
 */
import ipaddr from "ipaddr.js";
import { lookup } from "node:dns/promises";
import { invalidParameter } from "../errors.ts";

/** The address rules of webhook URLs. */
export interface AddressPolicy {
  /** URL schemes a webhook may use (MLflow: `https`). */
  allowedSchemes: string[];
  /** Private, loopback and link-local targets allowed (tests and local development only). */
  allowPrivate: boolean;
  /** Resolves a hostname to every address (defaults to the system resolver, as `connect` uses). */
  resolve?: (hostname: string) => Promise<string[]>;
}

/** The system resolver (`getaddrinfo`, so `/etc/hosts` counts, like the connect that follows). */
export async function systemResolve(hostname: string): Promise<string[]> {
  const found = await lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => a.address);
}

const NAT64 = ipaddr.IPv6.parse("64:ff9b::");

function embeddedIpv4(ip: ipaddr.IPv4 | ipaddr.IPv6): ipaddr.IPv4 | ipaddr.IPv6 {
  if (ip.kind() === "ipv4") return ip;
  const v6 = ip as ipaddr.IPv6;
  if (v6.isIPv4MappedAddress()) return v6.toIPv4Address();
  const p = v6.parts;
  if (p[0] === 0x2002) {
    return new ipaddr.IPv4([p[1]! >> 8, p[1]! & 0xff, p[2]! >> 8, p[2]! & 0xff]);
  }
  if (v6.match(NAT64, 96)) {
    return new ipaddr.IPv4([p[6]! >> 8, p[6]! & 0xff, p[7]! >> 8, p[7]! & 0xff]);
  }
  return v6;
}

/** True for a globally routable unicast address (not private, loopback, link-local, ...). */
export function isPublicAddress(address: string): boolean {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = embeddedIpv4(ipaddr.parse(address.replace(/^\[|\]$/g, "").replace(/%.*$/, "")));
  } catch {
    return false;
  }
  return ip.range() === "unicast";
}

/** MLflow's refusal of numeric hosts that are not canonical literals (`127.1`, `0177.0.0.1`). */
function checkCanonicalLiteral(hostname: string): void {
  const looksNumeric = hostname.includes(":") || /^[\d.]+$/.test(hostname);
  if (!looksNumeric) return;
  const bare = hostname.replace(/^\[|\]$/g, "");
  const canonical = ipaddr.IPv4.isValidFourPartDecimal(bare) || ipaddr.IPv6.isValid(bare);
  if (!canonical) {
    throw invalidParameter(`Webhook URL host '${bare}' is not a canonical IP address literal.`);
  }
}

/** The URL's hostname without IPv6 brackets. */
export function bareHostname(url: URL): string {
  return url.hostname.replace(/^\[|\]$/g, "");
}

/** Checks a webhook URL as MLflow's `_validate_webhook_url` does; throws MLflow's 400. */
export async function validateWebhookUrl(raw: string, policy: AddressPolicy): Promise<void> {
  if (raw.trim() === "") {
    throw invalidParameter(`Webhook URL cannot be empty or just whitespace: '${raw}'`);
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch (e) {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(raw)?.[1]?.toLowerCase() ?? "";
    if (!policy.allowedSchemes.includes(scheme)) throw schemeError(scheme, policy);
    throw invalidParameter(`Invalid webhook URL '${raw}': ${(e as Error).message}`);
  }
  const scheme = url.protocol.slice(0, -1);
  if (!policy.allowedSchemes.includes(scheme)) throw schemeError(scheme, policy);
  const host = bareHostname(url);
  if (host === "") throw invalidParameter(`Webhook URL must include a hostname: '${raw}'`);
  // WHATWG URL rewrites `127.1` to `127.0.0.1`; check the host as written.
  const written = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(raw)?.[1];
  checkCanonicalLiteral(written ?? url.hostname);
  if (policy.allowPrivate) return;
  let addresses: string[];
  try {
    addresses = ipaddr.isValid(host) ? [host] : await (policy.resolve ?? systemResolve)(host);
  } catch (e) {
    throw invalidParameter(
      `Cannot resolve Webhook URL hostname '${host}': ${(e as Error).message}`,
    );
  }
  for (const address of addresses) {
    if (!isPublicAddress(address)) {
      throw invalidParameter(
        `Webhook URL must not resolve to a non-public IP address. '${host}' resolves to ${address}.`,
      );
    }
  }
}

function schemeError(scheme: string, policy: AddressPolicy) {
  return invalidParameter(
    `Invalid webhook URL scheme: '${scheme}'. Allowed schemes are: ${
      policy.allowedSchemes.join(", ")
    }.`,
  );
}
