/** Registers the `visualization:` config section (discovered as `src/**\/*.section.js`): what each evaluation draws for MLflow. */
import { defineSection } from '../registry/section.js';

export interface VisualizationSection {
  images: number;
  score_thr: number;
  iou_thr: number;
}

export const visualization = defineSection({
  name: 'visualization',
  description: 'pictures logged at each evaluation: val images with predictions and ground truth, per-class AP, a confusion matrix',
  schema: {
    type: 'object',
    description: 'pictures logged at each evaluation: val images with predictions and ground truth, per-class AP, a confusion matrix',
    additionalProperties: false,
    default: {},
    properties: {
      images: { type: 'integer', minimum: 0, default: 4, description: 'val images drawn at each evaluation, the same ones every time (0: no pictures at all)' },
      score_thr: { type: 'number', minimum: 0, maximum: 1, default: 0.3, description: 'predictions drawn and counted in the confusion matrix score at least this' },
      iou_thr: { type: 'number', minimum: 0, maximum: 1, default: 0.5, description: 'overlap at which a prediction hits a ground-truth box in the confusion matrix' },
    },
  },
});
