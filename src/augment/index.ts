// The augment module's public face.
export { augment, type AugmentResult, type AugmentRunOptions, type AugmentProgress } from './augment.js';
export { augmentDefaults, type AugmentOptions, type StrategyName } from './options.js';
