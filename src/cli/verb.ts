/**
 * What the verbs share: `--config` and `--state-dir` read once (the config loaded, the state directory
 * chosen), the host a verb converges, and what a verb gives back — its output and exit code, which main.ts
 * prints and exits with. A config that does not load is a ConfigError (file:line:key), exit 2, before the
 * verb has changed anything.
 */
import { loadConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { chooseStateDir } from '../daemon/state-dir.js';
import type { Host } from '../host/host.js';
import { hostFor, requireRoot } from './reconcile.js';
import type { UserFlags } from './user-flags.js';

export interface VerbResult {
  /** Printed on stdout as it is ('' = nothing). */
  output: string;
  exitCode: number;
  /** Printed on stderr, one `switchyard: warning:` line each. */
  warnings?: readonly string[];
}

export function result(output: string, exitCode = 0): VerbResult {
  return { output, exitCode };
}

export interface ConfigFlags {
  /** --config (the verb's default when not given). */
  config: string;
  /** --state-dir, when given. */
  stateDir?: string | undefined;
}

export interface VerbContext<C extends Config | undefined = Config> {
  config: C;
  /** --state-dir, else the config's stateDir, else the platform's default. */
  stateDir: string;
  /** The flags as the user gave them, for the next steps a verb prints (user-flags.ts). */
  flags: UserFlags;
}

/** Loads --config (read as for `platform`: the one it is written for) and chooses the state directory. */
export async function loadContext(flags: ConfigFlags, platform?: NodeJS.Platform): Promise<VerbContext> {
  const config = await loadConfig(flags.config, platform);
  return {
    config,
    stateDir: chooseStateDir(flags.stateDir, config.stateDir),
    flags: { config: flags.config, stateDir: flags.stateDir },
  };
}

/** For verbs whose --config is optional (leases, uninstall): without one, only the state directory. */
export async function loadOptionalContext(flags: {
  config?: string | undefined;
  stateDir?: string | undefined;
}): Promise<VerbContext<Config | undefined>> {
  if (flags.config === undefined)
    return {
      config: undefined,
      stateDir: chooseStateDir(flags.stateDir, undefined),
      flags: { stateDir: flags.stateDir },
    };
  return loadContext({ config: flags.config, stateDir: flags.stateDir });
}

/**
 * The host a verb observes and converges (hostFor: Windows and WSL get the Windows backend), refused at
 * once when it needs root and this process is not (requireRoot; `argv` is the command line as typed).
 */
export function convergedHost(
  ctx: VerbContext,
  argv: readonly string[],
  uid: number | undefined = process.getuid?.(),
): Host {
  const host = hostFor(ctx.config);
  requireRoot(host, argv, uid);
  return host;
}
