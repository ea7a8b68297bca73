/** A UDP port on 127.0.0.1 that was free a moment ago (bind port 0, read it, release it), for loopback tests. */
import { createSocket } from 'node:dgram';

export async function freeUdpPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => {
    s.bind(0, '127.0.0.1', () => {
      r();
    });
  });
  const port = s.address().port;
  await new Promise<void>((r) => {
    s.close(() => {
      r();
    });
  });
  return port;
}
