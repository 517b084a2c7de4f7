/**
 * Per-op time of the native conv kernels on the ResNet-18 layer shapes at
 * 2×3×256² ('same' padding, as bench/engine/resnet.ts): Conv2D,
 * Conv2DBackpropInput and Conv2DBackpropFilter on im2col + OpenBLAS and on
 * oneDNN, interleaved round by round so both see the same machine load; best
 * of DETLAB_BENCH_ROUNDS (default 7), on DETLAB_BENCH_THREADS threads (default
 * all cores). The step totals weight each layer by how often the network has
 * it (the stem's input gradient is never taken); `routed` is what the default
 * routing (ONEDNN_DEFAULT: oneDNN from a number of output pixels on) takes.
 */
import { availableParallelism, loadavg } from 'node:os';
import { tf, type Tensor } from '../src/engine/tf.js';
import { initEngine } from '../src/engine/init.js';
import { loadAddon, ONEDNN_BACKWARD_DATA, ONEDNN_BACKWARD_WEIGHTS, ONEDNN_FORWARD, type OnednnGeometry } from '../src/engine/native/addon.js';
import { ONEDNN_DEFAULT, ONEDNN_KERNELS, registerNativeKernels, type OnednnKernel } from '../src/engine/native/kernels.js';

const BATCH = 2;

interface Layer {
  name: string;
  k: number;
  stride: number;
  cin: number;
  cout: number;
  /** Input height and width. */
  size: number;
  /** How many convs of this shape one ResNet-18 forward has. */
  count: number;
}

const LAYERS: Layer[] = [
  { name: 'stem 7×7/2 3→64', k: 7, stride: 2, cin: 3, cout: 64, size: 256, count: 1 },
  { name: '3×3 64 @64²', k: 3, stride: 1, cin: 64, cout: 64, size: 64, count: 4 },
  { name: '3×3/2 64→128', k: 3, stride: 2, cin: 64, cout: 128, size: 64, count: 1 },
  { name: '1×1/2 64→128', k: 1, stride: 2, cin: 64, cout: 128, size: 64, count: 1 },
  { name: '3×3 128 @32²', k: 3, stride: 1, cin: 128, cout: 128, size: 32, count: 3 },
  { name: '3×3/2 128→256', k: 3, stride: 2, cin: 128, cout: 256, size: 32, count: 1 },
  { name: '1×1/2 128→256', k: 1, stride: 2, cin: 128, cout: 256, size: 32, count: 1 },
  { name: '3×3 256 @16²', k: 3, stride: 1, cin: 256, cout: 256, size: 16, count: 3 },
  { name: '3×3/2 256→512', k: 3, stride: 2, cin: 256, cout: 512, size: 16, count: 1 },
  { name: '1×1/2 256→512', k: 1, stride: 2, cin: 256, cout: 512, size: 16, count: 1 },
  { name: '3×3 512 @8²', k: 3, stride: 1, cin: 512, cout: 512, size: 8, count: 3 },
];

const PATHS = ['openblas', 'onednn'] as const;
type Path = (typeof PATHS)[number];

interface LayerTensors {
  x: Tensor;
  w: Tensor;
  dy: Tensor;
}

function tensorsOf(l: Layer): LayerTensors {
  const out = Math.ceil(l.size / l.stride);
  return {
    x: tf.randomNormal([BATCH, l.size, l.size, l.cin], 0, 1, 'float32', 1),
    w: tf.randomNormal([l.k, l.k, l.cin, l.cout], 0, 0.1, 'float32', 2),
    dy: tf.randomNormal([BATCH, out, out, l.cout], 0, 1, 'float32', 3),
  };
}

function runOp(op: OnednnKernel, l: Layer, t: LayerTensors): number {
  const attrs = { strides: l.stride, pad: 'same', dataFormat: 'NHWC' };
  const t0 = performance.now();
  const out = op === 'Conv2D'
    ? tf.engine().runKernel('Conv2D', { x: t.x, filter: t.w }, { ...attrs, dilations: 1 })
    : op === 'Conv2DBackpropInput'
      ? tf.engine().runKernel('Conv2DBackpropInput', { dy: t.dy, filter: t.w }, { ...attrs, inputShape: t.x.shape })
      : tf.engine().runKernel('Conv2DBackpropFilter', { x: t.x, dy: t.dy }, { ...attrs, filterShape: t.w.shape });
  const ms = performance.now() - t0;
  (out as Tensor).dispose();
  return ms;
}

