/**
 * Simulated DHCP clients behind a simulated relay agent (what perfdhcp does): one UDP socket bound to the
 * relay's own address on port 67 sends relayed DISCOVER/REQUEST messages (giaddr = that address) unicast
 * to the server's port 67; the server answers the relay at giaddr:67, and replies are matched to their
 * simulated client by xid (and chaddr). No raw sockets, no broadcast: thousands of clients from one process.
 *
 * It runs inside a lab client namespace as a child process (sim-clients-main.ts is the CLI):
 *
 *   lab.spawn(ns, simArgv({ mode: 'dora', server: '10.77.0.1', relay: '10.77.0.2', count: 3000, ... }))
 *
 * The relay's address must be on the relay's interface (the test adds it) and inside the server's
 * `dhcp.relayAgents`, or the server drops every request.
 *
 * Modes:
 *   dora    N clients (MACs <mac-prefix>:<counter>), C at a time: DISCOVER → OFFER → REQUEST → ACK. Each ACK
 *           is written as a JSON line {"mac","ip"} the moment it arrives (to --out, or stdout).
 *   reboot  for every {"mac","ip"} line of --from: an INIT-REBOOT REQUEST for that address; one JSON line per
 *           client {"mac","ip","result":"ack"|"nak"|"none", ...}.
 *   flood   DISCOVERs at --rate per second for --duration seconds, random (or sequential) MACs; counts the
 *           answers (and, with --request, REQUESTs every OFFER once).
 *
 * Every mode ends with one line {"summary":{...}} on stdout. Everything is bounded: each client retransmits
 * with a growing timeout and gives up after --max-attempts sends, and the whole run stops after
 * --max-runtime-ms, so a server that was killed (or never comes back) cannot hang a test.
 */
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MessageType, Opt, type DhcpMessage } from '../../src/dhcp/message.js';
import { getIp, getMessageType, getString } from '../../src/dhcp/options.js';
import { decode } from '../../src/dhcp/wire.js';
import { formatIpv4, parseIpv4 } from '../../src/net/ipv4.js';
import { macFromBytes, parseMac } from '../../src/net/mac.js';
import { discover, request } from './client-packets.js';

/** The CLI (dist/test/support/sim-clients-main.js), next to this module once compiled. */
export const SIM_MAIN = join(dirname(fileURLToPath(import.meta.url)), 'sim-clients-main.js');

/** Hard limits whatever the caller asks for. */
export const SIM_LIMITS = {
  maxCount: 200_000,
  maxConcurrency: 10_000,
  maxRate: 100_000,
  maxDurationS: 300,
  maxRuntimeMs: 600_000,
  maxAttempts: 1_000,
} as const;

export interface CommonOptions {
  /** Server address (unicast destination). */
  server: string;
  serverPort: number;
  /** The relay's own address: bound, and sent as giaddr. */
  relay: string;
  /** Port the relay binds (67: the server answers giaddr:67). */
  relayPort: number;
  /** First retransmission timeout (ms); doubles per retransmission up to maxTimeoutMs, ±25 % jitter. */
  timeoutMs: number;
  maxTimeoutMs: number;
  /** Sends per client (all transactions together) before it gives up. */
  maxAttempts: number;
  /** The whole run stops after this long, finished or not. */
  maxRuntimeMs: number;
  /** Records go here (appended, written synchronously); stdout when undefined. */
  out: string | undefined;
}

export interface DoraOptions extends CommonOptions {
  mode: 'dora';
  count: number;
  concurrency: number;
  /** 1 to 5 bytes, e.g. "02:5a"; the rest of each MAC is the client's number. */
  macPrefix: string;
  /** REQUEST retransmissions without an answer before starting over with DISCOVER. */
  requestRetries: number;
}

export interface RebootOptions extends CommonOptions {
  mode: 'reboot';
  /** A file of {"mac","ip"} lines (what dora wrote). */
  from: string;
  concurrency: number;
}

