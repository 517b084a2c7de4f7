/** `detlab export CONFIG --checkpoint CKPT --out DIR`: the trained detector as a static web page. */
import { resolve } from 'node:path';
import { exportPage } from '../../export/export_page.js';
import { parseCommandArgs, stringList } from '../args.js';
import { UserError, type Command } from '../command.js';

const usage = `usage: detlab export CONFIG --checkpoint CKPT --out DIR [--sample IMAGE] [--score-thr T] [--set KEY=VALUE]... [--plugin DIR]...

Writes a self-contained static page that runs CONFIG's detector with the CKPT
weights in a browser with TensorFlow.js (WebGL, or wasm where WebGL is
missing): DIR/index.html, the bundled model code (detector.js, the same
TypeScript as detlab's, bundled with esbuild), model.json, weights.safetensors,
a sample image and tfjs' .wasm files. Serve DIR with any static server, e.g.
  python3 -m http.server -d DIR 8000     then open http://127.0.0.1:8000
(browsers do not run modules from file:// pages). Add ?backend=wasm to the URL
to force a backend.

Options:
  --sample IMAGE     the image the page opens with (default: the first image of data.val)
  --score-thr T      the page's initial score threshold (default 0.3)`;

const options = {
  checkpoint: { type: 'string' },
  out: { type: 'string' },
  sample: { type: 'string' },
  'score-thr': { type: 'string' },
  set: { type: 'string', multiple: true },
  plugin: { type: 'string', multiple: true },
} as const;

const command: Command = {
  name: 'export',
  summary: 'write a static web page that runs a trained detector in the browser (TensorFlow.js)',
  usage,
  async run(args) {
    const { values, positionals } = parseCommandArgs(args, options, usage);
    const configFile = positionals[0];
    if (configFile === undefined || positionals.length > 1) throw new UserError(`detlab export: one CONFIG is required\n${usage}`);
    if (typeof values.checkpoint !== 'string') throw new UserError(`detlab export: --checkpoint CKPT is required\n${usage}`);
    if (typeof values.out !== 'string') throw new UserError(`detlab export: --out DIR is required\n${usage}`);
    const scoreThr = values['score-thr'] === undefined ? 0.3 : Number(values['score-thr']);
    if (!(scoreThr >= 0 && scoreThr <= 1)) throw new UserError(`detlab export: --score-thr must be a number in [0, 1], got '${String(values['score-thr'])}'`);
    const out = resolve(values.out);
    const started = performance.now();
    const report = await exportPage({
      configFile,
      checkpoint: values.checkpoint,
      out,
      overrides: stringList(values.set),
      plugins: stringList(values.plugin),
      sample: typeof values.sample === 'string' ? values.sample : undefined,
      scoreThr,
    });
    console.log(`wrote ${out} in ${((performance.now() - started) / 1000).toFixed(1)} s: ${report.files.join(', ')} (detector.js ${(report.bundleBytes / 1e6).toFixed(1)} MB, components: ${report.components.join(', ')})`);
    console.log(`serve it: python3 -m http.server -d ${out} 8000, then open http://127.0.0.1:8000`);
    return 0;
  },
};

export default command;
