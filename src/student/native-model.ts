// Creates native StudentModel instances (native/binding_student.cc) behind the contract in native-api.ts.
import { native } from '../native.js';
import type { NativeStudentAddon, NativeStudentModel, StudentConfig } from './native-api.js';

export function createNativeModel(config: StudentConfig): NativeStudentModel {
  const addon = native() as unknown as Partial<NativeStudentAddon>;
  if (typeof addon.StudentModel !== 'function') {
    throw new Error('this build of the native addon has no StudentModel (rebuild with `npm run build:native`)');
  }
  return new addon.StudentModel(config);
}