export interface FloodOptions extends CommonOptions {
  mode: 'flood';
  /** DISCOVERs per second. */
  rate: number;
  durationS: number;
  /** Random locally administered MACs (default); false: <mac-prefix> + a counter. */
  randomMacs: boolean;
  macPrefix: string;
  /** Also send one REQUEST for every OFFER (allocating leases). */
  request: boolean;
  /** How long to keep listening for answers after the last DISCOVER (ms). */
  lingerMs: number;
}

export type SimOptions = DoraOptions | RebootOptions | FloodOptions;

/** What dora writes per ACK, and reboot reads. */
export interface AckRecord {
  mac: string;
  ip: string;
}

export interface RebootRecord {
  mac: string;
  ip: string;
  result: 'ack' | 'nak' | 'none';
  /** yiaddr of the ACK (should equal ip). */
  ackIp?: string;
  /** option 56 of a NAK. */
  message?: string;
  sends: number;
}

export interface DoraSummary {
  mode: 'dora';
  count: number;
  acked: number;
  gaveUp: number;
  /** Clients never started because the run hit maxRuntimeMs. */
  notStarted: number;
  sent: number;
  offers: number;
  acks: number;
  naks: number;
  /** Replies matching no client (late answers to transactions already finished). */
  stray: number;
  /** Late ACKs, after the client had finished, for another address than the one it recorded. */
  lateAckMismatch: { mac: string; recorded: string; late: string }[];
  timeouts: number;
  sendErrors: number;
  ms: number;
  timedOut: boolean;
  gaveUpMacs: string[];
}

export interface RebootSummary {
  mode: 'reboot';
  count: number;
  ack: number;
  ackWrongIp: number;
  nak: number;
  none: number;
  sent: number;
  stray: number;
  sendErrors: number;
  ms: number;
  timedOut: boolean;
}

export interface FloodSummary {
  mode: 'flood';
  sent: number;
  offers: number;
  acks: number;
  naks: number;
  requestsSent: number;
  stray: number;
  sendErrors: number;
  /** DISCOVERs per second actually sent. */
  sentRate: number;
  /** DISCOVER → OFFER latency percentiles (ms), over the OFFERs received. */
  offerLatencyMs: { p50: number; p99: number; max: number } | undefined;
  ms: number;
}

export type SimSummary = DoraSummary | RebootSummary | FloodSummary;

// ---------------------------------------------------------------------------------------------------------
// argv

const DEFAULTS = {
  serverPort: 67,
  relayPort: 67,
  timeoutMs: 400,
  maxTimeoutMs: 2_000,
  maxAttempts: 60,
  maxRuntimeMs: 120_000,
  concurrency: 64,
  macPrefix: '02:5a',
  requestRetries: 3,
  lingerMs: 1_000,
} as const;

function int(name: string, v: string | undefined, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new Error(`--${name} must be an integer from ${min} to ${max} (got "${v}")`);
  }
  return n;
}

function checkPrefix(p: string): string {
  const m = p.toLowerCase();
  if (!/^[0-9a-f]{2}(:[0-9a-f]{2}){0,4}$/.test(m))
    throw new Error(`--mac-prefix "${p}": 1 to 5 bytes, aa:bb`);
  if (parseInt(m.slice(0, 2), 16) & 1) throw new Error(`--mac-prefix "${p}" is multicast`);
  return m;
}

function checkIp(name: string, v: string | undefined): string {
  if (v === undefined || parseIpv4(v) === undefined) throw new Error(`--${name} needs an IPv4 address`);
  return v;
}

export const USAGE = `usage: sim-clients-main.js MODE --server IP --relay IP [options]
  dora   --count N --concurrency C [--mac-prefix 02:5a] [--request-retries 3]
  reboot --from FILE [--concurrency C]
  flood  --rate R --duration S [--random-macs | --mac-prefix P] [--request] [--linger-ms 1000]
common: [--out FILE] [--server-port 67] [--relay-port 67] [--timeout-ms 400] [--max-timeout-ms 2000]
        [--max-attempts 60] [--max-runtime-ms 120000]`;

