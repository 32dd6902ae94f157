// A student exported by `ernie-slim export` serving as a teacher: its metadata says how to segment and which
// words it knows, so no --vocab is needed; its ONNX graph runs in ONNX Runtime.
import { Student } from '../student/student.js';
import { packRows } from '../student/token-rows.js';
import type { PreparedWindow, TeacherBackend, TeacherText } from './teacher-backend.js';

interface WordWindow extends PreparedWindow {
  ids: Int32Array[];
}

export class StudentTeacherBackend implements TeacherBackend {
  readonly device = 'cpu';
  readonly concurrency = 1;

  private constructor(
    readonly source: string,
    private readonly student: Student,
  ) {}

  static async open(file: string, threads?: number): Promise<StudentTeacherBackend> {
    return new StudentTeacherBackend(file, await Student.load(file, { runtime: 'onnxruntime', threads }));
  }

  get labelNames(): string[] {
    return [...this.student.labels];
  }

  // The student's own segmentation settings limit its words; --max-len counts WordPiece tokens, not words.
  async prepare(texts: readonly TeacherText[]): Promise<WordWindow> {
    const ids = await this.student.encodeMany(texts);
    return { ids, lengths: Int32Array.from(ids, (r) => r.length) };
  }

  async run(prepared: PreparedWindow, rows: number[]): Promise<{ logits: Float32Array; labels: number }> {
    const { ids } = prepared as WordWindow;
    const logits = await this.student.logitsOfRows(packRows(rows.map((r) => ids[r]!)));
    return { logits, labels: this.student.labels.length };
  }

  async probe(): Promise<number> {
    const window = await this.prepare(['[UNK]']);
    return (await this.run(window, [0])).labels;
  }

  async release(): Promise<void> {
    await this.student.close();
  }
}
