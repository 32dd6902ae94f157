// Command bodies load their modules on use, so that every command starts without loading all of them.
// Every command module, in the order `--help` lists them.
import type { CommandModule } from 'yargs';
import { infoCommand } from './info.js';
import { tokenizeCommand } from './tokenize.js';
import { labelCommand } from './label.js';
import { makeTeacherCommand } from './make-teacher.js';
import { serveCommand } from './serve.js';
import { distillCommand } from './distill.js';
import { augmentCommand } from './augment.js';

export const commands: CommandModule<object, any>[] = [infoCommand];
commands.push(tokenizeCommand);
commands.push(labelCommand, makeTeacherCommand, serveCommand, distillCommand);
commands.push(augmentCommand);
import { segmentCommand } from './segment.js';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';
import { predictCommand } from './predict.js';
import { exportCommand } from './export.js';
commands.push(segmentCommand, trainCommand, evalCommand, predictCommand, exportCommand);
