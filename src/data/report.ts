/**
 * Counted warnings. Data defects that should not stop a run are counted per
 * kind with the first few examples, then reported once (after loading, and at
 * each epoch end for problems found while decoding), instead of one line per
 * occurrence or a crash mid-epoch.
 */

export const EXAMPLES_KEPT = 5;

export interface WarningEntry {
  count: number;
  examples: string[];
}

export class DataReport {
  private readonly entries = new Map<string, WarningEntry>();

  constructor(readonly source: string) {}

  add(kind: string, example: string): void {
    let entry = this.entries.get(kind);
    if (entry === undefined) {
      entry = { count: 0, examples: [] };
      this.entries.set(kind, entry);
    }
    entry.count += 1;
    if (entry.examples.length < EXAMPLES_KEPT) entry.examples.push(example);
  }

  count(kind: string): number {
    return this.entries.get(kind)?.count ?? 0;
  }

  kinds(): string[] {
    return [...this.entries.keys()].sort();
  }

  get total(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.count;
    return n;
  }

  entry(kind: string): WarningEntry | undefined {
    return this.entries.get(kind);
  }

  /** Merges counts from another report (e.g. a worker's decode report). */
  merge(kinds: Record<string, WarningEntry>): void {
    for (const [kind, e] of Object.entries(kinds)) {
      for (const example of e.examples) this.add(kind, example);
      const entry = this.entries.get(kind);
      if (entry !== undefined) entry.count += e.count - e.examples.length;
    }
  }

  toJSON(): Record<string, WarningEntry> {
    return Object.fromEntries([...this.entries].map(([k, e]) => [k, { count: e.count, examples: [...e.examples] }]));
  }

  /** One line per kind: `source: 3 × missing image file (a.jpg, b.jpg, c.jpg)`. */
  lines(): string[] {
    return this.kinds().map((kind) => {
      const e = this.entries.get(kind) as WarningEntry;
      const more = e.count > e.examples.length ? ', ...' : '';
      return `${this.source}: ${e.count} × ${kind} (${e.examples.join('; ')}${more})`;
    });
  }
}
