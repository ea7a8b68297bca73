/**
 * The simulated Windows' cmdlets as PowerShell advanced functions whose param() blocks are generated from
 * Microsoft's documented syntax (signatures.json, CC BY 4.0, see NOTICE.md), so PowerShell's own parameter
 * binder accepts and rejects what the real cmdlet would: parameter names and aliases, parameter sets,
 * mandatory parameters, positions, switch vs value, types, pipeline input, and the documented accepted
 * values (as ValidateSet, case-insensitive like an enum conversion).
 *
 * Types that exist only on Windows become what PowerShell can bind here: an enum with documented values →
 * [string] + ValidateSet; a CIM instance → [psobject] restricted by [PSTypeName('SimCimInstance')] (the sim's
 * objects carry that type name, so a string or number cannot bind where a CIM object is expected); Hyper-V
 * objects (VMSwitch, VirtualMachine…) → [psobject]; CimSession → [object].
 */

export interface ParamSignature {
  type: string;
  aliases?: string[];
  accepted?: string[];
  pipeline?: string[];
}

export interface CmdletSignature {
  module: string;
  defaultSet?: string;
  params: Record<string, ParamSignature>;
  /** Set name → "Name!@0 Other ..." (! mandatory, @N position). */
  sets: Record<string, string>;
}

export interface SignatureCatalogue {
  /** The cmdlets the simulation defines; the others are kept for the static check only. */
  simulated: string[];
  commonParameters: Record<string, unknown>;
  cmdlets: Record<string, CmdletSignature>;
}

const PLAIN_TYPES: Record<string, string> = {
  String: 'string',
  Int32: 'int',
  Int64: 'long',
  UInt16: 'uint16',
  UInt32: 'uint32',
  UInt64: 'uint64',
  Byte: 'byte',
  Boolean: 'bool',
  TimeSpan: 'timespan',
  DateTime: 'datetime',
  Guid: 'guid',
  PSCredential: 'pscredential',
  ScriptBlock: 'scriptblock',
  Hashtable: 'hashtable',
  Object: 'object',
  PSObject: 'psobject',
  WildcardPattern: 'string',
  State: 'string',
  Encoding: 'object',
};

/**
 * Which CIM objects a CimInstance parameter takes, as the CDXML proxy's [PSTypeName('…CimInstance#<class>')]
 * restricts it: InputObject takes the cmdlet's own noun, AssociatedX takes X; others any sim object.
 * Without this, an object piped into Remove-NetFirewallRule could bind to nine parameter sets.
 */
function cimNoun(cmdlet: string, param: string): string | undefined {
  if (param === 'InputObject') return cmdlet.slice(cmdlet.indexOf('-') + 1);
  if (param.startsWith('Associated')) return param.slice('Associated'.length);
  return undefined;
}

/** The PowerShell type constraint (and extra attributes) for a documented parameter type. */
export function psTypeOf(p: ParamSignature, cmdlet = '', param = ''): { attributes: string[]; type: string } {
  const array = p.type.endsWith('[]');
  const base = array ? p.type.slice(0, -2) : p.type;
  const suffix = array ? '[]' : '';
  if (base === 'SwitchParameter') return { attributes: [], type: 'switch' };
  if (p.accepted && p.accepted.length > 0) {
    return {
      attributes: [`[ValidateSet(${p.accepted.map(psLiteral).join(', ')})]`],
      type: `string${suffix}`,
    };
  }
  if (base === 'CimInstance' || base.startsWith('CimInstance#')) {
    const noun = cimNoun(cmdlet, param);
    return {
      attributes: [noun === undefined ? "[PSTypeName('SimCimInstance')]" : `[PSTypeName('SimCim#${noun}')]`],
      type: `psobject${suffix}`,
    };
  }
  const plain = PLAIN_TYPES[base];
  if (plain) return { attributes: [], type: `${plain}${suffix}` };
  if (/^(VM|Virtual)/.test(base)) return { attributes: [], type: `psobject${suffix}` };
  return { attributes: [], type: `object${suffix}` };
}

function psLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

interface Membership {
  set: string;
  mandatory: boolean;
  position: number | undefined;
}

function memberships(sig: CmdletSignature): Map<string, Membership[]> {
  const byParam = new Map<string, Membership[]>();
  for (const [set, spec] of Object.entries(sig.sets)) {
    for (const tok of spec.split(' ').filter(Boolean)) {
      const m = /^(.+?)(!)?(?:@(\d+))?$/.exec(tok);
      if (!m) continue;
      const list = byParam.get(m[1]!) ?? [];
      list.push({ set, mandatory: m[2] === '!', position: m[3] === undefined ? undefined : Number(m[3]) });
      byParam.set(m[1]!, list);
    }
  }
  return byParam;
}

/** One advanced function named like the cmdlet, whose body hands its bound parameters to the sim. */
export function cmdletFunction(name: string, sig: CmdletSignature, common: ReadonlySet<string>): string {
  const sets = memberships(sig);
  const params: string[] = [];
  for (const [pname, p] of Object.entries(sig.params)) {
    if (common.has(pname)) continue;
    const { attributes, type } = psTypeOf(p, name, pname);
    const flow: string[] = [];
    if (p.pipeline?.includes('ByValue')) flow.push('ValueFromPipeline = $true');
    if (p.pipeline?.includes('ByPropertyName')) flow.push('ValueFromPipelineByPropertyName = $true');
    const member = sets.get(pname);
    // A parameter in no documented set belongs to all of them.
    const decls = (member ?? [{ set: undefined, mandatory: false, position: undefined }]).map((m) => {
      const parts = [
        ...(m.set === undefined ? [] : [`ParameterSetName = ${psLiteral(m.set)}`]),
        ...(m.mandatory ? ['Mandatory = $true'] : []),
        ...(m.position === undefined ? [] : [`Position = ${m.position}`]),
        ...flow,
      ];
      return `    [Parameter(${parts.join(', ')})]`;
    });
    const alias =
      p.aliases && p.aliases.length > 0 ? [`    [Alias(${p.aliases.map(psLiteral).join(', ')})]`] : [];
    params.push(
      [...decls, ...alias, ...attributes.map((a) => `    ${a}`), `    [${type}]$${pname}`].join('\n'),
    );
  }
  // -WhatIf/-Confirm are the common "risk mitigation" parameters: PowerShell adds them itself.
  const shouldProcess = 'WhatIf' in sig.params || 'Confirm' in sig.params;
  const binding = [
    ...(shouldProcess ? ['SupportsShouldProcess = $true'] : []),
    ...(sig.defaultSet && sig.sets[sig.defaultSet] !== undefined
      ? [`DefaultParameterSetName = ${psLiteral(sig.defaultSet)}`]
      : []),
    'PositionalBinding = $false',
  ].join(', ');
  return `function ${name} {
  [CmdletBinding(${binding})]
  param(
${params.join(',\n')}
  )
  begin { $sim = Enter-SimCmdlet ${psLiteral(name)} ${psLiteral(sig.module)} $PSCmdlet }
  process { Invoke-SimCmdlet $sim $PSCmdlet.ParameterSetName $PSBoundParameters }
  end { Exit-SimCmdlet $sim }
}
`;
}

/** A module file: every simulated cmdlet of `module`, in catalogue order. */
export function moduleText(catalogue: SignatureCatalogue, module: string): string {
  const common = new Set(Object.keys(catalogue.commonParameters));
  const functions = Object.entries(catalogue.cmdlets)
    .filter(([name, sig]) => sig.module === module && catalogue.simulated.includes(name))
    .map(([name, sig]) => cmdletFunction(name, sig, common));
  return `# Generated by test/windows-sim/param-block.ts from signatures.json (Microsoft's documented syntax, CC BY 4.0).\n${functions.join('\n')}`;
}
