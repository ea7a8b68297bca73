/** The logger lives at the root (src/log.ts) beside the clock: the DHCP core uses it too. */
export * from '../log.js';
