/**
 * Where names that are not ours go. One interface, two implementations chosen by platform (servers.ts for
 * a list of DNS servers — Linux's resolv.conf or the config's `upstream:` list; os-resolver.ts for Windows'
 * DNS Client, which applies NRPT rules), and fakes in tests.
 */
import type { Answer, Question } from '../message.js';

export interface Upstream {
  /** For logs and `status`: what answers and how. */
  readonly description: string;
  /** The upstream's answer to one question; rejects on failure or when `signal` aborts (the deadline). */
  resolve(q: Question, signal: AbortSignal): Promise<Answer>;
  close(): void;
}

export class UpstreamError extends Error {}
