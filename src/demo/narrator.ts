/**
 * Narrator prints the demo's story on the terminal: numbered steps and indented details, each
 * line stamped with the wall clock and the time since the demo started.
 */

/** Narrator writes timestamped lines to a stream (stdout by default). */
export class Narrator {
  private readonly started = Date.now();
  private step = 0;

  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  /** stamp is "HH:MM:SS +12.3s". */
  private stamp(): string {
    const now = new Date();
    const clock = now.toTimeString().slice(0, 8);
    const elapsed = ((now.getTime() - this.started) / 1000).toFixed(1).padStart(5);
    return `${clock} +${elapsed}s`;
  }

  /** title announces the next numbered step. */
  title(text: string): void {
    this.step++;
    this.out.write(`\n${this.stamp()}  [${this.step}] ${text}\n`);
  }

  /** say adds a line to the current step. */
  say(text: string): void {
    this.out.write(`${this.stamp()}      ${text}\n`);
  }

  /** block prints a multi-line text (a table, a JSON record) indented under the current step. */
  block(text: string): void {
    for (const line of text.trimEnd().split('\n')) this.out.write(`                    | ${line}\n`);
  }
}
