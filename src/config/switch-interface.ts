import type { SwitchConfig } from './schema.js';

/**
 * The host interface that carries a switch: `interface:` when the config sets it, else the adapter Hyper-V
 * gives an internal switch on Windows, "vEthernet (NAME)", else (Linux) the bridge named after the switch.
 * `platform` is Node's name ('win32') or the model's ('windows'); both mean Windows.
 */
export function switchInterface(
  sw: Pick<SwitchConfig, 'name' | 'interface'>,
  platform: NodeJS.Platform | 'windows',
): string {
  return (
    sw.interface ?? (platform === 'win32' || platform === 'windows' ? `vEthernet (${sw.name})` : sw.name)
  );
}
