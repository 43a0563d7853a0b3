/**
 * One HTTP/1.1 POST to a webhook, with the SSRF check on the socket it actually uses.
 *
 * `fetch` resolves the hostname itself and does not say which address it connected to, so a
 * name that resolves to a public address when the webhook is saved and to `169.254.169.254`
 * when it is delivered (DNS rebinding) would get through. Here the hostname is resolved once,
 * every address is checked, the TCP connection goes to a checked address, and the connected
 * socket's peer address is checked again before a byte is sent; TLS then runs over that
 * socket against the original hostname (SNI and certificate checks unchanged). Redirects are
 * never followed (a 3xx is the answer), no proxy is used, and the whole exchange has a
 * deadline.
 *
 * @module
 */
import ipaddr from "ipaddr.js";
import {
  type AddressPolicy,
  bareHostname,
  isPublicAddress,
  systemResolve,
} from "./address_policy.ts";

/** The answer of a webhook endpoint. */
export interface PostAnswer {
  status: number;
  headers: Headers;
  body: string;
}

/** A delivery the address policy refused (never retried). */
export class BlockedAddressError extends Error {
  override name = "BlockedAddressError";
}

/** The largest answer body kept (the rest is read and dropped). */
const MAX_BODY_BYTES = 64 * 1024;

/** POSTs `body` to `url` under `policy`, answering when the server closes or `timeoutMs` passes. */
export async function guardedPost(
  url: URL,
  headers: Record<string, string>,
  body: Uint8Array,
  policy: AddressPolicy,
  timeoutMs: number,
  /** Extra trusted CA certificates (PEM), for tests. */
  caCerts?: string[],
): Promise<PostAnswer> {
  const host = bareHostname(url);
  const secure = url.protocol === "https:";
  const port = Number(url.port || (secure ? 443 : 80));
  if (!policy.allowedSchemes.includes(url.protocol.slice(0, -1))) {
    throw new BlockedAddressError(`scheme ${url.protocol} is not allowed`);
  }
  const addresses = ipaddr.isValid(host) ? [host] : await (policy.resolve ?? systemResolve)(host);
  const address = addresses[0];
  if (address === undefined) throw new Error(`${host} has no address`);
  if (!policy.allowPrivate) {
    const bad = addresses.find((a) => !isPublicAddress(a));
    if (bad) throw new BlockedAddressError(`${host} resolves to ${bad}, not a public address`);
  }
  const deadline = AbortSignal.timeout(timeoutMs);
  let conn: Deno.Conn = await withDeadline(
    Deno.connect({ hostname: address, port, transport: "tcp" }),
    deadline,
    timeoutMs,
  );
  const abort = () => conn.close();
  deadline.addEventListener("abort", abort, { once: true });
  try {
    const peer = (conn.remoteAddr as Deno.NetAddr).hostname;
    if (!policy.allowPrivate && !isPublicAddress(peer)) {
      throw new BlockedAddressError(
        `Webhook connection blocked: ${peer} is not a public IP address. This may indicate a DNS rebinding attempt.`,
      );
    }
    if (secure) {
      conn = await Deno.startTls(conn as Deno.TcpConn, {
        hostname: host,
        ...(caCerts ? { caCerts } : {}),
      });
    }
    const hostHeader = url.port ? `${url.hostname}:${url.port}` : url.hostname;
    const head = [
      `POST ${url.pathname}${url.search} HTTP/1.1`,
      `Host: ${hostHeader}`,
      ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
      `Content-Length: ${body.length}`,
      "Connection: close",
      "",
      "",
    ].join("\r\n");
    await writeAll(conn, new TextEncoder().encode(head));
    await writeAll(conn, body);
    return parseAnswer(await readAll(conn, deadline));
  } catch (e) {
    if (deadline.aborted) throw new Error(`timed out after ${timeoutMs} ms`);
    throw e;
  } finally {
    deadline.removeEventListener("abort", abort);
    try {
      conn.close();
    } catch {
      // already closed
    }
  }
}

