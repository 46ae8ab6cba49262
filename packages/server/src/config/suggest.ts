import { quote } from './issues.ts';

/**
 * Optimal-string-alignment distance: Levenshtein plus adjacent transpositions, because swapped letters
 * (`clinets`) are the most common typo in hand-written YAML keys.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number): number => d[i]?.[j] ?? Number.POSITIVE_INFINITY;
  for (let i = 1; i < rows; i++) {
    const row = d[i]!;
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      row[j] = best;
    }
  }
  return at(a.length, b.length);
}

// Case and separators are the usual mismatch between Auth0 spellings (`resource_servers` vs
// `resourceServers`), so they are compared away before counting edits.
function loose(value: string): string {
  return value.toLowerCase().replace(/[_\-\s]/g, '');
}

/**
 * The candidate closest to `word`, if it is within `maxDistance` edits (case-insensitive, ignoring
 * `_`, `-` and spaces), for "did you mean" hints. Returns undefined when nothing is close or on an exact match.
 */
export function closest(word: string, candidates: Iterable<string>, maxDistance = 2): string | undefined {
  const target = loose(word);
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    if (candidate === word) continue;
    const distance = loose(candidate) === target ? 0 : editDistance(word.toLowerCase(), candidate.toLowerCase());
    // Short words are within an edit or two of almost anything, so they get a tighter budget.
    const budget = Math.min(maxDistance, word.length <= 3 ? 0 : word.length <= 5 ? 1 : 2);
    if (distance <= budget && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** `. Did you mean `x`?` or an empty string, ready to append to a message that has no final period. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const hit = closest(word, candidates);
  return hit === undefined ? '' : `. Did you mean ${quote(hit)}?`;
}
