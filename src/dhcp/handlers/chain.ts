/**
 * The policy chain, in order. Order matters: `admit` filters first; exactly one of the message-type
 * handlers builds the reply (or drops); the option handlers then complete it; ordering is last.
 */
import { clientKey } from '../client-key.js';
import type { DhcpMessage } from '../message.js';
import { getMessageType } from '../options.js';
import { admit, throttle } from './admit.js';
import { decline } from './decline.js';
import { discover } from './discover.js';
import type { Exchange, Handler, PolicyContext } from './exchange.js';
import { inform, unknownType } from './inform.js';
import { release } from './release.js';
import { echoOptions, leaseOptions, orderOptions } from './reply-options.js';
import { request } from './request.js';

export const chain: readonly Handler[] = [
  admit,
  throttle,
  discover,
  request,
  decline,
  release,
  inform,
  unknownType,
  leaseOptions,
  echoOptions,
  orderOptions,
];

/** Runs the chain over one decoded request. Pure apart from the lease table in `ctx`. */
export function handle(
  req: DhcpMessage,
  now: number,
  ctx: PolicyContext,
  handlers: readonly Handler[] = chain,
): Exchange {
  const ex: Exchange = {
    req,
    type: getMessageType(req.options) ?? 0,
    mac: clientKey(req, ctx.scope, ctx.db),
    now,
    reply: undefined,
    commit: [],
    reason: '',
    event: undefined,
    probe: undefined,
  };
  for (const h of handlers) if (h(ex, ctx) === 'stop') break;
  return ex;
}
