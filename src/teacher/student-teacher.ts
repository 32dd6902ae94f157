// A student exported by `ernie-slim export` serving as a teacher: its metadata says how to segment and which
// words it knows, so no --vocab is needed; its ONNX graph runs in ONNX Runtime.
import { InputError } from '../errors.js';
import { Student } from '../student/student.js';
import { packStudentRows, studentRowLength, type StudentRow } from '../student/token-rows.js';
import type { PreparedWindow, TeacherBackend, TeacherText } from './teacher-backend.js';

interface WordWindow extends PreparedWindow {
  rows: StudentRow[];
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
    if (this.student.pair) {
      const single = texts.findIndex((t) => typeof t === 'string');
      if (single >= 0)
        throw new InputError(`this teacher compares text pairs; row ${single + 1} has no text_b`, this.source);
    }
    const rows = await this.student.encodeRows(texts);
    return { rows, lengths: Int32Array.from(rows, studentRowLength) };
  }

  async run(prepared: PreparedWindow, rows: number[]): Promise<{ logits: Float32Array; labels: number }> {
    const { rows: encoded } = prepared as WordWindow;
    const logits = await this.student.logitsOfRows(packStudentRows(rows.map((r) => encoded[r]!)));
    return { logits, labels: this.student.labels.length };
  }

  async probe(): Promise<number> {
    const window = await this.prepare([this.student.pair ? ['[UNK]', '[UNK]'] : '[UNK]']);
    return (await this.run(window, [0])).labels;
  }

  async release(): Promise<void> {
    await this.student.close();
  }
}
