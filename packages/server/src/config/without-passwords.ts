/**
 * `text` as it may be printed: the password of every URL in it becomes `***` (`postgres://u:***@h/db`,
 * each server of a comma-separated bus, a `?password=` option). Works on any text, a URL that
 * does not parse or a message quoting one, so every setting that may hold a URL is echoed through it.
 */
export function withoutPasswords(text: string): string {
  // From `//user:` to the last `@` before the next URL or blank: a raw `@`, `/` or `,` in the password is hidden too.
  return text.replace(/(\/\/[^/?#@:\s,]*:)(?:(?!:\/\/)\S)*@/g, '$1***@').replace(/([?&]password=)[^&#\s]*/gi, '$1***');
}