/** `connect` has no signal: stop waiting at the deadline and close the late connection. */
function withDeadline(
  connecting: Promise<Deno.TcpConn>,
  deadline: AbortSignal,
  timeoutMs: number,
): Promise<Deno.TcpConn> {
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new Error(`timed out after ${timeoutMs} ms (connect)`));
    if (deadline.aborted) return onAbort();
    deadline.addEventListener("abort", onAbort, { once: true });
    connecting.then((conn) => {
      deadline.removeEventListener("abort", onAbort);
      if (deadline.aborted) conn.close();
      else resolve(conn);
    }, (e) => {
      deadline.removeEventListener("abort", onAbort);
      reject(e);
    });
  });
}

async function writeAll(conn: Deno.Conn, data: Uint8Array): Promise<void> {
  let off = 0;
  while (off < data.length) off += await conn.write(data.subarray(off));
}

async function readAll(conn: Deno.Conn, deadline: AbortSignal): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const buf = new Uint8Array(16 * 1024);
  while (!deadline.aborted) {
    const n = await conn.read(buf);
    if (n === null) break;
    if (size < MAX_BODY_BYTES + 16 * 1024) {
      chunks.push(buf.slice(0, n));
      size += n;
    }
    if (answerComplete(concat(chunks))) break;
  }
  return concat(chunks);
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.length;
  }
  return out;
}

function splitHead(raw: Uint8Array): { head: string; rest: Uint8Array } | undefined {
  for (let i = 0; i + 3 < raw.length; i++) {
    if (raw[i] === 13 && raw[i + 1] === 10 && raw[i + 2] === 13 && raw[i + 3] === 10) {
      return { head: new TextDecoder().decode(raw.subarray(0, i)), rest: raw.subarray(i + 4) };
    }
  }
  return undefined;
}

/** True once a Content-Length body or the last chunk is in (servers may keep the socket open). */
function answerComplete(raw: Uint8Array): boolean {
  const parts = splitHead(raw);
  if (!parts) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(`\r\n${parts.head}`)?.[1];
  if (length !== undefined) return parts.rest.length >= Number(length);
  if (/\r\ntransfer-encoding:\s*chunked/i.test(`\r\n${parts.head}`)) {
    return new TextDecoder().decode(parts.rest).includes("\r\n0\r\n\r\n") ||
      new TextDecoder().decode(parts.rest).startsWith("0\r\n\r\n");
  }
  return false;
}

function dechunk(rest: Uint8Array): Uint8Array {
  const out: Uint8Array[] = [];
  let off = 0;
  const text = (a: number, b: number) => new TextDecoder().decode(rest.subarray(a, b));
  while (off < rest.length) {
    let eol = off;
    while (eol + 1 < rest.length && !(rest[eol] === 13 && rest[eol + 1] === 10)) eol++;
    const size = parseInt(text(off, eol).split(";")[0]!.trim(), 16);
    if (!(size > 0)) break;
    out.push(rest.subarray(eol + 2, eol + 2 + size));
    off = eol + 2 + size + 2;
  }
  return concat(out);
}

function parseAnswer(raw: Uint8Array): PostAnswer {
  const parts = splitHead(raw);
  if (!parts) throw new Error("the webhook endpoint closed the connection without an HTTP answer");
  const [statusLine, ...lines] = parts.head.split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? "")?.[1]);
  if (!Number.isInteger(status)) throw new Error(`malformed HTTP status line: ${statusLine}`);
  const headers = new Headers();
  for (const line of lines) {
    const i = line.indexOf(":");
    if (i > 0) {
      try {
        headers.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
      } catch {
        // an invalid header name or value: ignored
      }
    }
  }
  let bytes = parts.rest;
  if (/chunked/i.test(headers.get("transfer-encoding") ?? "")) bytes = dechunk(bytes);
  else if (headers.has("content-length")) {
    bytes = bytes.subarray(0, Number(headers.get("content-length")));
  }
  return {
    status,
    headers,
    body: new TextDecoder().decode(bytes.subarray(0, MAX_BODY_BYTES)),
  };
}
