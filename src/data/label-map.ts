// Label strings <-> dense ids; the order is fixed once built and stored in the model.

export class LabelMap {
  private readonly ids = new Map<string, number>();

  constructor(readonly labels: readonly string[]) {
    labels.forEach((label, i) => {
      if (this.ids.has(label)) throw new Error(`duplicate label ${JSON.stringify(label)}`);
      this.ids.set(label, i);
    });
  }

  /** Numeric labels sort numerically ("2" before "10"), others by code point, so ids do not depend on row order. */
  static fromLabels(labels: Iterable<string>): LabelMap {
    const unique = [...new Set(labels)];
    const numeric = unique.every((l) => /^-?\d+(\.\d+)?$/.test(l));
    unique.sort(numeric ? (a, b) => Number(a) - Number(b) : (a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return new LabelMap(unique);
  }

  get size(): number {
    return this.labels.length;
  }

  has(label: string): boolean {
    return this.ids.has(label);
  }

  /** The id of `label`, or -1 when the label is unknown. */
  idOf(label: string): number {
    return this.ids.get(label) ?? -1;
  }

  labelOf(id: number): string {
    const label = this.labels[id];
    if (label === undefined) throw new RangeError(`label id ${id} out of range 0..${this.labels.length - 1}`);
    return label;
  }
}
