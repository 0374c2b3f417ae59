/**
 * Strings read from a file are often slices of its text (V8 keeps a slice of 13 characters or more
 * as a view of the whole): a value kept after the file is released (a resource's name in a finding,
 * a projection's image) would keep the whole text alive. These copies share nothing with it.
 */
export function detachString(s: string): string {
  // Concatenation then slice makes a fresh string one character longer than the value, not the file.
  if (s.length >= 13) return (' ' + s).slice(1);
  // A short one is a copy already; names, kinds and labels repeat across files: one copy each.
  let kept = shortStrings.get(s);
  if (kept === undefined) {
    if (shortStrings.size >= MAX_SHORT_STRINGS) shortStrings.clear();
    shortStrings.set(s, (kept = s));
  }
  return kept;
}

const shortStrings = new Map<string, string>();
const MAX_SHORT_STRINGS = 50_000;

/** A deep copy of parsed data whose strings share nothing with the file's text. */
export function detach<T>(value: T): T {
  if (typeof value === 'string') return detachString(value) as T;
  if (Array.isArray(value)) return value.map(detach) as T;
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) if (key !== '__proto__') out[key] = detach((value as Record<string, unknown>)[key]);
  return out as T;
}
