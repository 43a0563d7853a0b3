/**
 * Random run names in MLflow's `adjective-noun-NNN` style.
 *
 * @module
 */
const ADJECTIVES = [
  "able", "bold", "brave", "bright", "calm", "clever", "crisp", "daring", "eager", "fair",
  "fast", "gentle", "glad", "grand", "happy", "honest", "keen", "kind", "lively", "lucky",
  "merry", "mighty", "neat", "nimble", "noble", "proud", "quick", "quiet", "rare", "sharp",
  "shy", "silent", "smart", "steady", "sunny", "swift", "tidy", "warm", "wise", "witty",
];
const NOUNS = [
  "ant", "bat", "bee", "carp", "colt", "crab", "crow", "deer", "dove", "duck", "eel", "elk",
  "finch", "fox", "frog", "gnat", "goat", "hare", "hawk", "jay", "koi", "lark", "lynx", "mole",
  "moth", "newt", "owl", "ox", "puma", "ram", "seal", "slug", "snail", "swan", "toad", "trout",
  "vole", "wasp", "wolf", "wren",
];

function pick<T>(list: T[]): T {
  return list[Math.floor(Math.random() * list.length)]!;
}

/** A random run name such as `bold-fox-123`. */
export function randomRunName(): string {
  return `${pick(ADJECTIVES)}-${pick(NOUNS)}-${Math.floor(Math.random() * 1000)}`;
}
