/**
 * The config file's shape (switchyard.example.yaml). Every object is strict: an unknown key is an error,
 * because a typo such as `leasetime:` must never be silently ignored. Defaults are applied here, so the
 * parsed value is the complete, normalised config. Cross-field checks live in rules.ts.
 */
import { z } from 'zod';
import { parseCidr, parseIpv4 } from '../net/ipv4.js';
import { parseMac } from '../net/mac.js';
import { encodeOptionEntry, OPTION_TYPES } from './dhcp-options.js';
import { parseDuration } from './duration.js';
import { parsePoolRange } from './pool-range.js';

/** The newest config schema this build understands (`version:` in the file). */
export const SCHEMA_VERSION = 1;

const ipString = z
  .string()
  .refine((s) => parseIpv4(s) !== undefined, { message: 'not an IPv4 address (a.b.c.d)' });

const cidrString = z.string().superRefine((s, ctx) => {
  const r = parseCidr(s);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason });
});

const auto = z.literal('auto');

const duration = z.union([z.string(), z.number()]).transform((v, ctx) => {
  const s = parseDuration(v);
  if (s === undefined) {
    ctx.addIssue({
      code: 'custom',
      message: `"${v}" is not a duration (seconds, or e.g. 90s, 30m, 12h, 7d)`,
    });
    return z.NEVER;
  }
  return s;
});

const poolRange = z.string().refine((s) => parsePoolRange(s) !== undefined, {
  message: 'not an address range like 10.0.251.100-10.0.251.199',
});

/**
 * Switch names become Hyper-V switch names, adapter aliases ("vEthernet (NAME)") and Linux interface
 * names. Characters that mean something to PowerShell or a shell (quotes, $, `, ;, |, &, newlines) are
 * refused here, so a name can never change the meaning of a script we generate.
 */
const switchName = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9 ._()-]*$/, {
    message: 'may contain only letters, digits, spaces and . _ ( ) - (and must start with a letter or digit)',
  });

/** A DNS label (RFC 1123 §2.1): reservation names become `<name>.<domain>`. */
const hostLabel = z.string().regex(/^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/, {
  message: 'must be a DNS label: letters, digits and -, at most 63',
});

const macString = z.string().refine((s) => parseMac(s) !== undefined, {
  message: 'not a MAC address (00:15:5d:00:00:01 or 00-15-5D-00-00-01)',
});

/**
 * One `dhcp.options` entry: an option by name or code, its value, and its type when the code has no known
 * one (dhcp-options.ts). Sent to clients that ask for it (option 55), in the order they ask.
 */
const dhcpOption = z
  .strictObject({
    option: z.union([z.number(), z.string().min(1)]),
    type: z.enum(OPTION_TYPES).optional(),
    value: z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]),
  })
  .superRefine((o, ctx) => {
    const r = encodeOptionEntry(o);
    if (!r.ok) ctx.addIssue({ code: 'custom', path: [r.key], message: r.message });
  });

const dhcpOptions = z.array(dhcpOption).superRefine((list, ctx) => {
  const seen = new Set<number>();
  list.forEach((o, i) => {
    const r = encodeOptionEntry(o);
    if (!r.ok) return;
    if (seen.has(r.option.code))
      ctx.addIssue({ code: 'custom', path: [i, 'option'], message: `option ${r.option.code} is set twice` });
    seen.add(r.option.code);
  });
});

const reservation = z.strictObject({
  name: hostLabel,
  mac: macString,
  ip: ipString,
  /** Options for this machine only; an option set here replaces the switch's for that code. */
  options: dhcpOptions.optional(),
});

const staticRoute = z.strictObject({ to: cidrString, via: ipString });

