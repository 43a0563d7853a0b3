/**
 * Line coverage of `src/` from the lcov report `deno coverage --lcov` writes over the raw data of
 * every tier (the engine and DynamoDB Local tests, the S3 tests, and the server processes the
 * Python tier starts). The runner fails the run below {@link LINE_THRESHOLD}.
 *
 * @module
 */

/** The run fails below this line coverage of `src/`, in percent. */
export const LINE_THRESHOLD = 90;

/** Lines found and hit in one source file. */
export interface FileCoverage {
  /** Path relative to the repo root, `/`-separated. */
  file: string;
  found: number;
  hit: number;
}

/** Lines found and hit over a set of files, and the percentage. */
export interface CoverageTotal {
  files: FileCoverage[];
  found: number;
  hit: number;
  /** 100 when no line was found. */
  percent: number;
}

/** The per-file line counts of an lcov report (`SF:`, `LF:`, `LH:` records), paths made relative to `root`. */
export function parseLcov(lcov: string, root: string): FileCoverage[] {
  const prefix = root.endsWith("/") ? root : `${root}/`;
  const out: FileCoverage[] = [];
  let current: FileCoverage | undefined;
  for (const raw of lcov.split("\n")) {
    const line = raw.trim();
    if (line.startsWith("SF:")) {
      let file = line.slice(3);
      if (file.startsWith("file://")) file = decodeURIComponent(new URL(file).pathname);
      if (file.startsWith(prefix)) file = file.slice(prefix.length);
      current = { file, found: 0, hit: 0 };
    } else if (current && line.startsWith("LF:")) {
      current.found = Number(line.slice(3));
    } else if (current && line.startsWith("LH:")) {
      current.hit = Number(line.slice(3));
    } else if (current && line === "end_of_record") {
      out.push(current);
      current = undefined;
    }
  }
  return out;
}

/** True for the product code whose coverage counts: `src/**.ts` without tests and test data. */
export function isProductSource(file: string): boolean {
  return file.startsWith("src/") && /\.tsx?$/.test(file) && !/_test\.tsx?$/.test(file) &&
    !file.includes("/testdata/") && !/(^|\/)test_support\.ts$/.test(file) &&
    !/(^|\/)testdata\.ts$/.test(file);
}

/** The line coverage of the files `include` selects. */
export function lineCoverage(
  files: FileCoverage[],
  include: (file: string) => boolean = isProductSource,
): CoverageTotal {
  const selected = files.filter((f) => include(f.file));
  const found = selected.reduce((n, f) => n + f.found, 0);
  const hit = selected.reduce((n, f) => n + f.hit, 0);
  return { files: selected, found, hit, percent: found === 0 ? 100 : (100 * hit) / found };
}

/** `92.31 %` with two decimals, floored so 89.999 never prints as 90.00. */
export function formatPercent(percent: number): string {
  return `${(Math.floor(percent * 100) / 100).toFixed(2)} %`;
}
