// Where the student trains: the CPU path everywhere, the addon's CUDA trainer (bow) where a GPU is usable.
import { InputError, UsageError } from '../errors.js';
import { native } from '../native.js';
import type { StudentKind } from './native-api.js';

export type TrainingDevice = 'auto' | 'cpu' | 'cuda';

/** What the addon found at load: `built` without `devices` means no GPU or driver on this machine. */
export interface CudaInfo {
  built: boolean;
  devices: number;
  name: string | null;
  problem: string | null;
  runtimeVersion: number;
  driverVersion: number;
}

export function cudaInfo(): CudaInfo {
  return (native().cudaInfo as () => CudaInfo)();
}

/** A training option in use that the CUDA trainer does not implement: its flag and what it is. */
export interface CpuOnlyOption {
  flag: string;
  what: string;
}

/**
 * `cpu` and `cuda` are taken as asked (`cuda` fails in one line when it cannot run); `auto` picks the GPU
 * for a one-text bow student using no CPU-only option when one is usable, else the CPU.
 */
export function resolveTrainingDevice(
  requested: TrainingDevice,
  kind: StudentKind,
  pair = false,
  cpuOnly: readonly CpuOnlyOption[] = [],
): 'cpu' | 'cuda' {
  if (requested !== 'auto' && requested !== 'cpu' && requested !== 'cuda') {
    throw new UsageError(`--device must be auto, cpu or cuda, got ${String(requested)}`);
  }
  if (requested === 'cpu') return 'cpu';
  const cuda = cudaInfo();
  const usable = cuda.devices > 0 && kind === 'bow' && !pair && cpuOnly.length === 0;
  if (requested === 'auto') return usable ? 'cuda' : 'cpu';
  if (cuda.devices === 0)
    throw new InputError(`--device cuda: ${cuda.problem ?? 'no CUDA device'}; use --device cpu or auto`);
  if (kind !== 'bow')
    throw new InputError(`--device cuda: the CUDA trainer runs the bow student only; train ${kind} with --device cpu`);
  if (pair)
    throw new InputError(
      '--device cuda: the CUDA trainer runs one-text bow students, not two-tower pair models; use --device cpu or auto',
    );
  const missing = cpuOnly[0];
  if (missing)
    throw new UsageError(
      `--device cuda: the CUDA trainer has no ${missing.what}; set ${missing.flag} 0 or use --device cpu`,
    );
  return 'cuda';
}
