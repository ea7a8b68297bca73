/**
 * The control channel's wire protocol: the CLI sends one JSON request on one line, the daemon answers with
 * one JSON response on one line, and the connection closes.
 *
 *   → {"id":1,"method":"status","params":{}}
 *   ← {"id":1,"ok":true,"result":…}   or   {"id":1,"ok":false,"error":"…"}
 *
 * Parsing never throws: anything malformed becomes an error value that the server sends back.
 */

export const METHODS = ['status', 'leases', 'reload'] as const;
export type Method = (typeof METHODS)[number];

/** A request line longer than this (excluding the newline) is refused without being buffered further. */
export const MAX_REQUEST_BYTES = 64 * 1024;
/** The client's bound on a response line; the lease table of a /16 fits with room to spare. */
export const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

export interface Request {
  id: number;
  method: Method;
  params: Record<string, unknown>;
}

export interface OkResponse {
  id?: number;
  ok: true;
  result: unknown;
}

export interface ErrorResponse {
  id?: number;
  ok: false;
  error: string;
}

export type Response = OkResponse | ErrorResponse;

/** Why a line is not a valid message; `id` is kept when the line got far enough to have one. */
export interface ParseError {
  invalid: true;
  error: string;
  id?: number;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isMethod(v: unknown): v is Method {
  return typeof v === 'string' && (METHODS as readonly string[]).includes(v);
}

function invalid(error: string, id?: number): ParseError {
  return id === undefined ? { invalid: true, error } : { invalid: true, error, id };
}

function parseJson(line: string): { value: unknown } | ParseError {
  try {
    return { value: JSON.parse(line) as unknown };
  } catch (e) {
    return invalid(`not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function isParseError(v: object): v is ParseError {
  return 'invalid' in v;
}

export function parseRequest(line: string): Request | ParseError {
  const parsed = parseJson(line);
  if (isParseError(parsed)) return parsed;
  const v = parsed.value;
  if (!isRecord(v)) return invalid('a request is a JSON object');
  const id = Number.isSafeInteger(v.id) ? (v.id as number) : undefined;
  if (id === undefined) return invalid('"id" must be an integer');
  if (!isMethod(v.method)) {
    return invalid(
      `unknown method ${JSON.stringify(v.method) ?? 'undefined'}; expected one of ${METHODS.join(', ')}`,
      id,
    );
  }
  const params = v.params === undefined ? {} : v.params;
  if (!isRecord(params)) return invalid('"params" must be a JSON object', id);
  return { id, method: v.method, params };
}

export function parseResponse(line: string): Response | ParseError {
  const parsed = parseJson(line);
  if (isParseError(parsed)) return parsed;
  const v = parsed.value;
  if (!isRecord(v) || typeof v.ok !== 'boolean') return invalid('a response is a JSON object with "ok"');
  const id = Number.isSafeInteger(v.id) ? { id: v.id as number } : {};
  if (v.ok) return { ...id, ok: true, result: v.result };
  if (typeof v.error !== 'string') return invalid('an error response needs an "error" string');
  return { ...id, ok: false, error: v.error };
}

export function encodeRequest(r: Request): string {
  return JSON.stringify(r) + '\n';
}

/** Never throws: a result JSON cannot represent (BigInt, a cycle) becomes an error response. */
export function encodeResponse(r: Response): string {
  try {
    return JSON.stringify(r) + '\n';
  } catch (e) {
    const error = `the result could not be encoded as JSON: ${e instanceof Error ? e.message : String(e)}`;
    return JSON.stringify(r.id === undefined ? { ok: false, error } : { id: r.id, ok: false, error }) + '\n';
  }
}

export type LineResult = { line: string } | { tooLong: true };

/**
 * Collects bytes until the first newline, holding at most `limit` bytes. Bytes are decoded only once the line
 * is whole, so a UTF-8 character split across chunks survives.
 */
export class LineReader {
  readonly #limit: number;
  #chunks: Buffer[] = [];
  #size = 0;
  #done = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  /** The line once it is complete or too long; undefined while more is needed. Later calls return undefined. */
  push(chunk: Buffer): LineResult | undefined {
    if (this.#done) return undefined;
    const nl = chunk.indexOf(0x0a);
    const take = nl < 0 ? chunk : chunk.subarray(0, nl);
    if (this.#size + take.length > this.#limit) return this.#finish({ tooLong: true });
    this.#chunks.push(take);
    this.#size += take.length;
    return nl < 0 ? undefined : this.#finish({ line: this.#text() });
  }

  /** At end of input: what was collected without a newline, if anything. */
  end(): LineResult | undefined {
    const r = this.#done || this.#size === 0 ? undefined : { line: this.#text() };
    return this.#finish(r);
  }

  #text(): string {
    return Buffer.concat(this.#chunks, this.#size).toString('utf8');
  }

  #finish<T>(r: T): T {
    this.#done = true;
    this.#chunks = [];
    return r;
  }
}
