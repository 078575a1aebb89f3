// Turns a step's stdout (workflow commands included) into the lines a runner's log shows: groups as headings, ::add-mask:: values masked, commands hidden.

/** A stateful line filter for one job: masks registered by any step stay masked in the later ones, as on the runner. */
export function runnerLog(): (line: string) => string | undefined {
  const secrets: string[] = [];
  const mask = (text: string) => secrets.reduce((acc, secret) => acc.split(secret).join('***'), text);
  return (line) => {
    const command = /^::([a-z-]+)(?: [^:]*)?::(.*)$/.exec(line);
    if (!command) return mask(line);
    const [, name, value] = command;
    switch (name) {
      case 'add-mask':
        if (value!.length >= 4) secrets.push(value!);
        return undefined;
      case 'group':
        return mask(`▸ ${value}`);
      case 'error':
      case 'warning':
      case 'notice':
        return mask(`${name}: ${value!.replace(/%0A/g, ' ').replace(/%0D/g, '').replace(/%25/g, '%')}`);
      default:
        return undefined;
    }
  };
}
