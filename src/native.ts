// Loads the compiled addon once; ERNIE_SLIM_ADDON points at another build (for side-by-side builds).
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface NativeBuildInfo {
  cuda: boolean;
  /** ERNIE_SLIM_CUDA at build time: AUTO, ON or OFF. */
  cudaSetting: string;
  hardwareThreads: number;
  /** The matrix-product kernel this CPU runs: avx512, avx2 or baseline. */
  gemmKernel: string;
  /** The fine-tuner's element-wise kernels (GELU, dropout masks, LayerNorm) on this CPU: avx512 or portable. */
  elementwiseKernel: string;
  compiler?: string;
}

// The addon's surface grows per concern; each module narrows it with its own interface.
export interface NativeAddon {
  buildInfo(): NativeBuildInfo;
  [name: string]: unknown;
}

let loaded: NativeAddon | undefined;

export function addonPath(): string {
  return process.env.ERNIE_SLIM_ADDON ?? path.join(packageRoot, 'build', 'Release', 'ernie_slim.node');
}

export function native(): NativeAddon {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    const file = addonPath();
    try {
      loaded = require(file) as NativeAddon;
    } catch (err) {
      throw new Error(
        `cannot load the native addon ${file} (run \`npm install\` or \`npm run build:native\`): ${(err as Error).message}`,
      );
    }
  }
  return loaded;
}
