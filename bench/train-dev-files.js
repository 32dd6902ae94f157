// The train.tsv and dev.tsv of a data set from ../shared; a bench run without them says so and exits 0.
import fs from 'node:fs';
import path from 'node:path';

export function trainDevFilesOrSkip(dataDir, benchName, dataName) {
  const train = path.join(dataDir, 'train.tsv');
  const dev = path.join(dataDir, 'dev.tsv');
  if (!fs.existsSync(train) || !fs.existsSync(dev)) {
    console.log(`skipping the ${benchName} bench: ${dataDir} (${dataName} from ../shared) is absent`);
    process.exit(0);
  }
  return { train, dev };
}
