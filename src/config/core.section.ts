/** The top-level sections every config may hold, whatever it trains. */
import { componentOption } from '../registry/component.js';
import { defineSection } from '../registry/section.js';

export const name = defineSection({
  name: 'name',
  description: 'name of the experiment, used for its work dir and tracking run',
  schema: {
    type: 'string',
    minLength: 1,
    pattern: '^(?!\\.\\.?$)[^/\\\\]+$',
    'x-message': "must be a plain name, not '.' or '..' and without '/' or '\\': it names the runs' folder under work_dir",
  },
});

export const seed = defineSection({
  name: 'seed',
  description: 'random seed for weights, data order and augmentation',
  schema: { type: 'integer', minimum: 0, default: 0 },
});

export const workDir = defineSection({
  name: 'work_dir',
  description: 'folder for checkpoints, metrics and the resolved config of each run',
  schema: { type: 'string', minLength: 1 },
});

export const plugins = defineSection({
  name: 'plugins',
  description: 'extra component folders or .js files (compiled JavaScript), relative to the config file that names them',
  schema: { type: 'array', items: { type: 'string', minLength: 1 }, default: [] },
});

export const model = defineSection({
  name: 'model',
  description: 'the detector: its type and components (backbone, neck, head, supervisors)',
  schema: componentOption('detector', 'the detector: its type and components (backbone, neck, head, supervisors)'),
});
