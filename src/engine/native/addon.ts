/**
 * Loading the optional OpenBLAS addon built by `scripts/build-native.mjs`
 * into `native/build/detlab_native.node` (or the file named by
 * DETLAB_NATIVE_ADDON), with oneDNN's convolutions when it was built with them.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NativeAddon {
  /** Row-major C = α·op(A)·op(B) + β·C (cblas_sgemm). */
  sgemm(
    transA: boolean, transB: boolean, m: number, n: number, k: number, alpha: number,
    a: Float32Array, lda: number, b: Float32Array, ldb: number, beta: number, c: Float32Array, ldc: number,
  ): void;
  /** P [B·OH·OW, KH·KW·C] from x [B,H,W,C]. */
  im2col(x: Float32Array, ...geometryAndOut: [...Geometry, Float32Array]): void;
  /** dx [B,H,W,C] += scatter of G [B·OH·OW, KH·KW·C]. */
  col2im(g: Float32Array, ...geometryAndOut: [...Geometry, Float32Array]): void;
  /** dx [B,H,W,C] (zeroed by the caller) += dy [B,OH,OW,C] routed to each window's first maximum in x. */
  maxPoolGrad(x: Float32Array, ...geometryDyDx: [...Geometry, Float32Array, Float32Array]): void;
  /** Training-mode batch norm of x [rows, C]: y, per-channel mean and biased variance. */
  bnForward(x: Float32Array, c: number, gamma: Float32Array, beta: Float32Array, eps: number, y: Float32Array, mean: Float32Array, variance: Float32Array): void;
  /** Its gradient: dx, dgamma, dbeta from dy and the gradients reaching mean and variance. */
  bnBackward(
    x: Float32Array, dy: Float32Array, c: number, mean: Float32Array, variance: Float32Array, gamma: Float32Array,
    dmean: Float32Array, dvariance: Float32Array, eps: number, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array,
  ): void;
  /** Group norm of x [N, HW, C] in G groups: y, and per sample and group mean and biased variance [N, G]. */
  gnForward(x: Float32Array, n: number, g: number, gamma: Float32Array, beta: Float32Array, eps: number, y: Float32Array, mean: Float32Array, variance: Float32Array): void;
  /** Its gradient: dx, dgamma, dbeta from dy and the gradients reaching mean and variance. */
  gnBackward(
    x: Float32Array, dy: Float32Array, n: number, g: number, mean: Float32Array, variance: Float32Array, gamma: Float32Array,
    dmean: Float32Array, dvariance: Float32Array, eps: number, dx: Float32Array, dgamma: Float32Array, dbeta: Float32Array,
  ): void;
  /**
   * out = a + b (op 0) or a·b (op 1), a viewed as [rows, cols]; b of a's shape (broadcast 0),
   * a [cols] row (1) or a [rows] column (2).
   */
  binary(op: 0 | 1, a: Float32Array, b: Float32Array, out: Float32Array, rows: number, cols: number, broadcast: 0 | 1 | 2): void;
  /** out[c] = Σ_r x[r·C + c], x viewed as [rows, C]. */
  columnSum(x: Float32Array, c: number, out: Float32Array): void;
  /** One SGD-momentum step in one pass (src/engine/sgd_update.ts), into pOut and bufOut. */
  sgdUpdate(
    p: Float32Array, buf: Float32Array, g: Float32Array, lr: number, momentum: number, weightDecay: number, nesterov: boolean,
    pOut: Float32Array, bufOut: Float32Array,
  ): void;
  /** dx = dy·(x > 0 ? 1 : 0). */
  reluGrad(dy: Float32Array, x: Float32Array, dx: Float32Array): void;
  setThreads(n: number): void;
  getThreads(): number;
  /** OpenBLAS build description, e.g. "OpenBLAS 0.3.21 DYNAMIC_ARCH ... Haswell MAX_THREADS=64". */
  config(): string;
  /** "oneDNN 3.2.0 (OpenMP, avx512_core)" when built with oneDNN, else null (and the two below are absent). */
  onednn(): string | null;
  /**
   * A oneDNN convolution: forward (x, filter) → y, backward data (dy, filter) → dx, backward weights
   * (x, dy) → dfilter; x [B,H,W,C], filter [KH,KW,C,CO], y and dy [B,OH,OW,CO].
   */
  onednnConv?(kind: OnednnConvKind, a: Float32Array, b: Float32Array, out: Float32Array, ...geometry: OnednnGeometry): void;
  /** The implementation oneDNN picked for that convolution, e.g. "brgconv:avx512_core". */
  onednnImpl?(kind: OnednnConvKind, ...geometry: OnednnGeometry): string;
}

