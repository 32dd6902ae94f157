// Every command module, in the order `--help` lists them. Command bodies import their modules on use, so a
// command starts without loading what the others need (onnxruntime-node, jieba).
import type { CommandModule } from 'yargs';
import { distillCommand } from './distill.js';
import { tokenizeCommand } from './tokenize.js';
import { segmentCommand } from './segment.js';
import { augmentCommand } from './augment.js';
import { labelCommand } from './label.js';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';
import { predictCommand } from './predict.js';
import { exportCommand } from './export.js';
import { serveCommand } from './serve.js';
import { makeTeacherCommand } from './make-teacher.js';
import { convertCommand } from './convert.js';
import { finetuneCommand } from './finetune.js';
import { quantizeCommand } from './quantize.js';
import { benchCommand } from './bench.js';
import { infoCommand } from './info.js';

export const commands: CommandModule<object, any>[] = [
  distillCommand,
  tokenizeCommand,
  segmentCommand,
  augmentCommand,
  labelCommand,
  trainCommand,
  evalCommand,
  predictCommand,
  exportCommand,
  serveCommand,
  convertCommand,
  finetuneCommand,
  makeTeacherCommand,
  quantizeCommand,
  benchCommand,
  infoCommand,
];
