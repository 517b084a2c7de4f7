/** Registers the `tracking:` config section (discovered as `src/**\/*.section.js`). */
import { defineSection } from '../registry/section.js';

export const tracking = defineSection({
  name: 'tracking',
  description: 'where runs are tracked in MLflow',
  schema: {
    type: 'object',
    description: 'where runs are tracked in MLflow',
    additionalProperties: false,
    default: {},
    properties: {
      uri: {
        type: 'string',
        default: '',
        description: 'http(s):// of an MLflow server, or a file: URI or path of a FileStore; MLFLOW_TRACKING_URI overrides it; empty means ./mlruns',
      },
      log_checkpoints: {
        type: 'boolean',
        default: false,
        description: 'upload the final and best checkpoints as artifacts (their paths are always tags: detlab.checkpoint.final, detlab.checkpoint.best)',
      },
    },
  },
});
