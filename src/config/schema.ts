/**
 * The config file's shape (switchyard.example.yaml). Every object is strict: an unknown key is an error,
 * because a typo such as `leasetime:` must never be silently ignored. Defaults are applied here, so the
 * parsed value is the complete, normalised config. Cross-field checks live in rules.ts.
 *
 * Written form → normalised form, once: addresses, networks, MACs and pools come out as the branded
 * values of src/net (`Ipv4`, `Cidr`, `Mac`, `PoolRange`), so no later code parses a config string. The
 * written form (`z.input`) is what the JSON Schema for editors describes and what edit.ts writes.
 */
import { z } from 'zod';
import { cidr, formatCidr, formatIpv4, ipv4, parseCidr, parseIpv4 } from '../net/ipv4.js';
import { mac, parseMac } from '../net/mac.js';
import { encodeOptionEntry, OPTION_TYPES } from './dhcp-options.js';
import { parseDuration } from './duration.js';
import { formatPoolRange, parsePoolRange } from './pool-range.js';

/** The newest config schema this build understands (`version:` in the file). */
export const SCHEMA_VERSION = 1;

const auto = z.literal('auto');
// A key whose value is parsed into another form takes its default in the written form (`prefault`): zod
// leaves a default given in the parsed form out of the JSON Schema for editors, which describes the file.

/**
 * Written form → parsed form, for one key: `written` is the value as the file holds it, with the checks
 * that say what is wrong with a bad one; `decode` turns a checked value into src/net values and `encode`
 * writes one back (`writtenConfig`). A codec wraps a whole key (its `auto` and its list included): inside a
 * union zod reports a failing codec as "expected …; or …", but a failing refinement by its own message, and
 * those messages are what the loader says today.
 */
function parsedAs<W extends z.ZodType, P>(
  written: W,
  decode: (value: z.output<W>) => P,
  encode: (value: P) => z.output<W>,
) {
  return z.codec(written, z.custom<P>(), { decode, encode });
}

/** `auto`, or text that `parse` reads (`written` has checked it); the parsed values are never the string `auto`. */
function autoOr<P extends number | object>(
  written: z.ZodString,
  parse: (text: string) => P,
  format: (value: P) => string,
) {
  return parsedAs(
    z.union([auto, written]),
    (v): P | 'auto' => (v === 'auto' ? v : parse(v)),
    (v) => (v === 'auto' ? v : format(v)),
  );
}

const ipText = z
  .string()
  .refine((s) => parseIpv4(s) !== undefined, { message: 'not an IPv4 address (a.b.c.d)' });

const cidrText = z.string().superRefine((s, ctx) => {
  const r = parseCidr(s);
  if (!r.ok) ctx.addIssue({ code: 'custom', message: r.reason });
});

const poolText = z.string().refine((s) => parsePoolRange(s) !== undefined, {
  message: 'not an address range like 10.0.251.100-10.0.251.199',
});

const macText = z.string().refine((s) => parseMac(s) !== undefined, {
  message: 'not a MAC address (00:15:5d:00:00:01 or 00-15-5D-00-00-01)',
});

const address = parsedAs(ipText, ipv4, formatIpv4);
const network = parsedAs(cidrText, cidr, formatCidr);
const macAddress = parsedAs(macText, mac, (m) => m);

/** `auto`, or a list of addresses. */
const autoOrAddresses = (written: z.ZodArray<z.ZodString>) =>
  parsedAs(
    z.union([auto, written]),
    (v) => (v === 'auto' ? v : v.map(ipv4)),
    (v) => (v === 'auto' ? v : v.map(formatIpv4)),
  );

