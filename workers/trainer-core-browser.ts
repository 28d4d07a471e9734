// The trainer core as the browser loads it (the training worker and the in-thread fallback): tfjs's gradients
// registered first — only training needs them, so the engine's inference never loads them. Node tools import
// trainer-core.ts directly (tfjs's Node build registers its gradients itself, and the deep ESM import below does
// not resolve under Node).
import '@tensorflow/tfjs-core/dist/register_all_gradients';

export { createTrainerCore } from './trainer-core.js';
