// The figure ERNIE Slim's table ends with: how much faster the student predicts than the teacher scores.
import type { Student } from '../student/student.js';
import type { Teacher, TeacherText } from '../teacher/teacher.js';

export interface SpeedupMeasurement {
  sentences: number;
  /** Teacher scoring with batches of 64, length-bucketed: its best throughput on this machine. */
  teacherSentencesPerSecond: number;
  teacherMicrosecondsPerSentence: number;
  /** `student.predict(text)`, one text at a time, segmentation included. */
  studentMicrosecondsPerSentence: number;
  studentSentencesPerSecond: number;
  speedup: number;
}

/** `texts` are texts, or text pairs for a matching task (one pair counts as one sentence). */
export async function measureSpeedup(
  teacher: Teacher,
  student: Student,
  texts: readonly TeacherText[],
): Promise<SpeedupMeasurement> {
  // Warm both up so that start-up costs do not count.
  await teacher.score(texts.slice(0, 8));
  for (const t of texts.slice(0, 50)) student.predict(t);

  let started = performance.now();
  await teacher.score(texts, { batchSize: 64 });
  const teacherSeconds = (performance.now() - started) / 1000;

  // Enough repetitions for a stable per-sentence figure.
  const rounds = Math.max(1, Math.ceil(20_000 / texts.length));
  started = performance.now();
  for (let r = 0; r < rounds; r++) for (const t of texts) student.predict(t);
  const studentSeconds = (performance.now() - started) / 1000 / rounds;

  const teacherUs = (teacherSeconds / texts.length) * 1e6;
  const studentUs = (studentSeconds / texts.length) * 1e6;
  return {
    sentences: texts.length,
    teacherSentencesPerSecond: texts.length / teacherSeconds,
    teacherMicrosecondsPerSentence: teacherUs,
    studentMicrosecondsPerSentence: studentUs,
    studentSentencesPerSecond: texts.length / studentSeconds,
    speedup: teacherUs / studentUs,
  };
}
