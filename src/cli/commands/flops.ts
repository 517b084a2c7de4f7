/**
 * `detlab flops CONFIG`: parameters and GFLOPs per module of the deployed
 * model (`detector.inferenceModel()`: backbone, neck, head), measured by
 * tracing one forward pass on a zero image of the given size.
 */
import { initEngine } from '../../engine/init.js';
import type { EngineConfig } from '../../engine/config.js';
import { tf, type Tensor4D } from '../../engine/tf.js';
import { countFlops, formatFlopTable } from '../../nn/flops.js';
import { Module } from '../../nn/module.js';
import { build, placeError } from '../../registry/build.js';
import { loadValidatedConfig } from '../../registry/load_validated.js';
import { parseCommandArgs, stringList } from '../args.js';
import { UserError, type Command } from '../command.js';

const usage = `usage: detlab flops CONFIG [--input HxW] [--depth N] [--set KEY=VALUE]... [--plugin DIR]...

Prints the parameters and GFLOPs of each module of the deployed model
(backbone, neck and head; training-only parts are left out) for one image.
Convention as fvcore/mmcv: 1 multiply-add = 1 FLOP; conv, linear and attention
count multiply-adds, norms one per element; activations, pooling and
upsampling are not counted.

options:
  --input HxW     image height x width (default 800x1333)
  --depth N       module levels shown below the top (default 1)
  --set KEY=VALUE config override (repeatable)
  --plugin DIR    extra component folder (repeatable)`;

const options = {
  input: { type: 'string' },
  depth: { type: 'string' },
  set: { type: 'string', multiple: true },
  plugin: { type: 'string', multiple: true },
  help: { type: 'boolean', short: 'h' },
} as const;

export function parseInputSize(text: string): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(text.trim());
  if (m === null || Number(m[1]) < 1 || Number(m[2]) < 1) throw new UserError(`--input: expected HEIGHTxWIDTH like 800x1333, got "${text}"`);
  return [Number(m[1]), Number(m[2])];
}

interface Forwardable extends Module {
  forward(images: Tensor4D): unknown;
}

function deployed(model: unknown, file: string): Forwardable {
  const m = typeof (model as { inferenceModel?: unknown }).inferenceModel === 'function' ? (model as { inferenceModel(): unknown }).inferenceModel() : model;
  if (!(m instanceof Module) || typeof (m as unknown as Partial<Forwardable>).forward !== 'function') {
    throw new UserError(`${file}: model: the built detector has no deployable module with forward(images)`);
  }
  return m as Forwardable;
}

const flops: Command = {
  name: 'flops',
  summary: 'params and GFLOPs per module of the deployed model of a config',
  usage,
  async run(args: string[]): Promise<number> {
    const { values, positionals } = parseCommandArgs(args, options, usage);
    if (values.help === true) {
      console.log(usage);
      return 0;
    }
    if (positionals.length !== 1) throw new UserError(`expected one CONFIG file\n${usage}`);
    const file = positionals[0];
    const [h, w] = parseInputSize(typeof values.input === 'string' ? values.input : '800x1333');
    const depth = typeof values.depth === 'string' ? Number(values.depth) : 1;
    if (!Number.isInteger(depth) || depth < 0) throw new UserError(`--depth: expected an integer >= 0, got "${String(values.depth)}"`);
    const cfg = await loadValidatedConfig(file, { overrides: stringList(values.set), plugins: stringList(values.plugin) });
    if (cfg.config.model === undefined) throw new UserError(`${file}: no model: section to count`);
    const engine = await initEngine({ ...(cfg.config.engine as Partial<EngineConfig> | undefined), log: false });
    const model = build('detector', cfg.config.model, { registry: cfg.registry, path: 'model', origins: cfg.origins });
    const net = deployed(model, file);
    net.eval();
    let report: ReturnType<typeof countFlops>;
    try {
      report = countFlops(net, () => {
        net.forward(tf.zeros([1, h, w, 3]) as Tensor4D);
      });
    } catch (err) {
      throw placeError(err, cfg.origins, 'model');
    }
    console.log(formatFlopTable(report, depth));
    const mega = (n: number): string => (n / 1e6).toFixed(2);
    console.log(
      `input 1x${h}x${w}x3 (NHWC), ${engine.backend}; params ${mega(report.totalParams)} M (${mega(report.trainableParams)} M trainable), ` +
        `${(report.totalFlops / 1e9).toFixed(2)} GFLOPs (1 multiply-add = 1 FLOP)`,
    );
    return 0;
  },
};

export default flops;
