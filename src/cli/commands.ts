// Every command module, in the order `--help` lists them.
import type { CommandModule } from 'yargs';
import { infoCommand } from './info.js';

export const commands: CommandModule<object, any>[] = [infoCommand];
