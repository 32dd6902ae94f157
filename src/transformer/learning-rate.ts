// The learning rate of step `step` (0-based) of `total`: linear warmup from 0 over `warmupSteps`, then linear
// decay to 0 at `total` (Hugging Face's get_linear_schedule_with_warmup, BERT's recipe).
export function linearWarmupDecay(peak: number, step: number, warmupSteps: number, total: number): number {
  if (step < warmupSteps) return (peak * step) / Math.max(1, warmupSteps);
  return peak * Math.max(0, (total - step) / Math.max(1, total - warmupSteps));
}
