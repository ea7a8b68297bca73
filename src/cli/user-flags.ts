/**
 * Next steps and `fix:` lines that paste as they are: a `switchyard <verb>` the program suggests carries the
 * user's own --config and --state-dir (a fix that silently uses the default config fixes another network).
 */
import { psString } from '../ps-quote.js';
import { shWord } from '../sh-quote.js';

export interface UserFlags {
  /** --config as the user gave it (or the default). */
  config?: string | undefined;
  /** --state-dir, only when the user gave one (else the config's stateDir or the default applies again). */
  stateDir?: string | undefined;
}

const VERBS = 'apply|plan|serve|status|doctor|install|uninstall|leases|reserve|unreserve|vagrant';

/**
 * A word for the shell switchyard runs from: PowerShell on Windows, a POSIX shell elsewhere (WSL included).
 * The two quote differently: PowerShell doubles each of five quote characters (ps-quote.ts), POSIX ends and
 * reopens the literal around an escaped ' (sh-quote.ts). Bare in PowerShell only without , @ and the like,
 * which argument mode reads as an array or a splat.
 */
function word(s: string, platform: NodeJS.Platform): string {
  if (platform !== 'win32') return shWord(s);
  return /^[A-Za-z0-9_./:\\-]+$/.test(s) ? s : psString(s);
}

function flagText(f: UserFlags, platform: NodeJS.Platform): string {
  const parts: string[] = [];
  if (f.config !== undefined) parts.push('--config', word(f.config, platform));
  if (f.stateDir !== undefined) parts.push('--state-dir', word(f.stateDir, platform));
  return parts.join(' ');
}

/** `switchyard VERB …` with the user's flags. */
export function userCommand(verb: string, f: UserFlags, platform = process.platform): string {
  const flags = flagText(f, platform);
  return flags === '' ? `switchyard ${verb}` : `switchyard ${verb} ${flags}`;
}

/**
 * Adds the user's flags to every `switchyard <verb>` in `text` that does not carry a --config already
 * (uninstall and leases take only --state-dir).
 */
export function withUserFlags(text: string, f: UserFlags, platform = process.platform): string {
  const re = new RegExp(`\\bswitchyard (${VERBS})\\b(?![^;\`)\\n]*--config)`, 'g');
  return text.replace(re, (_m, verb: string) => {
    const own = verb === 'uninstall' || verb === 'leases' ? { stateDir: f.stateDir } : f;
    return userCommand(verb, own, platform);
  });
}