/** Parses the CLI's argv (without node and the script); throws with a message on bad input. */
export function parseSimArgs(argv: readonly string[]): SimOptions {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      server: { type: 'string' },
      'server-port': { type: 'string' },
      relay: { type: 'string' },
      'relay-port': { type: 'string' },
      'timeout-ms': { type: 'string' },
      'max-timeout-ms': { type: 'string' },
      'max-attempts': { type: 'string' },
      'max-runtime-ms': { type: 'string' },
      out: { type: 'string' },
      count: { type: 'string' },
      concurrency: { type: 'string' },
      'mac-prefix': { type: 'string' },
      'request-retries': { type: 'string' },
      from: { type: 'string' },
      rate: { type: 'string' },
      duration: { type: 'string' },
      'random-macs': { type: 'boolean' },
      request: { type: 'boolean' },
      'linger-ms': { type: 'string' },
    },
  });
  const mode = positionals[0];
  if (positionals.length !== 1) throw new Error(`expected exactly one mode\n${USAGE}`);
  const common: CommonOptions = {
    server: checkIp('server', values.server),
    serverPort: int('server-port', values['server-port'], DEFAULTS.serverPort, 1, 65535),
    relay: checkIp('relay', values.relay),
    relayPort: int('relay-port', values['relay-port'], DEFAULTS.relayPort, 1, 65535),
    timeoutMs: int('timeout-ms', values['timeout-ms'], DEFAULTS.timeoutMs, 10, 60_000),
    maxTimeoutMs: int('max-timeout-ms', values['max-timeout-ms'], DEFAULTS.maxTimeoutMs, 10, 60_000),
    maxAttempts: int('max-attempts', values['max-attempts'], DEFAULTS.maxAttempts, 1, SIM_LIMITS.maxAttempts),
    maxRuntimeMs: int(
      'max-runtime-ms',
      values['max-runtime-ms'],
      DEFAULTS.maxRuntimeMs,
      100,
      SIM_LIMITS.maxRuntimeMs,
    ),
    out: values.out,
  };
  const concurrency = int(
    'concurrency',
    values.concurrency,
    DEFAULTS.concurrency,
    1,
    SIM_LIMITS.maxConcurrency,
  );
  switch (mode) {
    case 'dora':
      return {
        ...common,
        mode,
        count: int('count', values.count, 1, 1, SIM_LIMITS.maxCount),
        concurrency,
        macPrefix: checkPrefix(values['mac-prefix'] ?? DEFAULTS.macPrefix),
        requestRetries: int('request-retries', values['request-retries'], DEFAULTS.requestRetries, 0, 100),
      };
    case 'reboot':
      if (values.from === undefined) throw new Error('reboot needs --from FILE');
      return { ...common, mode, from: values.from, concurrency };
    case 'flood':
      return {
        ...common,
        mode,
        rate: int('rate', values.rate, 100, 1, SIM_LIMITS.maxRate),
        durationS: int('duration', values.duration, 1, 1, SIM_LIMITS.maxDurationS),
        randomMacs: values['random-macs'] ?? values['mac-prefix'] === undefined,
        macPrefix: checkPrefix(values['mac-prefix'] ?? DEFAULTS.macPrefix),
        request: values.request ?? false,
        lingerMs: int('linger-ms', values['linger-ms'], DEFAULTS.lingerMs, 0, 60_000),
      };
    default:
      throw new Error(`unknown mode "${String(mode)}"\n${USAGE}`);
  }
}

type Partial2<T> = { [K in keyof T]?: T[K] | undefined };

