/**
 * The old server, as `deno task import` reads it: MLflow's REST API only, so any MLflow backend
 * (SQLite, Postgres, a file store, another vendor's server) can be the source. Authenticates as
 * the Python client does (`MLFLOW_TRACKING_TOKEN` as a bearer token, else
 * `MLFLOW_TRACKING_USERNAME`/`MLFLOW_TRACKING_PASSWORD` as basic auth). Every failure becomes an
 * {@link ImportError} with one line to print: no stack traces for an unreachable server.
 *
 * @module
 */

/** A failure the import command reports as one line. */
export class ImportError extends Error {
  override name = "ImportError";
}

/** How the source client authenticates and retries. */
export interface SourceOptions {
  env?: Record<string, string | undefined>;
  /** Attempts for a request that failed on the network or with 429/5xx (default 4). */
  attempts?: number;
  /** The first retry's delay in ms, doubled each time (default 250). */
  backoffMs?: number;
}

type Query = Record<string, string | number | undefined>;

/** A JSON client for one MLflow server. */
export class SourceClient {
  readonly base: string;
  readonly #headers: Record<string, string>;
  readonly #attempts: number;
  readonly #backoffMs: number;

  constructor(url: string, options: SourceOptions = {}) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ImportError(`--from: '${url}' is not a URL (e.g. http://old-server:5000)`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
      throw new ImportError(`--from: '${url}' must be an http:// or https:// URL`);
    }
    this.base = parsed.href.replace(/\/+$/, "");
    const env = options.env ?? {};
    this.#headers = {};
    if (env.MLFLOW_TRACKING_TOKEN) {
      this.#headers.authorization = `Bearer ${env.MLFLOW_TRACKING_TOKEN}`;
    } else if (env.MLFLOW_TRACKING_USERNAME || env.MLFLOW_TRACKING_PASSWORD) {
      const pair = `${env.MLFLOW_TRACKING_USERNAME ?? ""}:${env.MLFLOW_TRACKING_PASSWORD ?? ""}`;
      const bytes = new TextEncoder().encode(pair);
      this.#headers.authorization = `Basic ${btoa(String.fromCharCode(...bytes))}`;
    }
    this.#attempts = Math.max(1, options.attempts ?? 4);
    this.#backoffMs = options.backoffMs ?? 250;
  }

  url(path: string, query: Query = {}): string {
    const u = new URL(this.base + path);
    for (const [k, v] of Object.entries(query)) {
      if (v !== undefined) u.searchParams.set(k, String(v));
    }
    return u.href;
  }

  /** A raw response (2xx only), retried on network errors, 429 and 5xx. */
  async fetch(path: string, query: Query = {}, init: RequestInit = {}): Promise<Response> {
    const url = this.url(path, query);
    for (let attempt = 1;; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, { ...init, headers: { ...this.#headers, ...init.headers } });
      } catch (e) {
        if (attempt < this.#attempts) {
          await this.#sleep(attempt);
          continue;
        }
        throw new ImportError(`cannot reach ${this.base}: ${oneLine(e)}`);
      }
      if (res.ok) return res;
      const text = await res.text().catch(() => "");
      if ((res.status === 429 || res.status >= 500) && attempt < this.#attempts) {
        await this.#sleep(attempt);
        continue;
      }
      throw new ImportError(
        `${init.method ?? "GET"} ${path} on ${this.base} failed: HTTP ${res.status}${
          errorDetail(text)
        }`,
      );
    }
  }

  /** GET a JSON endpoint. */
  async get<T>(path: string, query: Query = {}): Promise<T> {
    return await this.#json<T>(await this.fetch(path, query), path);
  }

  /** POST JSON to an endpoint. */
  async post<T>(path: string, body: unknown): Promise<T> {
    const res = await this.fetch(path, {}, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return await this.#json<T>(res, path);
  }

  /** Every item of a paged listing: `fetchPage(token)` returns its items and the next token. */
  async *pages<T>(
    fetchPage: (token: string | undefined) => Promise<{ items: T[]; next?: string }>,
  ): AsyncGenerator<T> {
    let token: string | undefined;
    const seen = new Set<string>();
    do {
      const { items, next } = await fetchPage(token);
      yield* items;
      // A server that hands back the same token forever must not loop the import.
      if (next && seen.has(next)) throw new ImportError(`${this.base} repeated a page token`);
      if (next) seen.add(next);
      token = next || undefined;
    } while (token);
  }

  async #json<T>(res: Response, path: string): Promise<T> {
    const text = await res.text();
    try {
      return (text === "" ? {} : JSON.parse(text)) as T;
    } catch {
      throw new ImportError(`${path} on ${this.base} did not answer JSON: is it an MLflow server?`);
    }
  }

  #sleep(attempt: number): Promise<void> {
    return new Promise((r) => setTimeout(r, this.#backoffMs * 2 ** (attempt - 1)));
  }
}

function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split("\n")[0]!.trim();
}

function errorDetail(text: string): string {
  try {
    const body = JSON.parse(text) as { error_code?: string; message?: string };
    if (body.error_code || body.message) {
      return ` ${body.error_code ?? ""}: ${(body.message ?? "").split("\n")[0]}`;
    }
  } catch {
    // not JSON
  }
  return "";
}
