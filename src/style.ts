/**
 * How the CLI's text looks on this output: colour (terraform's: green +, yellow ~, red - and !) only on a
 * terminal and never when NO_COLOR is set (https://no-color.org: "when present and not an empty string")
 * or --no-color is given; and ASCII instead of ✔ ✘ → — … where the console may not show them.
 */
export interface Style {
  color: boolean;
  unicode: boolean;
}

/** No colour, Unicode: what tests, pipes and files get. */
export const PLAIN: Style = { color: false, unicode: true };

type Env = Readonly<Record<string, string | undefined>>;

export function detectStyle(
  stream: { isTTY?: boolean },
  env: Env,
  noColorFlag: boolean,
  platform: NodeJS.Platform,
): Style {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  const color = stream.isTTY === true && !noColorFlag && !noColor && env.TERM !== 'dumb';
  return { color, unicode: unicodeConsole(stream, env, platform) };
}

/**
 * Windows' classic console host renders ✔ and ✘ as boxes or "?" with its default raster font and OEM code
 * page; Windows Terminal (WT_SESSION), VS Code's terminal and ConEmu do not. The Linux virtual console
 * (TERM=linux) lacks them too. Pipes and files always get UTF-8.
 */
function unicodeConsole(stream: { isTTY?: boolean }, env: Env, platform: NodeJS.Platform): boolean {
  if (stream.isTTY !== true) return true;
  if (platform !== 'win32') return env.TERM !== 'linux';
  return (
    env.WT_SESSION !== undefined ||
    env.TERM_PROGRAM === 'vscode' ||
    env.ConEmuTask !== undefined ||
    env.TERMINAL_EMULATOR === 'JetBrains-JediTerm' ||
    env.TERM === 'xterm-256color'
  );
}

const CODES = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 } as const;
export type Paint = keyof typeof CODES;

export function paint(style: Style, how: Paint, text: string): string {
  return style.color ? `\x1b[${CODES[how]}m${text}\x1b[0m` : text;
}

/** The colour of a plan action, as terraform shows them. */
export function actionPaint(action: string): Paint {
  return action === '+' ? 'green' : action === '~' ? 'yellow' : 'red';
}

const ASCII: Record<string, string> = {
  '✔': 'ok',
  '✘': 'X',
  '→': '->',
  '—': '-',
  '–': '-',
  '…': '...',
  '§': 'sec.',
  '·': '-',
  '│': '|',
  '├': '+',
  '└': '`',
  '─': '-',
  '┬': '+',
};

/** The text with the few non-ASCII characters the CLI prints replaced when the console cannot show them. */
export function forConsole(style: Style, text: string): string {
  return style.unicode ? text : text.replace(/[✔✘→—–…§·│├└─┬]/g, (c) => ASCII[c]!);
}
