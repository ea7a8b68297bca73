/**
 * The config file's shape (DESIGN.md "Config file"). Every object is strict: an unknown key is an error,
 * because a typo such as `leasetime:` must never be silently ignored. Defaults are applied here, so the
 * parsed value is the complete, normalised config. Cross-field checks live in rules.ts.
 *
 * Written form → normalised form, once: addresses, networks, MACs and pools come out as the branded
 * values of src/net (`Ipv4`, `Cidr`, `Mac`, `PoolRange`), so no later code parses a config string. The
 * written form (`z.input`) is what the JSON Schema for editors describes and what edit.ts writes.
 */
import { z } from 'zod';
import { formatCidr, formatIpv4, parseCidr, parseIpv4, type Cidr, type Ipv4 } from '../net/ipv4.js';
import { parseMac, type Mac } from '../net/mac.js';
import { encodeOptionEntry, OPTION_TYPES } from './dhcp-options.js';
import { parseDuration } from './duration.js';
import { formatPoolRange, parsePoolRange, type PoolRange } from './pool-range.js';

/** The newest config schema this build understands (`version:` in the file). */
export const SCHEMA_VERSION = 1;

/**
 * A value written as text, held as its parsed form (a branded value of src/net): decoding parses it once
 * (a malformed value is an issue saying why), encoding formats it back (`writtenConfig`).
 */
function textValue<T>(
  is: (v: unknown) => boolean,
  parse: (text: string) => { ok: true; value: T } | { ok: false; reason: string },
  format: (value: T) => string,
) {
  return z.codec(
    z.string(),
    z.custom<T>((v) => is(v)),
    {
      decode: (text, ctx) => {
        const r = parse(text);
        if (r.ok) return r.value;
        ctx.issues.push({ code: 'custom', message: r.reason, input: text });
        return z.NEVER;
      },
      encode: format,
    },
  );
}

/** `parse` gives undefined for a malformed value, which `reason` describes. */
function orSay<T>(parse: (text: string) => T | undefined, reason: string) {
  return (text: string): { ok: true; value: T } | { ok: false; reason: string } => {
    const value = parse(text);
    return value === undefined ? { ok: false, reason } : { ok: true, value };
  };
}

const isObject = (v: unknown): boolean => typeof v === 'object' && v !== null;

const ipString = textValue<Ipv4>(
  (v) => typeof v === 'number',
  orSay(parseIpv4, 'not an IPv4 address (a.b.c.d)'),
  formatIpv4,
);

const cidrString = textValue<Cidr>(
  isObject,
  (text) => {
    const r = parseCidr(text);
    return r.ok ? { ok: true, value: r.cidr } : r;
  },
  formatCidr,
);

const auto = z.literal('auto');
// A key whose value is parsed into another form takes its default in the written form (`prefault`): zod
// leaves a default given in the parsed form out of the JSON Schema for editors, which describes the file.

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

const poolRange = textValue<PoolRange>(
  isObject,
  orSay(parsePoolRange, 'not an address range like 10.0.251.100-10.0.251.199'),
  formatPoolRange,
);

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

const macString = textValue<Mac>(
  (v) => typeof v === 'string',
  orSay(parseMac, 'not a MAC address (00:15:5d:00:00:01 or 00-15-5D-00-00-01)'),
  (m) => m,
);

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
  pool: z.union([auto, poolRange]).prefault('auto'),
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
  relayAgents: z.array(cidrString).prefault([]),
  router: z.union([auto, ipString, z.literal(false)]).prefault('auto'),
  dnsServers: z.union([auto, z.array(ipString)]).prefault('auto'),
  /**
   * Option 26. `auto`: the smallest MTU on the way out of the host (uplink or VPN, src/net/uplink-mtu.ts),
   * re-read by the daemon when the adapters change (src/daemon/mtu-watch.ts), so a VPN that comes up later
   * lowers it from the next ACK.
   */
  mtu: z.union([auto, z.number().int().min(576).max(65535)]).optional(),
  staticRoutes: z.array(staticRoute).prefault([]),
  reservations: z.array(reservation).prefault([]),
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
  upstream: z.union([auto, z.array(ipString).min(1)]).prefault('auto'),
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
  subnet: z.union([auto, cidrString]).prefault('auto'),
  host: z.union([auto, ipString]).prefault('auto'),
  nat: z.boolean().default(true),
  dhcp: dhcp.default(() => dhcp.parse({})),
  dns: dns.prefault(() => z.encode(dns, dns.parse({}))),
});

const wsl = z.strictObject({
  subnet: z.union([auto, cidrString]).prefault('auto'),
  gateway: z.union([auto, ipString]).prefault('auto'),
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
  avoid: z.array(cidrString).prefault([]),
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
