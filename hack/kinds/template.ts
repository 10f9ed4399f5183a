/**
 * A template language just large enough for the files derived from the kinds table: `[[name]]`
 * is replaced by a value, and the lines between `[[each LIST]]` and `[[end]]` (each directive
 * alone on its line) are repeated once per item of LIST, with the item's values and `[[or]]`
 * (two spaces for the first item, `or ` for the others: PromQL's `or` arms, one column apart), `[[sep]]`
 * (`,` but after the last item: JSON arrays) and `[[refId]]` (A, B, C...: Grafana's targets).
 * Double brackets appear in none of the files' own syntax (Helm, Grafana and Prometheus use
 * braces). A name without a value is an error, so a typo cannot render as an empty string.
 */

/** Values maps a placeholder's name to its text. */
export type Values = Readonly<Record<string, string>>;

const EACH = /^\s*\[\[each (\w+)\]\]\s*$/;
const END = /^\s*\[\[end\]\]\s*$/;
const PLACEHOLDER = /\[\[(\w+)\]\]/g;

/** fill replaces every `[[name]]` of `line` by its value in `values`. */
function fill(line: string, values: Values, where: string): string {
  return line.replace(PLACEHOLDER, (_, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`${where}: no value for [[${name}]]`);
    return v;
  });
}

/** expand renders `template` (named `where` in errors) with `values` and the `lists` its blocks repeat over. */
export function expand(template: string, values: Values, lists: Readonly<Record<string, readonly Values[]>>, where: string): string {
  const out: string[] = [];
  const lines = template.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const each = EACH.exec(lines[i]!);
    if (!each) {
      out.push(fill(lines[i]!, values, `${where}:${i + 1}`));
      continue;
    }
    const end = lines.findIndex((l, j) => j > i && END.test(l));
    if (end < 0) throw new Error(`${where}:${i + 1}: [[each]] without [[end]]`);
    const items = lists[each[1]!];
    if (!items) throw new Error(`${where}:${i + 1}: no list ${each[1]!}`);
    const block = lines.slice(i + 1, end);
    items.forEach((item, n) => {
      const scoped = { ...values, ...item, or: n === 0 ? '  ' : 'or ', sep: n === items.length - 1 ? '' : ',', refId: String.fromCharCode(65 + n) };
      for (const [k, l] of block.entries()) out.push(fill(l, scoped, `${where}:${i + 2 + k}`));
    });
    i = end;
  }
  return out.join('\n');
}

/**
 * splice replaces what lies between the lines `begin` and `end` of `text` (named `where` in
 * errors) by `body`: the generated part of a file that is otherwise written by hand.
 */
export function splice(text: string, begin: string, end: string, body: string, where: string): string {
  const b = text.indexOf(`${begin}\n`);
  const e = text.indexOf(`${end}\n`, b);
  if (b < 0 || e < 0) throw new Error(`${where}: the markers ${begin} and ${end} are missing`);
  return `${text.slice(0, b + begin.length + 1)}${body}${text.slice(e)}`;
}
