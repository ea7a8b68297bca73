/**
 * `serve` reloads on SIGHUP, and SIGHUP's default action ends the process. This module is the CLI's first
 * import, so for `serve` a handler is in place as soon as the bundle starts to run: before commander, yaml,
 * zod and the daemon's modules are evaluated, and before the config is read (which can take as long as the
 * file's storage does). A SIGHUP seen here is remembered, and `serve` reloads once it has started. Other
 * verbs keep the default.
 */
let remembered = false;
const remember = (): void => {
  remembered = true;
};
if (process.argv[2] === 'serve') process.on('SIGHUP', remember);

/** For `serve`, once its own handler is in place: whether a SIGHUP came before it. Stops remembering. */
export function takeEarlySighup(): boolean {
  process.off('SIGHUP', remember);
  const came = remembered;
  remembered = false;
  return came;
}
