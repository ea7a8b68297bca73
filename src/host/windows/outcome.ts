/**
 * Reading a finished PowerShell run back: its marked JSON value, or a failure from its error marker,
 * stderr or exit code. stderr may be CLIXML: with -EncodedCommand and redirected stderr PowerShell
 * serialises error and progress records as `#< CLIXML <Objs…>` (PowerShell/PowerShell#5912, #16678);
 * `clixmlToText` turns that back into text. Pure.
 */
import type { RunResult } from '../runner.js';
import { extractMarked } from './markers.js';

/** A PowerShell failure, from our error markers or reconstructed from stderr/exit code. */
export interface PsFailure {
  message: string;
  /** FullyQualifiedErrorId (e.g. "Windows System Error 5,Set-NetIPInterface"), or our own ids. */
  errorId: string | null;
  /** ErrorCategory name (e.g. "PermissionDenied"). */
  category: string | null;
  /** Line in the generated script. */
  line: number | null;
}

export type PsOutcome =
  { ok: true; value: unknown; run: RunResult } | { ok: false; failure: PsFailure; run: RunResult };

function text(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function failureFrom(v: unknown): PsFailure | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const r = v as Record<string, unknown>;
  const message = text(r.message);
  if (message === null) return undefined;
  return {
    message,
    errorId: text(r.errorId),
    category: text(r.category),
    line: typeof r.line === 'number' && r.line > 0 ? r.line : null,
  };
}

/** Colour codes PowerShell 7 puts into error text (ESC [ … m). */
const ANSI_SGR = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

const XML_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/**
 * stderr as readable text. PowerShell writes CLIXML (`#< CLIXML` then `<Objs>…<S S="Error">line_x000D__x000A_</S>…`)
 * when stderr is redirected; this keeps the error strings and decodes `_xHHHH_` and XML escapes. Other
 * text is returned trimmed.
 */
export function clixmlToText(stderr: string): string {
  if (!stderr.includes('#< CLIXML')) return stderr.trim();
  const parts: string[] = [];
  for (const m of stderr.matchAll(/<S S="Error">([\s\S]*?)<\/S>/g)) {
    parts.push(
      m[1]!
        .replace(/_x([0-9A-Fa-f]{4})_/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
        .replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => XML_ENTITIES[name] ?? ''),
    );
  }
  return parts.join('').replace(ANSI_SGR, '').trim();
}

/** Turns a finished run into its marked JSON value or a failure. Pure. */
export function interpretRun(run: RunResult): PsOutcome {
  const errorText = extractMarked(run.stdout, 'ERROR');
  if (errorText !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(errorText);
    } catch {
      parsed = undefined;
    }
    return {
      ok: false,
      failure: failureFrom(parsed) ?? { message: errorText, errorId: null, category: null, line: null },
      run,
    };
  }
  const jsonText = extractMarked(run.stdout, 'JSON');
  if (jsonText !== undefined) {
    try {
      return { ok: true, value: JSON.parse(jsonText) as unknown, run };
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      return {
        ok: false,
        failure: {
          message: `output between markers is not JSON (${why})`,
          errorId: null,
          category: null,
          line: null,
        },
        run,
      };
    }
  }
  const stderr = clixmlToText(run.stderr);
  return {
    ok: false,
    failure: {
      message:
        stderr !== ''
          ? stderr
          : `PowerShell exited with code ${run.code} without a result` +
            (run.stdout.trim() === '' ? '' : `; output: ${run.stdout.trim().slice(0, 300)}`),
      errorId: null,
      category: null,
      line: null,
    },
    run,
  };
}
