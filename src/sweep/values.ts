/** Value lists of a grid or zip: literal lists and the helpers that write common ones. */
export type ValueList = unknown[] | { log2: [number, number] } | { log10: [number, number] } | { range: number[] } | { linspace: [number, number, number] };

export function expandValues(list: ValueList): unknown[] {
  if (Array.isArray(list)) return list;
  if ('log2' in list) return steps(list.log2[0], list.log2[1], 1).map((e) => 2 ** e);
  if ('log10' in list) return steps(list.log10[0], list.log10[1], 1).map((e) => 10 ** e);
  if ('range' in list) {
    const [start, stop, step = 1] = list.range;
    return steps(start, stop - Math.sign(step) * 1e-12, step);
  }
  const [a, b, n] = list.linspace;
  return Array.from({ length: n }, (_, i) => (n === 1 ? a : a + ((b - a) * i) / (n - 1)));
}

/**
 * How many values a list gives, computed without making them (a range of a
 * billion steps is refused before it exists); a RangeError says why a list
 * gives no values or is malformed.
 */
export function valueCount(list: ValueList): number {
  let n: number;
  if (Array.isArray(list)) n = list.length;
  else if ('log2' in list || 'log10' in list) {
    const [lo, hi] = 'log2' in list ? list.log2 : list.log10;
    n = hi - lo + 1;
  } else if ('range' in list) {
    const [start, stop, step = 1] = list.range;
    if (step === 0) throw new RangeError('range: the step cannot be 0');
    n = Math.max(0, Math.floor((stop - Math.sign(step) * 1e-12 - start) / step) + 1);
  } else {
    n = list.linspace[2];
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`linspace: the count (third number) must be a whole number ≥ 1, got ${n}`);
  }
  if (n === 0) throw new RangeError(`${JSON.stringify(list)} gives no values`);
  return n;
}

/** Whether the values were written on a log scale (the report then plots them on a log axis). */
export function isLogScale(list: ValueList): boolean {
  return !Array.isArray(list) && ('log2' in list || 'log10' in list);
}

function steps(start: number, stop: number, step: number): number[] {
  if (step === 0) throw new Error('a range step cannot be 0');
  const out: number[] = [];
  for (let v = start; step > 0 ? v <= stop : v >= stop; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}
