import leven from 'leven';

/**
 * The known name closest to `name` ignoring case, if it is close enough to be a likely typo
 * (its Levenshtein distance is at most a third of its letters, and at least 2); otherwise
 * undefined. Of equally close names, the first given wins.
 */
export function nearest(name: string, known: Iterable<string>): string | undefined {
  const wanted = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = leven(wanted, candidate.toLowerCase());
    if (best === undefined || distance < best.distance) best = { name: candidate, distance };
  }
  const allowed = Math.max(2, Math.floor(name.length / 3));
  return best !== undefined && best.distance <= allowed ? best.name : undefined;
}

/** ` (did you mean X?)` when a known name is close to `name`, else an empty string. */
export function didYouMean(name: string, known: Iterable<string>): string {
  const guess = nearest(name, known);
  return guess === undefined ? '' : ` (did you mean ${guess}?)`;
}
