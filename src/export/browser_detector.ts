/**
 * The detector of an exported page, in the browser: the bundle `detlab
 * export` makes from this file, the component modules the config names and
 * their imports, so the page runs the same model, test pipeline and
 * postprocessing code as `predict()` in Node. Nothing here touches files or
 * the DOM; the page's own script draws.
 */
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { Transform } from '../data/transform.js';
import type { Detector } from '../detection/types.js';
import { tf } from '../engine/tf.js';
import { Predictor, type ImagePixels, type Prediction } from '../inference/predictor.js';
import { loadModelTensors } from '../nn/model_weights.js';
import { decodeSafetensors } from '../nn/safetensors.js';
import { build } from '../registry/build.js';
import type { ComponentConfig } from '../registry/component.js';
import { Registry } from '../registry/registry.js';
import { Rng } from '../train/rng.js';

/** `model.json` of an export: what the page builds and how it reads the results. */
export interface ExportedModel {
  format: 'detlab-export/1';
  /** The config's name. */
  name: string;
  /** The validated `model:` section (defaults applied, weight-file inits removed). */
  model: ComponentConfig;
  /** The test pipeline (the val dataset's transforms). */
  pipeline: ComponentConfig[];
  classes: string[];
  /** The score threshold the page starts drawing at (the detector itself keeps every detection). */
  scoreThr: number;
}

export { tf };
export { classColour, cssColour } from '../vis/palette.js';
export type { Prediction };

/**
 * Switches tfjs to the first backend of `order` that starts (WebGL where the
 * browser can make a context, else wasm); `wasmBase` is where the .wasm files are served.
 */
export async function selectBackend(order: readonly string[], wasmBase: string): Promise<string> {
  setWasmPaths(wasmBase);
  for (const name of order) {
    try {
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
    } catch {
      // This backend cannot start here (no WebGL context, no WebAssembly): try the next one.
    }
  }
  throw new Error(`none of the tfjs backends ${order.join(', ')} could start in this browser`);
}

/** RGBA canvas pixels (ImageData) as the RGB pixels the pipeline takes. */
export function rgbaPixels(rgba: Uint8ClampedArray, width: number, height: number, source: string): ImagePixels {
  const pixels = new Float32Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    pixels[3 * p] = rgba[4 * p];
    pixels[3 * p + 1] = rgba[4 * p + 1];
    pixels[3 * p + 2] = rgba[4 * p + 2];
  }
  return { pixels, width, height, source };
}

/** Builds the exported detector from the bundled component modules, its spec and its safetensors bytes. */
export function createDetector(modules: readonly { file: string; exports: Record<string, unknown> }[], spec: ExportedModel, weights: Uint8Array): Predictor {
  const registry = new Registry();
  for (const m of modules) registry.registerModule(m.exports, m.file);
  const transforms = spec.pipeline.map((c, i) => build<Transform>('transform', c, { registry, path: `pipeline.${i}` }));
  const model = build<Detector>('detector', spec.model, { registry, path: 'model', extras: { numClasses: spec.classes.length, rng: new Rng(0) } });
  const { tensors } = decodeSafetensors(weights, 'weights.safetensors');
  try {
    loadModelTensors(model, tensors, 'weights.safetensors');
  } finally {
    for (const t of tensors.values()) t.dispose();
  }
  model.eval();
  return new Predictor(model, transforms, spec.classes);
}
