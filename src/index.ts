/**
 * detlab as a library (`import { loadDetector } from 'detlab'`): a trained
 * detector's inference on image files, tensors or pixels. The CLI (`detlab
 * ...`) covers training, evaluation and the rest.
 */
export { loadDetector, type DetectorInput, type LoadDetectorOptions, type LoadedDetector } from './inference/load_detector.js';
export type { Detection, ImagePixels, Prediction } from './inference/predictor.js';
