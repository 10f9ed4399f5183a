/**
 * kubectl for the demo: the same commands a user would type, against the demo's control plane.
 * Manifests that carry Secrets go through stdin, never the command line.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** kubectlBin prefers the kubectl built beside kube-apiserver, else the one on PATH. */
function kubectlBin(): string {
  const dir = process.env.ONTAP_KMS_CONTROLPLANE_BIN;
  if (dir !== undefined && dir !== '' && existsSync(join(dir, 'kubectl'))) return join(dir, 'kubectl');
  return 'kubectl';
}

/** Kubectl runs kubectl with one kubeconfig. */
export class Kubectl {
  private readonly bin = kubectlBin();

  constructor(private readonly kubeconfig: string) {}

  /** run resolves to stdout; it rejects with kubectl's stderr in the message. */
  run(args: readonly string[], input?: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.bin, ['--kubeconfig', this.kubeconfig, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
      child.on('error', (e) => reject(new Error(`kubectl ${args[0] ?? ''}: ${e.message}`, { cause: e })));
      child.on('close', (code) => {
        if (code === 0) resolve(out);
        else reject(new Error(`kubectl ${args.join(' ')}: ${err.trim() || `exit ${code ?? '?'}`}`));
      });
      child.stdin.end(input ?? '');
    });
  }

  /** apply applies YAML from stdin (server-side, so large objects and re-applies both work). */
  apply(yamlText: string): Promise<string> {
    return this.run(['apply', '--server-side', '--field-manager=ontap-kms-demo', '-f', '-'], yamlText);
  }

  /** json gets one object as parsed JSON, or undefined when it does not exist. */
  async json(args: readonly string[]): Promise<unknown> {
    try {
      return JSON.parse(await this.run(['get', ...args, '-o', 'json'])) as unknown;
    } catch (err) {
      if (err instanceof Error && /NotFound|not found/.test(err.message)) return undefined;
      throw err;
    }
  }
}
