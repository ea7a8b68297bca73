/**
 * Helper process for test/lab/transport.test.ts, started inside a network namespace with
 * `ip netns exec NS node dist/test/lab/transport-child.js ...`. It speaks JSON lines: commands on stdin,
 * events on stdout. It ends by itself when stdin closes (never process.exit: stdout is a pipe).
 *
 *   --mode server --if IF --host ADDR --port N [--control-if IF2] [--platform linux|win32]
 *       opens the DHCP transport on IF (and, as a control, a second transport bound to IF2 on the same
 *       port, which proves that a datagram arriving on IF2 did reach this port).
 *       events: ready {description, control?} | open-failed {name, message} | message {socket, from, data}
 *       commands: send {port, address, data} | send-batch {items: [{port, address, data}]} (one turn; event
 *       sent-batch {results: [null | error code]}) | send-unbound {port, address, data} | open-again | close
 *   --mode client --bind ADDR --port N
 *       a plain dgram receiver on 0.0.0.0:N and a broadcast-enabled sender bound to ADDR.
 *       events: ready | message {socket: "client", from, data}
 *       commands: send {port, address, data} | burst {count, size, port, address, data} | close
 */
import { createSocket, type Socket } from 'node:dgram';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { openTransport, type DatagramTransport } from '../../src/dhcp/transport/transport.js';

const { values } = parseArgs({
  options: {
    mode: { type: 'string', default: 'server' },
    if: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    'control-if': { type: 'string' },
    platform: { type: 'string', default: 'linux' },
    bind: { type: 'string' },
  },
});

function emit(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function errorFields(err: unknown): Record<string, unknown> {
  if (!(err instanceof Error)) return { name: 'unknown', message: String(err) };
  const code = 'code' in err ? err.code : undefined;
  return { name: err.name, message: err.message, code };
}

interface Command {
  cmd: string;
  port?: number;
  address?: string;
  data?: string;
  /** burst: how many datagrams, and the size of each (padded with '.') */
  count?: number;
  size?: number;
  /** send-batch: datagrams sent in one turn of the event loop */
  items?: { port: number; address: string; data: string }[];
}

function parseCommand(line: string): Command | undefined {
  try {
    const v: unknown = JSON.parse(line);
    if (typeof v === 'object' && v !== null && 'cmd' in v && typeof v.cmd === 'string') return v as Command;
  } catch {
    // ignored below
  }
  emit({ event: 'bad-command', line });
  return undefined;
}

function sendPlain(socket: Socket, c: Command): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.send(Buffer.from(c.data ?? ''), c.port ?? 0, c.address ?? '', (err) => {
      if (err) reject(err);
      else resolve();
    });
  });
}

