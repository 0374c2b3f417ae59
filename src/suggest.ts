/** "Did you mean": the closest of `known` to a mistyped `word`, or null when none is a typo away. */
export function closest(word: string, known: Iterable<string>): string | null {
  const lower = word.toLowerCase();
  let best: string | null = null;
  let bestDistance = Math.max(2, Math.floor(word.length / 4)) + 1;
  for (const candidate of known) {
    // A case slip (failon) is the likeliest typo of all.
    const d = candidate.toLowerCase() === lower ? 0 : candidate.startsWith(word) || candidate.endsWith(`-${word}`) ? 1 : editDistance(lower, candidate.toLowerCase());
    if (d < bestDistance || (d === bestDistance && best !== null && candidate < best)) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/** Levenshtein distance: a typo is one or two keystrokes away. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = row;
  }
  return prev[b.length]!;
}
