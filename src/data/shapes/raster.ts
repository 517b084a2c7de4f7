/**
 * A small rasteriser for the synthetic shapes dataset: a textured background
 * and filled shapes drawn into an RGB `Uint8Array`, anti-aliased by 2×2
 * supersampling. Each shape is defined in the normalised frame of its box,
 * `u, v ∈ [-1, 1]`, and touches all four box edges, so the box is exact.
 */
import { randInt, uniform, type Rng } from '../rng.js';

export const SHAPE_CLASSES = ['circle', 'square', 'triangle', 'star', 'ring', 'cross'] as const;
export type ShapeClass = (typeof SHAPE_CLASSES)[number];

export interface Canvas {
  pixels: Uint8Array;
  size: number;
  /** Index+1 of the object owning each pixel (coverage ≥ 1/2), 0 for background. */
  owner: Uint16Array;
}

/** Membership test in the box frame. */
type Inside = (u: number, v: number) => boolean;

function pointInPolygon(poly: readonly number[], u: number, v: number): boolean {
  let inside = false;
  const n = poly.length / 2;
  for (let i = 0, j = n - 1; i < n; j = i, i += 1) {
    const ui = poly[2 * i] as number;
    const vi = poly[2 * i + 1] as number;
    const uj = poly[2 * j] as number;
    const vj = poly[2 * j + 1] as number;
    if (vi > v !== vj > v && u < ((uj - ui) * (v - vi)) / (vj - vi) + ui) inside = !inside;
  }
  return inside;
}

/** A 5-point star stretched to touch the four edges of `[-1, 1]²`, point up or down. */
function starPolygon(pointUp: boolean, innerRatio: number): number[] {
  const pts: number[] = [];
  for (let k = 0; k < 10; k += 1) {
    const r = k % 2 === 0 ? 1 : innerRatio;
    const a = -Math.PI / 2 + (k * Math.PI) / 5;
    pts.push(r * Math.cos(a), r * Math.sin(a) * (pointUp ? 1 : -1));
  }
  const us = pts.filter((_, i) => i % 2 === 0);
  const vs = pts.filter((_, i) => i % 2 === 1);
  const [u0, u1, v0, v1] = [Math.min(...us), Math.max(...us), Math.min(...vs), Math.max(...vs)];
  return pts.map((p, i) => (i % 2 === 0 ? (2 * (p - u0)) / (u1 - u0) - 1 : (2 * (p - v0)) / (v1 - v0) - 1));
}

/** A random instance of a class, as a membership test. */
export function shapeTest(cls: ShapeClass, rng: Rng): Inside {
  switch (cls) {
    case 'circle':
      return (u, v) => u * u + v * v <= 1;
    case 'square':
      return () => true;
    case 'triangle': {
      const up = rng.next() < 0.5 ? 1 : -1;
      const poly = [-1, up, 1, up, 0, -up];
      return (u, v) => pointInPolygon(poly, u, v);
    }
    case 'star': {
      const poly = starPolygon(rng.next() < 0.5, uniform(rng, 0.38, 0.5));
      return (u, v) => pointInPolygon(poly, u, v);
    }
    case 'ring': {
      const inner = uniform(rng, 0.45, 0.7);
      const inner2 = inner * inner;
      return (u, v) => {
        const r2 = u * u + v * v;
        return r2 <= 1 && r2 >= inner2;
      };
    }
    case 'cross': {
      const t = uniform(rng, 0.22, 0.38);
      return (u, v) => Math.abs(u) <= t || Math.abs(v) <= t;
    }
  }
}

