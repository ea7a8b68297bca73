/** A DatagramTransport double: push datagrams in, read the replies that were sent (tcpip.js TestUdpSocket style). */
import type {
  DatagramTransport,
  MessageHandler,
  Peer,
  SendDone,
} from '../../src/dhcp/transport/transport.js';

export interface Sent {
  data: Uint8Array;
  port: number;
  address: string;
}

export class FakeTransport implements DatagramTransport {
  readonly description = 'fake transport';
  readonly sent: Sent[] = [];
  private handler: MessageHandler | undefined;
  closed = false;

  onMessage(handler: MessageHandler): void {
    this.handler = handler;
  }

  send(data: Uint8Array, port: number, address: string, done?: SendDone): void {
    this.sent.push({ data: Uint8Array.from(data), port, address });
    done?.(null);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  deliver(data: Uint8Array, from: Peer = { address: '0.0.0.0', port: 68 }): void {
    this.handler?.(Buffer.from(data), from);
  }

  /** Waits until `n` replies have been sent (replies to ACKs wait for the journal's fsync). */
  async waitSent(n: number, timeoutMs = 2000): Promise<Sent[]> {
    const end = Date.now() + timeoutMs;
    while (this.sent.length < n) {
      if (Date.now() > end) throw new Error(`expected ${n} replies, got ${this.sent.length}`);
      await new Promise((r) => setTimeout(r, 2));
    }
    return this.sent;
  }
}
