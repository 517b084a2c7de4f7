/**
 * Gradients that replace tfjs 4.22's, with the same values element for element.
 * Mean and Sum broadcast dy to x's shape: tfjs' own multiply dy by
 * `ones(x.shape)`, which is filled in JS and uploaded on every call:
 * GroupNorm's moments made that 337 MB of short-lived buffers in 12 steps of
 * RetinaNet-R18 (a third of all allocations), and the churn set off V8's
 * external-memory GCs. Relu's runs as one kernel where the backend has it
 * (tfjs: Step, Cast and Multiply, three passes over the activation; XNNPACK's
 * three SIMD passes beat a scalar loop in wasm, so only the addon has one).
 */
import { tf } from './tf.js';
import type { NamedAttrMap, Tensor } from './tf.js';

/**
 * dx = dy·(x > 0 ? 1 : 0) in one pass, the product tfjs' Relu gradient takes;
 * registered by the native addon (a NaN x gives 0, as the wasm Step does).
 */
export const RELU_GRAD = 'DetlabReluGrad';

/** dy reshaped with 1s on the reduced axes (so it broadcasts against x), and how many values each reduced. */
function expanded(dy: Tensor, x: Tensor, attrs: NamedAttrMap): { dy: Tensor; count: number } {
  const shape = x.shape.slice();
  let count = 1;
  for (const axis of tf.util.parseAxisParam(attrs.axis as number | number[], x.shape)) {
    count *= shape[axis];
    shape[axis] = 1;
  }
  return { dy: tf.reshape(dy, shape), count };
}

let registered = false;

export function registerEngineGradients(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({
      x: () => {
        const e = expanded(dy as Tensor, x, attrs);
        return tf.broadcastTo(tf.div(e.dy, e.count), x.shape);
      },
    }),
  });
  tf.registerGradient({
    kernelName: 'Sum',
    inputsToSave: ['x'],
    gradFunc: (dy, [x], attrs) => ({ x: () => tf.broadcastTo(expanded(dy as Tensor, x, attrs).dy, x.shape) }),
  });
  tf.registerGradient({
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, [x]) => {
      const g = dy as Tensor;
      return {
        x: () => x.dtype === 'float32' && g.dtype === 'float32' && tf.getKernel(RELU_GRAD, tf.getBackend())
          ? tf.engine().runKernel(RELU_GRAD, { dy: g, x }) as Tensor
          : tf.mul(g, tf.cast(tf.step(x), 'float32')),
      };
    },
  });
}