const dhcp = z.strictObject({
  enabled: z.boolean().default(true),
  pool: z.union([auto, poolRange]).default('auto'),
  leaseTime: duration
    .refine((s) => s > 0, { message: 'must be longer than 0 (a lease of 0 s expires as it is given)' })
    .default(43200),
  /** How long an OFFER holds its address for the client before it may go to someone else. */
  offerHold: duration.default(60),
  /** DECLINE quarantine (RFC 2131 §4.3.3); Kea uses 24 h, dnsmasq 10 min. */
  declineProbation: duration.default(600),
  /**
   * NAK a known client's request for a wrong, taken or reserved address at once, and confirm RENEWING and
   * REBINDING clients whose record was lost (RFC 2131 §4.3.2). INIT-REBOOT from a client with no lease and
   * no reservation is never answered, whatever this says (§4.3.2: "MUST remain silent").
   */
  authoritative: z.boolean().default(true),
  /** Cap on dynamic leases (offered + bound); reservations do not count. dnsmasq's default is 1000. */
  maxLeases: z.number().int().min(1).default(1000),
  /**
   * Before offering a fresh dynamic address, ask the switch whether anyone answers on it (ARP, ≤ 1 s,
   * results cached 30 s); a taken address is quarantined and another offered. Off by default: it delays
   * each fresh offer by the probe's wait (0.5 s) when nobody answers.
   */
  conflictProbe: z.boolean().default(false),
  /** Per-MAC request budget: more than `packets` in `per` are dropped (reserved MACs are exempt). */
  rateLimit: z
    .strictObject({ packets: z.number().int().min(1).default(20), per: duration.default(10) })
    .default({ packets: 20, per: 10 }),
  relayAgents: z.array(cidrString).default([]),
  router: z.union([auto, ipString, z.literal(false)]).default('auto'),
  dnsServers: z.union([auto, z.array(ipString)]).default('auto'),
  /**
   * Option 26. `auto`: the smallest MTU on the way out of the host (uplink or VPN, src/net/uplink-mtu.ts),
   * re-read by the daemon when the adapters change (src/daemon/mtu-watch.ts), so a VPN that comes up later
   * lowers it from the next ACK.
   */
  mtu: z.union([auto, z.number().int().min(576).max(65535)]).optional(),
  staticRoutes: z.array(staticRoute).default([]),
  reservations: z.array(reservation).default([]),
  /** Further options (NTP 42, TFTP 66/67, vendor 43, any code): dhcp-options.ts. */
  options: dhcpOptions.default([]),
  /** BOOTP header `siaddr` (RFC 2131 §2: "IP address of next server to use in bootstrap"), for PXE. */
  nextServer: ipString.optional(),
  /** BOOTP header `file` (RFC 2131 §2: "Boot file name, null terminated string"): at most 127 bytes. */
  bootFile: z
    .string()
    .min(1)
    .refine((s) => new TextEncoder().encode(s).length <= 127, {
      message: 'longer than the 127 bytes the BOOTP file field holds',
    })
    .optional(),
  /**
   * Identify clients by their client identifier (option 61) when they send one, as RFC 2131 §4.2 says,
   * instead of by MAC (the default, for cloned images that share a client-id; README "Client identity").
   */
  matchClientId: z.boolean().default(false),
});

const dns = z.strictObject({
  /** Answer DNS on port 53 of the switch host address (names of the VMs, everything else forwarded). */
  enabled: z.boolean().default(true),
  /**
   * Where names outside the domain go. `auto` = the host's own resolver (Linux: the servers in
   * /etc/resolv.conf, e.g. systemd-resolved's stub, which follows per-link VPN domains; Windows: the DNS Client
   * service, which applies NRPT rules — see src/dns/upstream/). A list of addresses sends them there instead.
   */
  upstream: z.union([auto, z.array(ipString).min(1)]).default('auto'),
  domain: z
    .string()
    .regex(/^(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*$/, {
      message: 'not a domain name',
    })
    .default('switchyard.internal'),
});

const switchSchema = z.strictObject({
  name: switchName,
  /** The host interface that carries the switch; default "vEthernet (<name>)" on Windows, <name> on Linux. */
  interface: z.string().min(1).max(64).optional(),
  subnet: z.union([auto, cidrString]).default('auto'),
  host: z.union([auto, ipString]).default('auto'),
  nat: z.boolean().default(true),
  dhcp: dhcp.default(() => dhcp.parse({})),
  dns: dns.default(() => dns.parse({})),
});

const wsl = z.strictObject({
  subnet: z.union([auto, cidrString]).default('auto'),
  gateway: z.union([auto, ipString]).default('auto'),
  /**
   * The host's adapter to WSL. Windows finds it itself ("vEthernet (WSL)" or "vEthernet (WSL (Hyper-V
   * firewall))"); on Linux it names the link that plays that part (the lab's WSL link).
   */
  interface: z.string().min(1).max(64).optional(),
});

export const configSchema = z.strictObject({
  version: z.number().int().min(1).default(SCHEMA_VERSION),
  stateDir: z.string().min(1).optional(),
  switches: z.array(switchSchema).min(1, { message: 'at least one switch is needed' }),
  wsl: wsl.optional(),
  forwarding: z.boolean().default(true),
  avoid: z.array(cidrString).default([]),
});

export type Config = z.output<typeof configSchema>;
export type SwitchConfig = Config['switches'][number];
export type DhcpConfig = SwitchConfig['dhcp'];
export type ReservationConfig = DhcpConfig['reservations'][number];
