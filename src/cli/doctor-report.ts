/**
 * `switchyard doctor --report FILE`: one JSON file that turns a first run on a real Windows machine into a
 * bug report and a regression test (test/fixtures/windows/recorded/, loaded by the test suite through the
 * real parser and planner). Read-only and never elevated: it runs the observation script, a second,
 * timed run of the same observation, and a small script that reads the build, the PowerShell and the
 * token (system-info.ts), all with runPowerShell. Then it redacts the user's and the machine's names and
 * every MAC address that is not on one of switchyard's switches, and writes the file.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { loadConfig } from '../config/load.js';
import { packageVersion } from './version.js';
import { parseMac } from '../net/mac.js';
import { psString } from '../ps-quote.js';
import { EnvironmentError } from '../errors.js';
import { isObservationError, parseObservation } from '../host/windows/observation-parse.js';
import { observationScript } from '../host/windows/observation-script.js';
import type { ObservationNote } from '../host/windows/observation-types.js';
import { clixmlToText, type PsOutcome } from '../host/windows/outcome.js';
import { CONSTRAINED_LANGUAGE, PS_PRELUDE } from '../host/windows/prelude.js';
import { runPowerShell, type RunOptions } from '../host/windows/spawn-runner.js';
import { parseSystemInfo, systemInfoScript, type SystemInfo } from '../host/windows/system-info.js';

/** Version of the report document; bump when its shape changes incompatibly. */
export const REPORT_SCHEMA = 1;
/** What a report made by this command says it is; the simulated sample says otherwise. */
export const SOURCE_WINDOWS = 'switchyard doctor --report, on Windows';

export interface ReportError {
  /** Which run: "observation", "observation (timed)", "system info". */
  step: string;
  message: string;
  errorId: string | null;
  /** stderr of the run as text (CLIXML decoded), at most 4,000 characters. */
  stderr: string;
  exitCode: number;
}

export interface DoctorReport {
  reportSchema: typeof REPORT_SCHEMA;
  source: string;
  createdAt: string;
  switchyard: { version: string };
  windows: {
    build: string | null;
    displayVersion: string | null;
    productName: string | null;
    editionId: string | null;
    osVersion: string | null;
    uiCulture: string | null;
    culture: string | null;
  };
  powershell: { edition: string | null; version: string | null; languageMode: string | null };
  identity: {
    elevated: boolean | null;
    hypervAdmin: boolean | null;
    administratorsMember: boolean | null;
    userInteractive: boolean | null;
  };
  observation: {
    /** The JSON the observation script printed between its markers (redacted), or null when it failed. */
    raw: unknown;
    /** Notes: the script's own and the parser's (dropped entries); null when there was nothing to parse. */
    notes: ObservationNote[] | null;
    /** Why the printed JSON is not an observation (parseObservation), or null. */
    parseError: string | null;
  };
  timing: {
    /** Wall time of the first observation (PowerShell's start-up included): "cold" only right after a reboot. */
    firstRunMs: number | null;
    /** Wall time of the second, timed observation. */
    secondRunMs: number | null;
    /** Time per section of the second run, in the order run; "start" is the part before the first section. */
    sectionsMs: Record<string, number> | null;
    /** Why sectionsMs is null, when it is. */
    sectionsNote: string | null;
  };
  errors: ReportError[];
  /** What was redacted (kinds and counts, never the values). */
  redaction: { names: string[]; macs: number };
}

/** Effects, replaced by tests. */
export interface ReportDeps extends RunOptions {
  version: string;
  now?: () => Date;
  /** Milliseconds since some fixed point (default performance.now). */
  clock?: () => number;
  /** Switch names of the config, if there is one: the MACs of their vNICs are kept. */
  switchNames?: readonly string[];
  source?: string;
}

// ---------------------------------------------------------------------------------------------------
// Timing the sections without changing the observation script

const TIME_MARK = 'SWITCHYARD-SECTION-TIME';

/**
 * The observation script with a stopwatch line before each `Get-Section '<name>'` call and before its
 * result is printed (Out-Marked is wrapped): `SWITCHYARD-SECTION-TIME <name> <ms>` lines on stdout, outside
 * the markers. Reads nothing more than the script does. `sections` is 0 when the script has no such calls
 * (then there is nothing to time by section).
 */