const duration = z.codec(z.union([z.string(), z.number()]), z.number(), {
  decode: (v, ctx) => {
    const s = parseDuration(v);
    if (s !== undefined) return s;
    ctx.issues.push({
      code: 'custom',
      message: `"${v}" is not a duration (seconds, or e.g. 90s, 30m, 12h, 7d)`,
      input: v,
    });
    return z.NEVER;
  },
  // Seconds are a written duration too.
  encode: (seconds) => seconds,
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

const dhcpOptionsText = z.array(dhcpOption).superRefine((list, ctx) => {
  const seen = new Set<number>();
  list.forEach((o, i) => {
    const r = encodeOptionEntry(o);
    if (!r.ok) return;
    if (seen.has(r.option.code))
      ctx.addIssue({ code: 'custom', path: [i, 'option'], message: `option ${r.option.code} is set twice` });
    seen.add(r.option.code);
  });
});

/** Each entry as written, with the bytes it sends (`code`, `data`): the scope does not encode it again. */
const dhcpOptions = parsedAs(
  dhcpOptionsText,
  (list) =>
    list.map((o) => {
      const r = encodeOptionEntry(o);
      if (!r.ok) throw new TypeError(`dhcp.options entry not checked: ${r.message}`);
      return { ...o, ...r.option };
    }),
  (list) =>
    list.map(({ option, type, value }) => ({ option, ...(type !== undefined ? { type } : {}), value })),
);

const reservation = z.strictObject({
  name: hostLabel,
  mac: macAddress,
  ip: address,
  /** Options for this machine only; an option set here replaces the switch's for that code. */
  options: dhcpOptions.optional(),
});

const staticRoute = z.strictObject({ to: network, via: address });

const dhcp = z.strictObject({
  enabled: z.boolean().default(true),
  pool: autoOr(poolText, (t) => parsePoolRange(t)!, formatPoolRange).prefault('auto'),
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
  relayAgents: z.array(network).prefault([]),
  router: parsedAs(
    z.union([auto, ipText, z.literal(false)]),
    (v) => (v === 'auto' || v === false ? v : ipv4(v)),
    (v) => (v === 'auto' || v === false ? v : formatIpv4(v)),
  ).prefault('auto'),
  dnsServers: autoOrAddresses(z.array(ipText)).prefault('auto'),
  /**
   * Option 26. `auto`: the smallest MTU on the way out of the host (uplink or VPN, src/net/uplink-mtu.ts),
   * re-read by the daemon when the adapters change (src/daemon/mtu-watch.ts), so a VPN that comes up later
   * lowers it from the next ACK.
   */
  mtu: z.union([auto, z.number().int().min(576).max(65535)]).optional(),
  staticRoutes: z.array(staticRoute).prefault([]),
  reservations: z.array(reservation).prefault([]),
  /** Further options (NTP 42, TFTP 66/67, vendor 43, any code): dhcp-options.ts. */
  options: dhcpOptions.prefault([]),
  /** BOOTP header `siaddr` (RFC 2131 §2: "IP address of next server to use in bootstrap"), for PXE. */
  nextServer: address.optional(),
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
  upstream: autoOrAddresses(z.array(ipText).min(1)).prefault('auto'),
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
  subnet: autoOr(cidrText, cidr, formatCidr).prefault('auto'),
  host: autoOr(ipText, ipv4, formatIpv4).prefault('auto'),
  nat: z.boolean().default(true),
  dhcp: dhcp.default(() => dhcp.parse({})),
  dns: dns.prefault(() => z.encode(dns, dns.parse({}))),
});

const wsl = z.strictObject({
  subnet: autoOr(cidrText, cidr, formatCidr).prefault('auto'),
  gateway: autoOr(ipText, ipv4, formatIpv4).prefault('auto'),
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
  avoid: z.array(network).prefault([]),
});

/** The config as the program uses it: every value parsed (the normalised form). */
export type Config = z.output<typeof configSchema>;
/** The config as a file holds it (the written form). */
export type WrittenConfig = z.input<typeof configSchema>;

/** The written form of a config: what a generated config file holds (canonical spellings). */
export function writtenConfig(config: Config): WrittenConfig {
  return z.encode(configSchema, config);
}
export type SwitchConfig = Config['switches'][number];
export type DhcpConfig = SwitchConfig['dhcp'];
export type ReservationConfig = DhcpConfig['reservations'][number];
