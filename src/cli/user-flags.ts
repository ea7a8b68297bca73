/**
 * Next steps and `fix:` lines that paste as they are: a `switchyard <verb>` the program suggests carries the
 * user's own --config and --state-dir (a fix that silently uses the default config fixes another network).
 */

export interface UserFlags {
  /** --config as the user gave it (or the default). */
  config?: string | undefined;
  /** --state-dir, only when the user gave one (else the config's stateDir or the default applies again). */
  stateDir?: string | undefined;
}

const VERBS = 'apply|plan|serve|status|doctor|install|uninstall|leases|reserve|unreserve|vagrant';

/** A shell word: bare when plain, else single-quoted (POSIX shells and PowerShell read both the same). */
function word(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./\\-]+$/.test(s) ? s : `'${s.replace(/'/g, "''")}'`;
}

export function flagText(f: UserFlags): string {
  const parts: string[] = [];
  if (f.config !== undefined) parts.push('--config', word(f.config));
  if (f.stateDir !== undefined) parts.push('--state-dir', word(f.stateDir));
  return parts.join(' ');
}

/** `switchyard VERB …` with the user's flags. */
export function userCommand(verb: string, f: UserFlags): string {
  const flags = flagText(f);
  return flags === '' ? `switchyard ${verb}` : `switchyard ${verb} ${flags}`;
}

/**
 * Adds the user's flags to every `switchyard <verb>` in `text` that does not carry a --config already
 * (uninstall and leases take only --state-dir).
 */
export function withUserFlags(text: string, f: UserFlags): string {
  const re = new RegExp(`\\bswitchyard (${VERBS})\\b(?![^;\`)\\n]*--config)`, 'g');
  return text.replace(re, (_m, verb: string) => {
    const own = verb === 'uninstall' || verb === 'leases' ? { stateDir: f.stateDir } : f;
    return userCommand(verb, own);
  });
}