/** The argv for lab.spawn(): [node, SIM_MAIN, mode, --flags...]. Omitted options take the CLI defaults. */
export function simArgv(
  o: { mode: SimOptions['mode']; server: string; relay: string } & Partial2<
    Omit<DoraOptions, 'mode'> & Omit<RebootOptions, 'mode'> & Omit<FloodOptions, 'mode'>
  >,
): string[] {
  const argv = [process.execPath, SIM_MAIN, o.mode, '--server', o.server, '--relay', o.relay];
  const add = (flag: string, v: string | number | undefined): void => {
    if (v !== undefined) argv.push(`--${flag}`, String(v));
  };
  add('server-port', o.serverPort);
  add('relay-port', o.relayPort);
  add('timeout-ms', o.timeoutMs);
  add('max-timeout-ms', o.maxTimeoutMs);
  add('max-attempts', o.maxAttempts);
  add('max-runtime-ms', o.maxRuntimeMs);
  add('out', o.out);
  add('count', o.count);
  add('concurrency', o.concurrency);
  add('mac-prefix', o.macPrefix);
  add('request-retries', o.requestRetries);
  add('from', o.from);
  add('rate', o.rate);
  add('duration', o.durationS);
  add('linger-ms', o.lingerMs);
  if (o.randomMacs === true) argv.push('--random-macs');
  if (o.request === true) argv.push('--request');
  return argv;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** A {"mac","ip"} line as dora writes it (and reboot reads it). */
export function isAckRecord(v: unknown): v is AckRecord {
  return (
    isObject(v) &&
    typeof v.mac === 'string' &&
    parseMac(v.mac) !== undefined &&
    typeof v.ip === 'string' &&
    parseIpv4(v.ip) !== undefined
  );
}

/** A line as reboot writes it. */
export function isRebootRecord(v: unknown): v is RebootRecord {
  return isAckRecord(v) && 'result' in v && ['ack', 'nak', 'none'].includes(String(v.result));
}

/**
 * Reads JSON-line records that pass `is`, skipping a last line still being written and anything that is
 * not JSON or not such a record.
 */
export function readJsonLines<T>(path: string, is: (v: unknown) => v is T): T[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue; // an incomplete last line
    }
    if (is(v)) out.push(v);
  }
  return out;
}

/** The {"summary":...} line of a finished run's output, if there is one for `mode`. */
export function findSummary<M extends SimSummary['mode']>(
  output: string,
  mode: M,
): Extract<SimSummary, { mode: M }> | undefined {
  const lines = output.split('\n').filter((l) => l.startsWith('{"summary":'));
  const last = lines[lines.length - 1];
  if (last === undefined) return undefined;
  const s = (JSON.parse(last) as { summary: SimSummary }).summary;
  return s.mode === mode ? (s as Extract<SimSummary, { mode: M }>) : undefined;
}

// ---------------------------------------------------------------------------------------------------------
// the relay socket

type ReplyHandler = (msg: DhcpMessage, type: number) => void;

/** Where records go: a file written synchronously (each line is on disk-cache when the call returns) or stdout. */
export class LineSink {
  private readonly fd: number | undefined;
  constructor(path: string | undefined) {
    this.fd = path === undefined ? undefined : openSync(path, 'a', 0o644);
  }
  write(v: unknown): void {
    const line = `${JSON.stringify(v)}\n`;
    if (this.fd === undefined) process.stdout.write(line);
    else writeSync(this.fd, line);
  }
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
  }
}

class Relay {
  private socket: Socket | undefined;
  private readonly handlers = new Map<number, ReplyHandler>();
  sent = 0;
  sendErrors = 0;
  stray = 0;
  /** Called for replies whose xid has no handler. */
  onStray: ((msg: DhcpMessage, type: number) => void) | undefined;
  private readonly o: CommonOptions;

  constructor(o: CommonOptions) {
    this.o = o;
  }

