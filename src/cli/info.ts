import os from 'node:os';
import { defineCommand } from './command.js';
import { native, addonPath } from '../native.js';
import { version } from '../version.js';
import { cudaInfo } from '../student/training-device.js';

export const infoCommand = defineCommand({
  command: 'info',
  describe: 'Version, native addon build flags and threads',
  builder: (y) => y,
  run: async (args) => {
    const build = native().buildInfo();
    const cuda = cudaInfo();
    const info = {
      version,
      node: process.version,
      addon: addonPath(),
      cuda: build.cuda,
      cudaDevices: cuda.devices,
      cudaDevice: cuda.name,
      cudaProblem: cuda.problem,
      threads: build.hardwareThreads,
      cpus: os.cpus().length,
      compiler: build.compiler ?? null,
    };
    if (!args.json) {
      for (const [k, v] of Object.entries(info)) process.stdout.write(`${k}: ${v}\n`);
    }
    return info;
  },
});
