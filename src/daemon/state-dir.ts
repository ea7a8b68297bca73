import { join } from 'node:path';

/** %ProgramData%\switchyard on Windows, /var/lib/switchyard elsewhere; --state-dir or stateDir: override. */
export function defaultStateDir(platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return join(process.env.ProgramData ?? 'C:\\ProgramData', 'switchyard');
  return '/var/lib/switchyard';
}

export function chooseStateDir(flag: string | undefined, fromConfig: string | undefined): string {
  return flag ?? fromConfig ?? defaultStateDir();
}
