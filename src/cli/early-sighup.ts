/**
 * `serve` reloads on SIGHUP, and SIGHUP's default action ends the process. Until the daemon has started,
 * a SIGHUP is only remembered here, and `serve` reloads once it has. This module is the CLI's first import,
 * so for `serve` that starts as soon as the bundle starts to run: before commander, yaml, zod and the
 * daemon's modules are evaluated, and before the config is read (which can take as long as the file's
 * storage does). Other verbs keep the default.
 */
let remembered = false;
let listening = false;
const remember = (): void => {
  remembered = true;
};

/** From now until takeEarlySighup(), a SIGHUP is remembered instead of ending the process (idempotent). */
export function rememberSighup(): void {
  if (listening) return;
  listening = true;
  process.on('SIGHUP', remember);
}

if (process.argv[2] === 'serve') rememberSighup();

/** For `serve`, once its own handler is in place: whether a SIGHUP came before it. Stops remembering. */
export function takeEarlySighup(): boolean {
  process.off('SIGHUP', remember);
  listening = false;
  const came = remembered;
  remembered = false;
  return came;
}
