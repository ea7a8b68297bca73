/**
 * POSIX shell words, for commands the program prints for users to paste into sh or bash (PowerShell text
 * is built with ps-quote.ts). Inside '…' a POSIX shell expands nothing and no character is special but
 * the closing ' (POSIX.1-2017 XCU 2.2.2 Single-Quotes: "A single-quote cannot occur within single-quotes"),
 * so each ' becomes '\'' : close, an escaped quote, reopen.
 */

/** `s` bare when it holds only characters no shell treats specially, else single-quoted. */
export function shWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
