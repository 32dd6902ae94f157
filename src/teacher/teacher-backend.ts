// One teacher model as the labeling engine sees it: texts are prepared (tokenized) a window at a time,
// then any subset of the window's rows runs as one batch.

/** A text, or a text pair for matching tasks. */
export type TeacherText = string | readonly [string, string];

/** A prepared window; `lengths` (tokens per row) drive length bucketing. */
export interface PreparedWindow {
  lengths: Int32Array;
}

export interface TeacherBackend {
  /** The model file or service URL, for messages. */
  readonly source: string;
  readonly device: string;
  /** Batches this backend can usefully run at once (1 for an in-process model that uses every core). */
  readonly concurrency: number;
  /** Label names from the model's metadata, when it has them. */
  readonly labelNames: string[] | null;
  prepare(texts: readonly TeacherText[], maxLength: number): Promise<PreparedWindow>;
  /** Logits [rows.length x labels] of the given rows of a prepared window. */
  run(prepared: PreparedWindow, rows: number[]): Promise<{ logits: Float32Array; labels: number }>;
  /** Runs one probe row (the highest token id): fails early when the model cannot take this vocabulary. */
  probe(): Promise<number>;
  release(): Promise<void>;
}