/** Fills the canvas with a gradient, a few sinusoidal textures, clutter lines and per-pixel noise. */
export function drawBackground(canvas: Canvas, rng: Rng, maxLines: number): void {
  const { pixels, size } = canvas;
  const c0 = [randInt(rng, 0, 255), randInt(rng, 0, 255), randInt(rng, 0, 255)];
  const c1 = [randInt(rng, 0, 255), randInt(rng, 0, 255), randInt(rng, 0, 255)];
  const angle = uniform(rng, 0, 2 * Math.PI);
  const [dx, dy] = [Math.cos(angle) / size, Math.sin(angle) / size];
  const waves = Array.from({ length: 3 }, () => {
    const a = uniform(rng, 0, Math.PI);
    const f = uniform(rng, 0.02, 0.3);
    return { kx: Math.cos(a) * f, ky: Math.sin(a) * f, phase: uniform(rng, 0, 6.3), amp: [uniform(rng, -25, 25), uniform(rng, -25, 25), uniform(rng, -25, 25)] };
  });
  const noise = uniform(rng, 4, 24);
  const phases = new Float64Array(waves.length);
  for (let y = 0; y < size; y += 1) {
    for (let x = 0; x < size; x += 1) {
      const t = Math.min(Math.max(0.5 + (x - size / 2) * dx + (y - size / 2) * dy, 0), 1);
      const o = 3 * (y * size + x);
      for (let k = 0; k < waves.length; k += 1) {
        const w = waves[k] as (typeof waves)[number];
        phases[k] = Math.sin(w.kx * x + w.ky * y + w.phase);
      }
      for (let c = 0; c < 3; c += 1) {
        let value = (c0[c] as number) * (1 - t) + (c1[c] as number) * t;
        for (let k = 0; k < waves.length; k += 1) value += ((waves[k] as (typeof waves)[number]).amp[c] as number) * (phases[k] as number);
        value += (rng.next() - 0.5) * 2 * noise;
        pixels[o + c] = value < 0 ? 0 : value > 255 ? 255 : value;
      }
    }
  }
  const lines = randInt(rng, 0, maxLines);
  for (let i = 0; i < lines; i += 1) drawLine(canvas, rng);
}

/** A straight clutter stroke (not a class), 1 to 3 px wide. */
function drawLine(canvas: Canvas, rng: Rng): void {
  const { size, pixels } = canvas;
  const [x0, y0, x1, y1] = [uniform(rng, 0, size), uniform(rng, 0, size), uniform(rng, 0, size), uniform(rng, 0, size)];
  const colour = [randInt(rng, 0, 255), randInt(rng, 0, 255), randInt(rng, 0, 255)];
  const half = uniform(rng, 0.5, 1.5);
  const steps = Math.ceil(Math.hypot(x1 - x0, y1 - y0));
  for (let s = 0; s <= steps; s += 1) {
    const cx = x0 + ((x1 - x0) * s) / Math.max(steps, 1);
    const cy = y0 + ((y1 - y0) * s) / Math.max(steps, 1);
    for (let y = Math.max(0, Math.floor(cy - half)); y <= Math.min(size - 1, Math.floor(cy + half)); y += 1) {
      for (let x = Math.max(0, Math.floor(cx - half)); x <= Math.min(size - 1, Math.floor(cx + half)); x += 1) {
        const o = 3 * (y * size + x);
        pixels[o] = colour[0] as number;
        pixels[o + 1] = colour[1] as number;
        pixels[o + 2] = colour[2] as number;
      }
    }
  }
}

const SUB = [0.25, 0.75];

/**
 * Draws a shape filling the integer box `[x1, x2) × [y1, y2)` in `colour`
 * with per-pixel colour noise; returns its area in pixels (coverage sum).
 */
export function drawShape(
  canvas: Canvas,
  box: [number, number, number, number],
  inside: Inside,
  colour: readonly number[],
  noise: number,
  ownerId: number,
  rng: Rng,
): number {
  const { pixels, size, owner } = canvas;
  const [x1, y1, x2, y2] = box;
  const hw = (x2 - x1) / 2;
  const hh = (y2 - y1) / 2;
  const cx = x1 + hw;
  const cy = y1 + hh;
  let area = 0;
  for (let y = y1; y < y2; y += 1) {
    for (let x = x1; x < x2; x += 1) {
      let hits = 0;
      for (const sy of SUB) for (const sx of SUB) if (inside((x + sx - cx) / hw, (y + sy - cy) / hh)) hits += 1;
      if (hits === 0 || x < 0 || y < 0 || x >= size || y >= size) continue;
      const alpha = hits / 4;
      area += alpha;
      const o = 3 * (y * size + x);
      for (let c = 0; c < 3; c += 1) {
        const value = (colour[c] as number) + (rng.next() - 0.5) * 2 * noise;
        const blended = (pixels[o + c] as number) * (1 - alpha) + value * alpha;
        pixels[o + c] = blended < 0 ? 0 : blended > 255 ? 255 : blended;
      }
      if (hits >= 2) owner[y * size + x] = ownerId;
    }
  }
  return area;
}
