// Shared by the install scripts, which report a failed tool (gcc, pip, node-gyp, npm) in one line.

/** The first line of `text` matching one of the patterns (tried in order), trimmed to 300 characters; else `fallback`. */
export function firstLine(text, patterns, fallback) {
  const lines = text.split('\n');
  for (const p of patterns) {
    const hit = lines.find((l) => p.test(l));
    if (hit) return hit.trim().slice(0, 300);
  }
  return fallback;
}