/** oneDNN's geometry of a 'same' conv of the layer (tfjs puts the odd padding pixel at the bottom and right). */
function onednnGeometry(l: Layer): OnednnGeometry {
  const out = Math.ceil(l.size / l.stride);
  const total = Math.max((out - 1) * l.stride + l.k - l.size, 0);
  const before = Math.floor(total / 2);
  return [BATCH, l.size, l.size, l.cin, l.k, l.k, l.stride, l.stride, before, before, out, out, l.cout, total - before, total - before];
}

const fmt = (ms: number): string => ms.toFixed(2).padStart(7);

export default async function convOpsBench(): Promise<void> {
  const load = loadAddon();
  if (!load.addon) {
    console.log(`skipped: ${load.why}`);
    return;
  }
  const addon = load.addon;
  if (!addon.onednnConv || !addon.onednnImpl) {
    console.log(`skipped: ${load.path} was built without oneDNN (npm install fetches its wheel unless DETLAB_ONEDNN=off)`);
    return;
  }
  const threads = Number(process.env.DETLAB_BENCH_THREADS ?? availableParallelism());
  const rounds = Number(process.env.DETLAB_BENCH_ROUNDS ?? 7);
  await initEngine({ backend: 'wasm', native: 'on', threads, log: false });
  console.log(`${addon.config()}; ${addon.onednn()}; ${threads} threads; batch ${BATCH}; ms, best of ${rounds} interleaved rounds after a warm-up`);
  const loadBefore = loadavg()[0];

  const tensors = LAYERS.map(tensorsOf);
  const best = new Map<string, number>();
  const key = (path: Path, op: OnednnKernel, i: number): string => `${path} ${op} ${i}`;
  for (let round = 0; round <= rounds; round++) {
    for (const path of PATHS) {
      registerNativeKernels(addon, threads, { kernels: path === 'onednn' ? ONEDNN_KERNELS : [], minPixels: 0 });
      LAYERS.forEach((l, i) => {
        for (const op of ONEDNN_KERNELS) {
          const ms = runOp(op, l, tensors[i]);
          // Round 0 warms up: oneDNN creates its primitives, the pack its scratch.
          if (round > 0) best.set(key(path, op, i), Math.min(best.get(key(path, op, i)) ?? Infinity, ms));
        }
      });
    }
  }
  const loadAfter = loadavg()[0];

  const kinds = { Conv2D: ONEDNN_FORWARD, Conv2DBackpropInput: ONEDNN_BACKWARD_DATA, Conv2DBackpropFilter: ONEDNN_BACKWARD_WEIGHTS } as const;
  for (const op of ONEDNN_KERNELS) {
    console.log(`\n${op}                openblas   onednn   ratio  oneDNN implementation`);
    const totals = { openblas: 0, onednn: 0, routed: 0 };
    LAYERS.forEach((l, i) => {
      const a = best.get(key('openblas', op, i)) ?? NaN;
      const b = best.get(key('onednn', op, i)) ?? NaN;
      const count = op === 'Conv2DBackpropInput' && i === 0 ? 0 : l.count;
      totals.openblas += count * a;
      totals.onednn += count * b;
      const pixels = BATCH * Math.ceil(l.size / l.stride) ** 2;
      totals.routed += count * (ONEDNN_DEFAULT.kernels.includes(op) && pixels >= ONEDNN_DEFAULT.minPixels ? b : a);
      const impl = addon.onednnImpl?.(kinds[op], ...onednnGeometry(l)) ?? '';
      console.log(`  ${l.name.padEnd(18)} ${fmt(a)}  ${fmt(b)}  ${(a / b).toFixed(2).padStart(5)}  ${impl}`);
    });
    console.log(`  ${'ResNet-18 step'.padEnd(18)} ${fmt(totals.openblas)}  ${fmt(totals.onednn)}  ${(totals.openblas / totals.onednn).toFixed(2).padStart(5)}  (layers × their count)`);
    console.log(`  ${'  as routed'.padEnd(18)} ${fmt(totals.openblas)}  ${fmt(totals.routed)}  ${(totals.openblas / totals.routed).toFixed(2).padStart(5)}  (oneDNN from ${ONEDNN_DEFAULT.minPixels} output pixels)`);
  }
  console.log(`\nload average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after, on ${threads} cores`);
  tf.dispose(tensors.flatMap((t) => [t.x, t.w, t.dy]));
}
