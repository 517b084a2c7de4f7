/** Growable typed work buffers, reused across the buckets one thread evaluates. */
export class Scratch {
  private buffers = new Map<string, Int32Array | Float64Array | Uint8Array>();

  get<T extends Int32Array | Float64Array | Uint8Array>(name: string, Ctor: { new (n: number): T }, n: number): T {
    const have = this.buffers.get(name) as T | undefined;
    if (have && have.length >= n) return have;
    const next = new Ctor(Math.max(n, 2 * (have?.length ?? 0), 16));
    this.buffers.set(name, next);
    return next;
  }
}
