// Usage mistakes caught by yargs, told in one line naming what the user typed, with the help that applies.

/** The command named on the command line (its first word that is not a flag), if any. */
export function typedCommand(argv: readonly string[]): string | undefined {
  return argv.find((a) => !a.startsWith('-'));
}

/** Edit distance where swapping two neighbouring letters costs one (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The command a mistyped word most likely meant: a typo away (one edit in short words, two in longer) or its start. */
export function closestCommand(word: string, commands: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  const allowed = w.length <= 4 ? 1 : 2;
  let best: { name: string; distance: number } | undefined;
  for (const name of commands) {
    const distance = w.length >= 3 && name.startsWith(w) ? 0 : editDistance(w, name);
    if (distance <= allowed && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** Yargs lists an unknown `--max-len` as "max-len, maxLen": keep only the forms typed, as typed. */
export function typedUnknownArguments(names: readonly string[], argv: readonly string[]): string[] {
  const typed: string[] = [];
  for (const arg of argv) {
    const name = arg.startsWith('--') ? arg.slice(2).split('=')[0]! : arg.startsWith('-') ? arg.slice(1) : arg;
    const bare = arg.startsWith('--no-') && !names.includes(name) ? name.slice(3) : name;
    if ((names.includes(name) || names.includes(bare)) && !typed.includes(arg.split('=')[0]!))
      typed.push(arg.split('=')[0]!);
  }
  return typed.length > 0 ? typed : [...names];
}

/** The one-line message for a yargs failure. */
export function usageMessage(message: string, argv: readonly string[]): string {
  const unknown = /^Unknown arguments?: (.*)$/.exec(message);
  if (unknown) {
    const typed = typedUnknownArguments(unknown[1]!.split(', '), argv);
    return `Unknown argument${typed.length > 1 ? 's' : ''}: ${typed.join(', ')}`;
  }
  const missing = /^Missing required arguments?: (.*)$/.exec(message);
  if (missing)
    return `Missing required argument${missing[1]!.includes(', ') ? 's' : ''}: ${missing[1]!
      .split(', ')
      .map((f) => `--${f}`)
      .join(', ')}`;
  const invalid = /^Invalid values:\s+Argument: (\S+), Given: (.*), Choices: (.*)$/.exec(message);
  if (invalid) return `Invalid value for --${invalid[1]}: ${invalid[2]} (choices: ${invalid[3]})`;
  return message.replace(/\n\s*/g, ' ');
}