async function server(): Promise<void> {
  const interfaceName = values.if ?? '';
  const hostAddress = values.host ?? '';
  const port = Number(values.port);
  const platform = values.platform === 'win32' ? 'win32' : 'linux';
  const onSocketError = (err: Error) => {
    emit({ event: 'socket-error', ...errorFields(err) });
  };
  const open = (ifname: string) =>
    openTransport({ interfaceName: ifname, hostAddress, port, platform, onSocketError });

  let transport: DatagramTransport;
  let control: DatagramTransport | undefined;
  try {
    transport = await open(interfaceName);
    const controlIf = values['control-if'];
    if (controlIf) control = await open(controlIf);
  } catch (err) {
    emit({ event: 'open-failed', ...errorFields(err) });
    process.stdin.destroy();
    return;
  }
  transport.onMessage((data, from) => {
    emit({ event: 'message', socket: 'transport', from, data: data.toString('utf8') });
  });
  control?.onMessage((data, from) => {
    emit({ event: 'message', socket: 'control', from, data: data.toString('utf8') });
  });
  emit({ event: 'ready', description: transport.description, control: control?.description });

  const extra: DatagramTransport[] = [];
  for await (const line of createInterface({ input: process.stdin })) {
    const c = parseCommand(line);
    if (!c) continue;
    if (c.cmd === 'send') {
      try {
        await new Promise<void>((resolve, reject) => {
          transport.send(Buffer.from(c.data ?? ''), c.port ?? 0, c.address ?? '', (err) => {
            if (err) reject(err);
            else resolve();
          });
        });
        emit({ event: 'sent' });
      } catch (err) {
        emit({ event: 'send-error', ...errorFields(err) });
      }
    } else if (c.cmd === 'send-batch') {
      // All sent in this turn; each result in order: null or the error code.
      const items = c.items ?? [];
      const results = await Promise.all(
        items.map(
          (it) =>
            new Promise<string | null>((resolve) => {
              transport.send(Buffer.from(it.data), it.port, it.address, (err) => {
                resolve(err ? ((err as NodeJS.ErrnoException).code ?? err.message) : null);
              });
            }),
        ),
      );
      emit({ event: 'sent-batch', results });
    } else if (c.cmd === 'send-unbound') {
      // A plain dgram socket on 0.0.0.0 (what a naive server would use), for comparison.
      const plain = createSocket({ type: 'udp4' });
      plain.on('error', () => undefined);
      try {
        await new Promise<void>((resolve) => plain.bind(0, resolve));
        plain.setBroadcast(true);
        await sendPlain(plain, c);
        emit({ event: 'sent' });
      } catch (err) {
        emit({ event: 'send-error', ...errorFields(err) });
      } finally {
        plain.close();
      }
    } else if (c.cmd === 'open-again') {
      try {
        extra.push(await open(interfaceName));
        emit({ event: 'opened-again' });
      } catch (err) {
        emit({ event: 'open-failed', ...errorFields(err) });
      }
    } else if (c.cmd === 'close') {
      await Promise.all([
        transport.close(),
        transport.close(),
        control?.close(),
        ...extra.map((t) => t.close()),
      ]);
      emit({ event: 'closed' });
      process.stdin.destroy();
      return;
    }
  }
  await Promise.all([transport.close(), control?.close(), ...extra.map((t) => t.close())]);
}

async function client(): Promise<void> {
  const port = Number(values.port);
  const receiver = createSocket({ type: 'udp4' });
  const sender = createSocket({ type: 'udp4' });
  for (const s of [receiver, sender]) {
    s.on('error', (err) => {
      emit({ event: 'socket-error', ...errorFields(err) });
    });
  }
  receiver.on('message', (msg, rinfo) => {
    emit({
      event: 'message',
      socket: 'client',
      from: { address: rinfo.address, port: rinfo.port },
      data: msg.toString('utf8'),
    });
  });
  await new Promise<void>((resolve) => receiver.bind({ address: '0.0.0.0', port }, resolve));
  await new Promise<void>((resolve) => sender.bind({ address: values.bind ?? '0.0.0.0', port: 0 }, resolve));
  sender.setBroadcast(true);
  emit({ event: 'ready' });
  for await (const line of createInterface({ input: process.stdin })) {
    const c = parseCommand(line);
    if (!c) continue;
    if (c.cmd === 'send') {
      try {
        await sendPlain(sender, c);
        emit({ event: 'sent' });
      } catch (err) {
        emit({ event: 'send-error', ...errorFields(err) });
      }
    } else if (c.cmd === 'burst') {
      // count datagrams back to back, "<data>-<i>" padded to size bytes
      try {
        for (let i = 0; i < (c.count ?? 0); i++) {
          await sendPlain(sender, { ...c, data: `${c.data ?? ''}-${i}`.padEnd(c.size ?? 0, '.') });
        }
        emit({ event: 'sent' });
      } catch (err) {
        emit({ event: 'send-error', ...errorFields(err) });
      }
    } else if (c.cmd === 'close') {
      break;
    }
  }
  receiver.close();
  sender.close();
  emit({ event: 'closed' });
  process.stdin.destroy();
}

if (values.mode === 'client') await client();
else await server();
