/**
 * The import's checkpoint: one append-only file of JSON lines, one line per finished entity
 * (`{"k":"run:abc","v":…}`), synced as written. A rerun reads it and skips what it lists, so an
 * interrupted import continues where it stopped and a finished one copies nothing twice. A torn
 * last line (a kill mid-write) is ignored: that entity is copied again, and every copy step is
 * idempotent (ids are kept and checked for existence first).
 *
 * @module
 */

/** Finished entities, and what the verification needs to know about them (checksums). */
export class Checkpoint {
  readonly #done = new Map<string, unknown>();
  #file: Deno.FsFile | undefined;

  private constructor(readonly path: string | undefined) {}

  /** Opens (creating) the file at `path`; undefined keeps the checkpoint in memory only. */
  static async open(path: string | undefined): Promise<Checkpoint> {
    const c = new Checkpoint(path);
    if (path === undefined) return c;
    let text = "";
    try {
      text = await Deno.readTextFile(path);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e;
    }
    for (const line of text.split("\n")) {
      if (line.trim() === "") continue;
      try {
        const { k, v } = JSON.parse(line) as { k: string; v?: unknown };
        c.#done.set(k, v ?? true);
      } catch {
        // a torn line from an interrupted write
      }
    }
    c.#file = await Deno.open(path, { create: true, append: true });
    return c;
  }

  has(key: string): boolean {
    return this.#done.has(key);
  }

  get<T>(key: string): T | undefined {
    return this.#done.get(key) as T | undefined;
  }

  /** Records a finished entity (durably, before the import moves on). */
  async mark(key: string, value: unknown = true): Promise<void> {
    this.#done.set(key, value);
    if (!this.#file) return;
    const line = JSON.stringify(value === true ? { k: key } : { k: key, v: value }) + "\n";
    const bytes = new TextEncoder().encode(line);
    let written = 0;
    while (written < bytes.length) written += await this.#file.write(bytes.subarray(written));
    await this.#file.syncData();
  }

  close(): void {
    this.#file?.close();
    this.#file = undefined;
  }
}