export function timedObservationScript(script: string): { script: string; sections: number } {
  const head = `${PS_PRELUDE}try {\n`;
  let sections = 0;
  const body = script
    .slice(head.length)
    .replace(/^([ \t]*)Get-Section '([A-Za-z0-9]+)'/gm, (m, indent: string, name: string) => {
      sections += 1;
      return `${indent}Set-SectionTime ${psString(name)}\n${m}`;
    });
  if (!script.startsWith(head) || sections === 0) return { script, sections: 0 };
  const timer = `  $syWatch = [Diagnostics.Stopwatch]::StartNew()
  function Set-SectionTime([string]$Name) { [Console]::Out.WriteLine(${psString(`${TIME_MARK} `)} + $Name + ' ' + $syWatch.ElapsedMilliseconds) }
  $syOutMarked = \${function:Out-Marked}
  function Out-Marked([string]$Kind, $Value) { Set-SectionTime 'end'; & $syOutMarked $Kind $Value }
  Set-SectionTime 'start'
`;
  return { script: `${head}${timer}${body}`, sections };
}

/** Milliseconds per section from the time lines: each section lasts until the next line. */
export function sectionTimes(stdout: string): Record<string, number> | null {
  const marks: { name: string; ms: number }[] = [];
  for (const line of stdout.split(/\r?\n/)) {
    const m = new RegExp(`^${TIME_MARK} (\\S+) (\\d+)\\s*$`).exec(line.replace(/^\uFEFF/, ''));
    if (m) marks.push({ name: m[1]!, ms: Number(m[2]) });
  }
  if (marks.length < 2 || marks[marks.length - 1]!.name !== 'end') return null;
  const out: Record<string, number> = {};
  for (let i = 0; i + 1 < marks.length; i++) out[marks[i]!.name] = marks[i + 1]!.ms - marks[i]!.ms;
  return out;
}

// ---------------------------------------------------------------------------------------------------
// Redaction

/** RFC 7042 §2.1.2: 00-00-5E-00-53-00 to 00-00-5E-00-53-FF are for documentation. */
const DOC_MAC_PREFIX = [0x00, 0x00, 0x5e, 0x00, 0x53];
const MAC_TEXT =
  /(?<![0-9A-Fa-f])[0-9A-Fa-f]{2}([-:])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![0-9A-Fa-f])|(?<![0-9A-Za-z-])[0-9A-Fa-f]{12}(?![0-9A-Za-z-])/g;

