import { componentOption, defineComponent, type ComponentConfig } from '../../src/registry/component.js';
import { hashSeed, mulberry32 } from '../../src/data/rng.js';
import { applyPipeline, type Transform } from '../../src/data/transform.js';

export interface TwoViewsOptions {
  view1: ComponentConfig[];
  view2: ComponentConfig[] | null;
}

export const TwoViews = defineComponent<TwoViewsOptions, Transform>({
  kind: 'transform',
  name: 'TwoViews',
  description: 'Two independently augmented views of one image (the second in sample.secondView), each with its own crop box and flip',
  schema: {
    type: 'object',
    properties: {
      view1: { type: 'array', items: componentOption('transform', 'A transform of the first view'), description: 'Transforms making the first (main) view', default: [] },
      view2: { type: ['array', 'null'], items: componentOption('transform', 'A transform of the second view'), description: 'Transforms making the second view (null: the same as view1, with its own randomness)', default: null },
    },
  },
  build(options, ctx) {
    const first = options.view1.map((c, i) => ctx.build<Transform>('transform', c, `${ctx.path}.view1[${i}]`));
    const second = options.view2 === null
      ? options.view1.map((c, i) => ctx.build<Transform>('transform', c, `${ctx.path}.view1[${i}]`))
      : options.view2.map((c, i) => ctx.build<Transform>('transform', c, `${ctx.path}.view2[${i}]`));
    return {
      name: 'TwoViews',
      apply(sample, rng) {
        // Each view gets its own generator, so the views are independent and their streams never overlap.
        const seed = Math.floor(rng.next() * 4294967296);
        const a = applyPipeline(first, sample, mulberry32(hashSeed(seed, 1)));
        const b = applyPipeline(second, sample, mulberry32(hashSeed(seed, 2)));
        const { secondView: _drop, ...secondView } = b;
        return { ...a, secondView };
      },
    };
  },
});