export const ONEDNN_FORWARD = 0;
export const ONEDNN_BACKWARD_DATA = 1;
export const ONEDNN_BACKWARD_WEIGHTS = 2;
export type OnednnConvKind = typeof ONEDNN_FORWARD | typeof ONEDNN_BACKWARD_DATA | typeof ONEDNN_BACKWARD_WEIGHTS;

/** Geometry, then CO, padBottom, padRight. */
export type OnednnGeometry = [...Geometry, number, number, number];

/** B, H, W, C, KH, KW, strideH, strideW, padTop, padLeft, OH, OW. */
export type Geometry = [number, number, number, number, number, number, number, number, number, number, number, number];

export const ADDON_FILE = join('native', 'build', 'detlab_native.node');

/** Where the addon would be: DETLAB_NATIVE_ADDON, else native/build/ in the nearest ancestor holding it. */
export function addonPath(): string | null {
  const override = process.env.DETLAB_NATIVE_ADDON;
  if (override) return override;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, ADDON_FILE);
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return null;
    dir = parent;
  }
}

/** Entry points this version of detlab calls; an addon built from an older native/detlab_native.c lacks some. */
const ADDON_FUNCTIONS = ['sgemm', 'im2col', 'col2im', 'maxPoolGrad', 'bnForward', 'bnBackward', 'gnForward', 'gnBackward', 'binary', 'columnSum', 'sgdUpdate', 'reluGrad', 'setThreads', 'getThreads', 'config', 'onednn'] as const;

export type AddonLoad = { addon: NativeAddon; path: string } | { addon: null; why: string };

let cached: AddonLoad | undefined;

export function loadAddon(): AddonLoad {
  if (cached) return cached;
  const path = addonPath();
  if (!path) {
    cached = { addon: null, why: `${ADDON_FILE} not built (run \`node scripts/build-native.mjs\`; needs gcc, and libopenblas-dev or python3 with pip for the scipy-openblas32 wheel)` };
    return cached;
  }
  // OpenBLAS reads this when the library loads. Its idle threads otherwise spin
  // for 2^28 cycles after every call; between a training step's many small
  // GEMMs that spinning took the CPU from the main thread (2 threads: 21 s of
  // system time per 80 demo iterations and fewer images/s than 1 thread).
  // 2^4 makes them sleep at once. A user's own setting wins.
  process.env.OPENBLAS_THREAD_TIMEOUT ??= '4';
  // The same for oneDNN's GNU OpenMP threads, which otherwise spin after each
  // conv. The 2×3×256² bench step with oneDNN's convs, 2 threads: at load 2.3,
  // passive 194-203 ms wall and 290-303 ms CPU, spinning 189-193 ms and
  // 334-336 ms; while the machine's second core was mostly taken, spinning
  // 955 ms against 653-790 ms on OpenBLAS alone, passive 661-669 ms against
  // 514-807 ms.
  process.env.OMP_WAIT_POLICY ??= 'PASSIVE';
  try {
    const addon = createRequire(import.meta.url)(path) as Record<string, unknown>;
    const missing = ADDON_FUNCTIONS.filter((name) => typeof addon[name] !== 'function');
    cached = missing.length > 0
      ? { addon: null, why: `${path} is out of date (no ${missing.join(', ')}; rebuild with \`node scripts/build-native.mjs\`)` }
      : { addon: addon as unknown as NativeAddon, path };
  } catch (err) {
    cached = { addon: null, why: `${path} failed to load: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
  return cached;
}
