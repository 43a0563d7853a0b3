/**
 * The settings of the HTTP security layer, as `mlflow server` (≥ 3.5) has them
 * (`mlflow/server/security_utils.py`, `fastapi_security.py`), and the paths they apply to.
 *
 * @module
 */

/** What the security middleware enforces. Every field is optional; unset means MLflow's default. */
export interface SecurityOptions {
  /** `--allowed-hosts`: Host patterns; unset → {@link defaultAllowedHosts}; `*` allows all. */
  allowedHosts?: string[];
  /** The bind address (`--host`), allowed as a Host besides the defaults. */
  bindHost?: string;
  /** `--cors-allowed-origins`: origins (fnmatch) besides localhost; `*` allows all. */
  corsAllowedOrigins?: string[];
  /** `--x-frame-options` (`SAMEORIGIN`, `DENY`, or `NONE` to omit the header). */
  xFrameOptions?: string;
  /** `--disable-security-middleware`: no host check, no CORS, no security headers. */
  disabled?: boolean;
}

/** MLflow's host-check answer. */
export const INVALID_HOST_MSG = "Invalid Host header - possible DNS rebinding attack detected";
/** MLflow's cross-origin block answer. */
export const CORS_BLOCKED_MSG = "Cross-origin request blocked";

const LOCALHOST_VARIANTS = ["localhost", "127.0.0.1", "[::1]", "0.0.0.0"];

function privateIpPatterns(): string[] {
  const out = ["192.168.*", "10.*"];
  for (let i = 16; i < 32; i++) out.push(`172.${i}.*`);
  return [...out, "fc00:*", "fd00:*"];
}

/** The Host form of a bind address: IPv6 literals in brackets. */
function hostForm(bind: string): string {
  return bind.includes(":") && !bind.startsWith("[") ? `[${bind}]` : bind;
}

/**
 * MLflow's default Host allowlist (localhost names on any port, private address ranges), plus the
 * bind address when it is a specific one.
 */
export function defaultAllowedHosts(bindHost?: string): string[] {
  const hosts = [...LOCALHOST_VARIANTS];
  if (bindHost && bindHost !== "0.0.0.0" && bindHost !== "::" && bindHost !== "[::]") {
    const h = hostForm(bindHost);
    if (!hosts.includes(h)) hosts.push(h);
  }
  // fnmatch needs `[` escaped as `[[]` in the port patterns of IPv6 literals.
  const withPorts = hosts.map((h) => `${h.replace("[", "[[]")}:*`);
  return [...hosts, ...withPorts, ...privateIpPatterns()];
}

/** The route prefixes of MLflow's JSON and artifact APIs (`is_api_endpoint`). */
export function isApiPath(path: string, staticPrefix = ""): boolean {
  if (path === "/test" || path === "/api/test") return false;
  return path.startsWith(`${staticPrefix}/api/`) || path.startsWith(`${staticPrefix}/ajax-api/`) ||
    path.startsWith("/api/2.0/mlflow-artifacts/artifacts") ||
    path.startsWith("/ajax-api/2.0/mlflow-artifacts/artifacts");
}

/**
 * `/health` and `/version` (under the static prefix) are exempt from the host check, as in MLflow;
 * so is our `/ready`, which load balancers probe by address.
 */
export function isHealthPath(path: string, staticPrefix = ""): boolean {
  return path === `${staticPrefix}/health` || path === `${staticPrefix}/version` ||
    path === `${staticPrefix}/ready`;
}