  async open(): Promise<void> {
    const s = createSocket({ type: 'udp4', reuseAddr: false });
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind({ address: this.o.relay, port: this.o.relayPort, exclusive: true }, () => {
        s.off('error', reject);
        resolve();
      });
    });
    s.on('error', () => {
      this.sendErrors++;
    });
    try {
      s.setRecvBufferSize(8 << 20);
      s.setSendBufferSize(4 << 20);
    } catch {
      // best effort (capped by rmem_max/wmem_max)
    }
    s.on('message', (data) => {
      const d = decode(data);
      if (!d.ok) return;
      const type = getMessageType(d.msg.options) ?? 0;
      const h = this.handlers.get(d.msg.xid);
      if (h) h(d.msg, type);
      else {
        this.stray++;
        this.onStray?.(d.msg, type);
      }
    });
    this.socket = s;
  }

  on(xid: number, h: ReplyHandler): void {
    this.handlers.set(xid, h);
  }

  off(xid: number): void {
    this.handlers.delete(xid);
  }

  send(bytes: Uint8Array): void {
    const s = this.socket;
    if (!s) return;
    this.sent++;
    s.send(bytes, this.o.serverPort, this.o.server, (err) => {
      if (err) this.sendErrors++;
    });
  }

  close(): Promise<void> {
    const s = this.socket;
    this.socket = undefined;
    if (!s) return Promise.resolve();
    return new Promise((resolve) => {
      s.close(() => {
        resolve();
      });
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// helpers

/** xids: a random start, then consecutive, so no two transactions of a run share one. */
let xidCounter = randomBytes(4).readUInt32BE(0);
function newXid(): number {
  xidCounter = (xidCounter + 1) >>> 0;
  return xidCounter === 0 ? newXid() : xidCounter;
}

function macOf(prefix: string, n: number): string {
  const bytes = prefix.split(':');
  const rest = 6 - bytes.length;
  const tail: string[] = [];
  for (let i = rest - 1; i >= 0; i--) tail.push(((n / 256 ** i) & 255).toString(16).padStart(2, '0'));
  return [...bytes, ...tail].join(':');
}

function randomMac(): string {
  return ['02', ...[...randomBytes(5)].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

function backoff(o: CommonOptions, n: number): number {
  const base = Math.min(o.maxTimeoutMs, o.timeoutMs * 2 ** Math.min(n, 16));
  return Math.round(base * (0.75 + Math.random() * 0.5));
}

function replyMac(msg: DhcpMessage): string {
  return macFromBytes(msg.chaddr, 0);
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `body` until it calls done() or maxRuntimeMs passes; always closes the relay. */
async function bounded(
  o: CommonOptions,
  relay: Relay,
  body: (done: () => void) => void,
): Promise<{ ms: number; timedOut: boolean }> {
  const t0 = Date.now();
  let timer: NodeJS.Timeout | undefined;
  const stop: { fn: () => void } = { fn: () => undefined };
  const timedOut = await new Promise<boolean>((resolve) => {
    timer = setTimeout(() => {
      resolve(true);
    }, o.maxRuntimeMs);
    stop.fn = () => {
      resolve(true);
    };
    process.once('SIGTERM', stop.fn);
    process.once('SIGINT', stop.fn);
    body(() => {
      resolve(false);
    });
  });
  clearTimeout(timer);
  process.off('SIGTERM', stop.fn);
  process.off('SIGINT', stop.fn);
  await relay.close();
  return { ms: Date.now() - t0, timedOut };
}

// ---------------------------------------------------------------------------------------------------------
// dora

interface DoraClient {
  mac: string;
  xids: number[];
  phase: 'discover' | 'request';
  /** Retransmissions of the current message. */
  tries: number;
  sends: number;
  offered: string | undefined;
  serverId: string | undefined;
  timer: NodeJS.Timeout | undefined;
  finished: boolean;
}

export async function runDora(o: DoraOptions, sink: LineSink): Promise<DoraSummary> {
  const relay = new Relay(o);
  await relay.open();
  const s: DoraSummary = {
    mode: 'dora',
    count: o.count,
    acked: 0,
    gaveUp: 0,
    notStarted: 0,
    sent: 0,
    offers: 0,
    acks: 0,
    naks: 0,
    stray: 0,
    lateAckMismatch: [],
    timeouts: 0,
    sendErrors: 0,
    ms: 0,
    timedOut: false,
    gaveUpMacs: [],
  };
  const recorded = new Map<number, AckRecord>(); // xid of a finished client → what it recorded
  relay.onStray = (msg, type) => {
    const rec = recorded.get(msg.xid);
    if (rec && type === MessageType.ACK && formatIpv4(msg.yiaddr) !== rec.ip) {
      s.lateAckMismatch.push({ mac: rec.mac, recorded: rec.ip, late: formatIpv4(msg.yiaddr) });
    }
  };
  let next = 0;
  let active = 0;
  const live = new Set<DoraClient>();
  let finish: () => void = () => undefined;

  const end = (c: DoraClient): void => {
    c.finished = true;
    clearTimeout(c.timer);
    for (const x of c.xids) relay.off(x);
    live.delete(c);
    active--;
    startMore();
  };

  const sendCurrent = (c: DoraClient): void => {
    if (c.sends >= o.maxAttempts) {
      s.gaveUp++;
      s.gaveUpMacs.push(c.mac);
      end(c);
      return;
    }
    const xid = c.xids[c.xids.length - 1]!;
    const pkt =
      c.phase === 'discover'
        ? discover({ mac: c.mac, xid, giaddr: o.relay, secs: Math.min(c.sends, 65535) })
        : request({
            mac: c.mac,
            xid,
            giaddr: o.relay,
            state: 'selecting',
            requestedIp: c.offered!,
            serverId: c.serverId!,
          });
    c.sends++;
    relay.send(pkt.bytes);
    clearTimeout(c.timer);
    c.timer = setTimeout(
      () => {
        s.timeouts++;
        c.tries++;
        if (c.phase === 'request' && c.tries > o.requestRetries) restart(c);
        else sendCurrent(c);
      },
      backoff(o, c.tries),
    );
  };

  /** A new transaction: new xid, DISCOVER. Older xids stay mapped: a late ACK still counts. */
  const restart = (c: DoraClient): void => {
    c.phase = 'discover';
    c.tries = 0;
    c.offered = undefined;
    c.serverId = undefined;
    const xid = newXid();
    c.xids.push(xid);
    relay.on(xid, (msg, type) => {
      onReply(c, msg, type);
    });
    sendCurrent(c);
  };

  const onReply = (c: DoraClient, msg: DhcpMessage, type: number): void => {
    if (c.finished || replyMac(msg) !== c.mac) return;
    const current = msg.xid === c.xids[c.xids.length - 1];
    if (type === MessageType.OFFER) {
      s.offers++;
      if (!current || c.phase !== 'discover') return;
      const sid = getIp(msg.options, Opt.SERVER_ID);
      if (sid === undefined) return;
      c.phase = 'request';
      c.tries = 0;
      c.offered = formatIpv4(msg.yiaddr);
      c.serverId = formatIpv4(sid);
      sendCurrent(c);
    } else if (type === MessageType.ACK) {
      s.acks++;
      const rec: AckRecord = { mac: c.mac, ip: formatIpv4(msg.yiaddr) };
      sink.write(rec);
      s.acked++;
      for (const x of c.xids) recorded.set(x, rec);
      end(c);
    } else if (type === MessageType.NAK) {
      s.naks++;
      if (current && c.phase === 'request') restart(c);
    }
  };

  const startMore = (): void => {
    while (active < o.concurrency && next < o.count) {
      const c: DoraClient = {
        mac: macOf(o.macPrefix, next++),
        xids: [],
        phase: 'discover',
        tries: 0,
        sends: 0,
        offered: undefined,
        serverId: undefined,
        timer: undefined,
        finished: false,
      };
      active++;
      live.add(c);
      restart(c);
    }
    if (active === 0 && next >= o.count) finish();
  };

  const r = await bounded(o, relay, (done) => {
    finish = done;
    startMore();
  });
  for (const c of live) {
    clearTimeout(c.timer);
    s.gaveUp++;
    s.gaveUpMacs.push(c.mac);
  }
  s.notStarted = o.count - next;
  s.sent = relay.sent;
  s.stray = relay.stray;
  s.sendErrors = relay.sendErrors;
  s.ms = r.ms;
  s.timedOut = r.timedOut;
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// reboot

export async function runReboot(o: RebootOptions, sink: LineSink): Promise<RebootSummary> {
  const records = readJsonLines(o.from, isAckRecord);
  const relay = new Relay(o);
  await relay.open();
  const s: RebootSummary = {
    mode: 'reboot',
    count: records.length,
    ack: 0,
    ackWrongIp: 0,
    nak: 0,
    none: 0,
    sent: 0,
    stray: 0,
    sendErrors: 0,
    ms: 0,
    timedOut: false,
  };
  let next = 0;
  let active = 0;
  const timers = new Set<NodeJS.Timeout>();
  const pending = new Set<AckRecord>();
  let finish: () => void = () => undefined;

  const one = (rec: AckRecord): void => {
    const xid = newXid();
    let sends = 0;
    let timer: NodeJS.Timeout | undefined;
    pending.add(rec);
    const done = (out: RebootRecord): void => {
      clearTimeout(timer);
      if (timer) timers.delete(timer);
      relay.off(xid);
      pending.delete(rec);
      sink.write(out);
      active--;
      startMore();
    };
    const send = (): void => {
      if (sends >= o.maxAttempts) {
        s.none++;
        done({ ...rec, result: 'none', sends });
        return;
      }
      const pkt = request({ mac: rec.mac, xid, giaddr: o.relay, state: 'init-reboot', requestedIp: rec.ip });
      sends++;
      relay.send(pkt.bytes);
      if (timer) timers.delete(timer);
      timer = setTimeout(send, backoff(o, sends - 1));
      timers.add(timer);
    };
    relay.on(xid, (msg, type) => {
      if (replyMac(msg) !== rec.mac) return;
      if (type === MessageType.ACK) {
        const ackIp = formatIpv4(msg.yiaddr);
        s.ack++;
        if (ackIp !== rec.ip) s.ackWrongIp++;
        done({ ...rec, result: 'ack', ackIp, sends });
      } else if (type === MessageType.NAK) {
        s.nak++;
        const message = getString(msg.options, Opt.MESSAGE);
        done({ ...rec, result: 'nak', ...(message !== undefined ? { message } : {}), sends });
      }
    });
    send();
  };

  const startMore = (): void => {
    while (active < o.concurrency && next < records.length) {
      active++;
      one(records[next++]!);
    }
    if (active === 0 && next >= records.length) finish();
  };

  const r = await bounded(o, relay, (done) => {
    finish = done;
    startMore();
  });
  for (const t of timers) clearTimeout(t);
  for (const rec of pending) {
    s.none++;
    sink.write({ ...rec, result: 'none', sends: -1 } satisfies RebootRecord);
  }
  for (const rec of records.slice(next)) {
    s.none++;
    sink.write({ ...rec, result: 'none', sends: 0 } satisfies RebootRecord);
  }
  s.sent = relay.sent;
  s.stray = relay.stray;
  s.sendErrors = relay.sendErrors;
  s.ms = r.ms;
  s.timedOut = r.timedOut;
  return s;
}

// ---------------------------------------------------------------------------------------------------------
// flood

const FLOOD_TICK_MS = 10;

export async function runFlood(o: FloodOptions): Promise<FloodSummary> {
  const bound = { ...o, maxRuntimeMs: Math.min(o.maxRuntimeMs, o.durationS * 1000 + o.lingerMs + 5_000) };
  const relay = new Relay(bound);
  await relay.open();
  const s: FloodSummary = {
    mode: 'flood',
    sent: 0,
    offers: 0,
    acks: 0,
    naks: 0,
    requestsSent: 0,
    stray: 0,
    sendErrors: 0,
    sentRate: 0,
    offerLatencyMs: undefined,
    ms: 0,
  };
  const sentAt = new Map<number, number>();
  const latencies: number[] = [];
  let counter = 0;
  let discovers = 0;
  const total = o.rate * o.durationS;
  const t0 = Date.now();

  const r = await bounded(bound, relay, (done) => {
    const tick = setInterval(() => {
      const elapsed = Date.now() - t0;
      const due = Math.min(total, Math.floor((o.rate * Math.min(elapsed, o.durationS * 1000)) / 1000));
      // never more than one second's worth in a tick (a stalled event loop must not burst)
      const burst = Math.min(due - discovers, o.rate);
      for (let i = 0; i < burst; i++) {
        const mac = o.randomMacs ? randomMac() : macOf(o.macPrefix, counter++);
        const xid = newXid();
        sentAt.set(xid, Date.now());
        relay.on(xid, (msg, type) => {
          if (replyMac(msg) !== mac) return;
          if (type === MessageType.OFFER) {
            s.offers++;
            const at = sentAt.get(xid);
            if (at !== undefined) latencies.push(Date.now() - at);
            if (!o.request) {
              relay.off(xid);
              sentAt.delete(xid);
              return;
            }
            const sid = getIp(msg.options, Opt.SERVER_ID);
            if (sid === undefined) return;
            s.requestsSent++;
            relay.send(
              request({
                mac,
                xid,
                giaddr: o.relay,
                state: 'selecting',
                requestedIp: formatIpv4(msg.yiaddr),
                serverId: formatIpv4(sid),
              }).bytes,
            );
          } else if (type === MessageType.ACK || type === MessageType.NAK) {
            if (type === MessageType.ACK) s.acks++;
            else s.naks++;
            relay.off(xid);
            sentAt.delete(xid);
          }
        });
        relay.send(discover({ mac, xid, giaddr: o.relay }).bytes);
        discovers++;
      }
      // forget transactions older than the linger time (bounded memory at any rate)
      const old = Date.now() - Math.max(o.lingerMs, 1_000) - 1_000;
      for (const [xid, at] of sentAt) {
        if (at >= old) break;
        sentAt.delete(xid);
        relay.off(xid);
      }
      if (discovers >= total) {
        clearInterval(tick);
        setTimeout(done, o.lingerMs);
      }
    }, FLOOD_TICK_MS);
  });
  latencies.sort((a, b) => a - b);
  s.sent = discovers;
  s.stray = relay.stray;
  s.sendErrors = relay.sendErrors;
  s.ms = r.ms;
  s.sentRate = Math.round(discovers / Math.max(0.001, Math.min(r.ms, o.durationS * 1000) / 1000));
  s.offerLatencyMs =
    latencies.length === 0
      ? undefined
      : {
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          max: latencies[latencies.length - 1]!,
        };
  return s;
}

/** Runs one mode to the end; the summary is also printed as {"summary":...} on stdout. */
export async function runSim(o: SimOptions): Promise<SimSummary> {
  const sink = new LineSink(o.out);
  try {
    let summary: SimSummary;
    switch (o.mode) {
      case 'dora':
        summary = await runDora(o, sink);
        break;
      case 'reboot':
        summary = await runReboot(o, sink);
        break;
      case 'flood':
        summary = await runFlood(o);
        break;
    }
    process.stdout.write(`${JSON.stringify({ summary })}\n`);
    return summary;
  } finally {
    sink.close();
  }
}
