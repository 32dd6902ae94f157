// Keeps several pieces of work in flight and hands their results on in submission order (output order = input order).
export class OrderedResults<T> {
  private readonly inFlight: Promise<T>[] = [];

  constructor(
    private readonly maxInFlight: number,
    private readonly onResult: (result: T) => Promise<void> | void,
  ) {}

  async push(result: Promise<T>): Promise<void> {
    // Awaited later, in order; this keeps an early failure from being reported as unhandled meanwhile.
    result.catch(() => {});
    this.inFlight.push(result);
    if (this.inFlight.length >= this.maxInFlight) await this.takeOne();
  }

  private async takeOne(): Promise<void> {
    await this.onResult(await this.inFlight.shift()!);
  }

  /** Waits for everything pushed so far. */
  async drain(): Promise<void> {
    while (this.inFlight.length > 0) await this.takeOne();
  }
}