export interface Redactor {
  (value: unknown): unknown;
  /** Kinds of names replaced so far, and MACs. */
  readonly stats: { names: Set<string>; macs: Set<string> };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Replaces, in every string of a JSON value: the profile path by `%USERPROFILE%`; each name (user, domain,
 * computer) where it stands alone (not inside a longer word), case-insensitively, by `<user>` or `<host>`;
 * each MAC not in `keepMacs` by a documentation MAC (the same one for the same MAC, in the same notation,
 * so the parser still reads it). Keys are left as they are.
 */
export function makeRedactor(
  names: { user: readonly string[]; host: readonly string[]; profile: string },
  keepMacs: ReadonlySet<string>,
): Redactor {
  const stats = { names: new Set<string>(), macs: new Set<string>() };
  const rules: { re: RegExp; to: string; kind: string }[] = [];
  const profile = names.profile.replace(/[\\/]+$/, '');
  if (profile.length > 3)
    rules.push({ re: new RegExp(escapeRegExp(profile), 'giu'), to: '%USERPROFILE%', kind: 'profile path' });
  const words = [
    ...names.user.map((n) => ({ n, to: '<user>', kind: 'user name' })),
    ...names.host.map((n) => ({ n, to: '<host>', kind: 'computer name' })),
  ]
    .map((w) => ({ ...w, n: w.n.trim() }))
    .filter((w) => w.n !== '')
    .sort((a, b) => b.n.length - a.n.length);
  for (const w of words)
    rules.push({
      re: new RegExp(`(?<![\\p{L}\\p{N}_])${escapeRegExp(w.n)}(?![\\p{L}\\p{N}_])`, 'giu'),
      to: w.to,
      kind: w.kind,
    });
  const pseudonyms = new Map<string, number>();
  const macOf = (text: string): string => {
    const mac = parseMac(text);
    if (mac === undefined) return text;
    const canonical: string = mac;
    if (keepMacs.has(canonical)) return text;
    stats.macs.add(canonical);
    let n = pseudonyms.get(canonical);
    if (n === undefined) {
      n = pseudonyms.size + 1;
      pseudonyms.set(canonical, n);
    }
    const bytes = [...DOC_MAC_PREFIX, n & 0xff].map((b) => b.toString(16).padStart(2, '0'));
    const upper = text === text.toUpperCase();
    const sep = text.includes('-') ? '-' : text.includes(':') ? ':' : '';
    const out = bytes.join(sep);
    return upper ? out.toUpperCase() : out;
  };
  const str = (s: string): string => {
    let out = s;
    for (const r of rules)
      out = out.replace(r.re, () => {
        stats.names.add(r.kind);
        return r.to;
      });
    return out.replace(MAC_TEXT, macOf);
  };
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return str(v);
    if (Array.isArray(v)) return v.map(walk);
    if (typeof v === 'object' && v !== null)
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  return Object.assign(walk, { stats });
}

/**
 * The MACs to keep: those of the host vNICs of switchyard's switches (`vEthernet (<switch>)`, for a
 * switch whose Notes mark it as switchyard's or that the config names).
 */
export function switchyardMacs(raw: unknown, switchNames: readonly string[]): Set<string> {
  const parsed = parseObservation(raw);
  const keep = new Set<string>();
  if (isObservationError(parsed)) return keep;
  const ours = new Set([
    ...(parsed.switches ?? []).filter((s) => s.managed).map((s) => s.name.toLowerCase()),
    ...switchNames.map((n) => n.toLowerCase()),
  ]);
  for (const a of parsed.adapters ?? []) {
    const m = /^vEthernet \((.*)\)$/.exec(a.name);
    if (m && ours.has(m[1]!.toLowerCase()) && a.mac !== null) keep.add(a.mac);
  }
  return keep;
}

// ---------------------------------------------------------------------------------------------------
// The report

function errorOf(step: string, o: PsOutcome): ReportError | undefined {
  if (o.ok) return undefined;
  return {
    step,
    message: o.failure.message,
    errorId: o.failure.errorId,
    stderr: clixmlToText(o.run.stderr).slice(0, 4000),
    exitCode: o.run.code,
  };
}

/** Runs the scripts and builds the (redacted) report. Never elevates; never changes the host. */
export async function buildDoctorReport(deps: ReportDeps): Promise<DoctorReport> {
  const clock = deps.clock ?? (() => performance.now());
  const options: RunOptions = {
    ...(deps.runner ? { runner: deps.runner } : {}),
    ...(deps.location ? { location: deps.location } : {}),
  };
  const timed = async (script: string): Promise<{ outcome: PsOutcome; ms: number }> => {
    const t0 = clock();
    const outcome = await runPowerShell(script, options);
    return { outcome, ms: Math.round(clock() - t0) };
  };
  const errors: ReportError[] = [];
  const first = await timed(observationScript());
  const infoRun = await timed(systemInfoScript());
  const instrumented = timedObservationScript(observationScript());
  const second = await timed(instrumented.script);
  for (const [step, r] of [
    ['observation', first],
    ['system info', infoRun],
    ['observation (timed)', second],
  ] as const) {
    const e = errorOf(step, r.outcome);
    if (e) errors.push(e);
  }
  const info: SystemInfo | undefined = infoRun.outcome.ok
    ? parseSystemInfo(infoRun.outcome.value)
    : undefined;
  const raw = first.outcome.ok ? first.outcome.value : null;
  const parsed = raw === null ? undefined : parseObservation(raw);
  const sections = instrumented.sections === 0 ? null : sectionTimes(second.outcome.run.stdout);
  // The language guard's refusal (PS_LANGUAGE_GUARD) names the mode even when the info script could not run.
  const refusal = [first, infoRun].flatMap((r) =>
    !r.outcome.ok && r.outcome.failure.errorId === CONSTRAINED_LANGUAGE ? [r.outcome.failure.message] : [],
  )[0];
  const refusedMode =
    refusal === undefined ? null : (/runs in (\w+) mode/.exec(refusal)?.[1] ?? CONSTRAINED_LANGUAGE);
  const report: DoctorReport = {
    reportSchema: REPORT_SCHEMA,
    source: deps.source ?? SOURCE_WINDOWS,
    createdAt: (deps.now ?? (() => new Date()))().toISOString(),
    switchyard: { version: deps.version },
    windows: {
      build: info?.windowsBuild ?? null,
      displayVersion: info?.displayVersion ?? null,
      productName: info?.productName ?? null,
      editionId: info?.editionId ?? null,
      osVersion: info?.osVersion ?? null,
      uiCulture: info?.uiCulture ?? null,
      culture: info?.culture ?? null,
    },
    powershell: {
      edition: info?.psEdition ?? null,
      version: info?.psVersion ?? null,
      languageMode: info?.languageMode ?? refusedMode,
    },
    identity: {
      elevated: info?.elevated ?? null,
      hypervAdmin: info?.hypervAdmin ?? null,
      administratorsMember: info?.administratorsMember ?? null,
      userInteractive: info?.userInteractive ?? null,
    },
    observation: {
      raw,
      notes: parsed === undefined || isObservationError(parsed) ? null : parsed.notes,
      parseError: parsed !== undefined && isObservationError(parsed) ? parsed.error : null,
    },
    timing: {
      firstRunMs: first.ms,
      secondRunMs: second.ms,
      sectionsMs: sections,
      sectionsNote:
        sections !== null
          ? null
          : instrumented.sections === 0
            ? 'the observation script has no Get-Section calls to time: total time only'
            : 'the timed run printed no complete set of section times: total time only',
    },
    errors,
    redaction: { names: [], macs: 0 },
  };
  const n = info?.names;
  const identity = (n?.identity ?? '').split('\\');
  const profileLeaf =
    (n?.userProfile ?? '')
      .split(/[\\/]/)
      .filter((p) => p !== '')
      .pop() ?? '';
  const redact = makeRedactor(
    {
      user: [n?.userName ?? '', identity[identity.length - 1] ?? '', profileLeaf],
      host: [
        n?.computerName ?? '',
        n?.machineName ?? '',
        n?.userDomain ?? '',
        identity.length > 1 ? identity[0]! : '',
      ],
      profile: n?.userProfile ?? '',
    },
    switchyardMacs(raw, deps.switchNames ?? []),
  );
  // Only what came from the host carries names and MACs; the fields above are switchyard's own words.
  return {
    ...report,
    observation: redact(report.observation) as DoctorReport['observation'],
    errors: redact(report.errors) as ReportError[],
    redaction: { names: [...redact.stats.names].sort(), macs: redact.stats.macs.size },
  };
}

/**
 * Builds the report and writes it to `file`. Exit code: 0 when the observation was read, 1 when it failed
 * (the file is still written: that failure is what the report is for).
 */
export async function doctorReportCommand(
  file: string,
  deps: ReportDeps,
): Promise<{ output: string; exitCode: 0 | 1 }> {
  const report = await buildDoctorReport(deps);
  try {
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  } catch (e) {
    throw new EnvironmentError(`cannot write the report to ${file}: ${(e as Error).message}`, { cause: e });
  }
  const ok = report.observation.raw !== null && report.observation.parseError === null;
  return {
    output: ok
      ? `wrote ${file}: names and other MACs redacted; read it before you send it\n`
      : `wrote ${file}, but the observation failed: ${report.errors[0]?.message ?? report.observation.parseError ?? 'unknown'}\n`,
    exitCode: ok ? 0 : 1,
  };
}

/**
 * The CLI's dependencies: the version, and the config's switch names when there is a config (`--report`
 * works without one; a config named with -c that cannot be read is still an error).
 */
export async function reportDeps(configFile: string, defaultFile: string): Promise<ReportDeps> {
  const config =
    configFile !== defaultFile || existsSync(configFile) ? await loadConfig(configFile) : undefined;
  return { version: packageVersion(), switchNames: (config?.switches ?? []).map((s) => s.name) };
}
