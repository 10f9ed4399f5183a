/**
 * Process and port plumbing for the test control plane: detached servers that outlive the CLI
 * that started them, and a stop that proves they are gone.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A server process this package started, as recorded in the state file. */
export interface ServerProcess {
  readonly name: string;
  readonly pid: number;
  /** Absolute path of the binary, checked before signalling so a recycled pid is never hit. */
  readonly bin: string;
  readonly log: string;
  /** Ports it listens on, all on 127.0.0.1: stop checks that each is closed. */
  readonly ports: readonly number[];
}

/**
 * freePorts returns one port for each name, all distinct and free on 127.0.0.1 a moment ago.
 * Every listener is held open until all ports are known, so the kernel cannot hand one out twice.
 */
export async function freePorts<K extends string>(names: readonly K[]): Promise<Record<K, number>> {
  const servers: Server[] = [];
  try {
    const ports = {} as Record<K, number>;
    for (const name of names) {
      const server = createServer();
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      const address = server.address();
      if (address === null || typeof address === 'string') throw new Error('listen on 127.0.0.1:0: no port');
      ports[name] = address.port;
    }
    return ports;
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  }
}

/**
 * spawnServer starts `bin` in its own session (so it survives its parent and a signal reaches
 * the whole group), with stdout and stderr written to `log`, which is truncated first.
 */
export function spawnServer(
  name: string,
  bin: string,
  args: readonly string[],
  opts: { cwd: string; log: string; ports: readonly number[] },
): ServerProcess {
  const fd = openSync(opts.log, 'w');
  try {
    const child = spawn(bin, args, { cwd: opts.cwd, detached: true, stdio: ['ignore', fd, fd] });
    // A failed spawn (ENOENT, EACCES) also emits 'error', which would crash the caller unhandled;
    // the missing pid below reports it instead.
    child.on('error', () => undefined);
    if (child.pid === undefined) throw new Error(`start ${name} (${bin}): no pid`);
    child.unref();
    return { name, pid: child.pid, bin, log: opts.log, ports: opts.ports };
  } finally {
    closeSync(fd);
  }
}

/**
 * isRunning tells whether `proc` is still alive. On Linux it reads /proc, which also sees
 * through zombies (a killed child nobody reaped still answers kill(pid, 0)) and pid reuse.
 */
export function isRunning(proc: ServerProcess): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${proc.pid}/stat`, 'utf8');
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return false;
    return signalAlive(proc.pid); // no procfs (macOS)
  }
  // Fields after "pid (comm)": state first. comm may contain spaces and parens.
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  if (state === 'Z' || state === 'X') return false;
  try {
    return readFileSync(`/proc/${proc.pid}/cmdline`, 'utf8').split('\0')[0] === proc.bin;
  } catch {
    return false; // exited between the two reads
  }
}

function signalAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) === 'EPERM';
  }
}

/**
 * terminate sends SIGTERM to the process group of `proc`, then SIGKILL after `graceMs`, and
 * resolves once the process is gone and none of its ports accepts connections.
 */
export async function terminate(proc: ServerProcess, graceMs: number): Promise<void> {
  if (isRunning(proc)) {
    signalGroup(proc.pid, 'SIGTERM');
    if (!(await waitFor(() => !isRunning(proc), graceMs))) {
      signalGroup(proc.pid, 'SIGKILL');
      if (!(await waitFor(() => !isRunning(proc), 5000))) {
        throw new Error(`stop ${proc.name} (pid ${proc.pid}): still running after SIGKILL`);
      }
    }
  }
  for (const port of proc.ports) {
    if (!(await waitForAsync(async () => !(await isListening(port)), 5000))) {
      throw new Error(`stop ${proc.name}: port 127.0.0.1:${port} still open after the process exited`);
    }
  }
}

/** signalGroup signals every process in the group `pgid`; a group that is gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch (err) {
    if (errnoOf(err) !== 'ESRCH') throw err;
  }
}

/** isListening tells whether something accepts TCP connections on 127.0.0.1:`port`. */
export function isListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** waitFor polls `done` every 50 ms until it holds or `timeoutMs` passes; returns whether it held. */
export function waitFor(done: () => boolean, timeoutMs: number): Promise<boolean> {
  return waitForAsync(() => Promise.resolve(done()), timeoutMs);
}

async function waitForAsync(done: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await done()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(50);
  }
}

/** tail returns the last `lines` lines of a log file, for error messages. */
export function tail(file: string, lines = 20): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

function errnoOf(err: unknown): string | undefined {
  return err instanceof Error && 'code' in err && typeof err.code === 'string' ? err.code : undefined;
}
