/**
 * Gradients of Mean and Sum that broadcast dy to x's shape. tfjs 4.22's own
 * multiply dy by `ones(x.shape)`, which is filled in JS and uploaded on every
 * call: GroupNorm's moments made that 337 MB of short-lived buffers in 12
 * steps of RetinaNet-R18 (a third of all allocations), and the churn set off
 * V8's external-memory GCs. The values are the same element for element.
 */
import { tf } from './tf.js';
import type { NamedAttrMap, Tensor } from './tf.js';

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

export function registerReductionGradients(): void {
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
}
