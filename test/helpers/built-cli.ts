/**
 * The real CLI as separate processes: compiles the sources once (into node_modules/.cache, so
 * the compiled code resolves node_modules) and runs `node <build>/src/cli.js …` with an explicit
 * environment. Used by tests of what happens when processes overlap or are killed.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export function buildCli(name: string): string {
  const out = join(ROOT, 'node_modules/.cache', name);
  rmSync(out, { recursive: true, force: true });
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', out], { cwd: ROOT });
  mkdirSync(join(out, 'store/migrations'), { recursive: true });
  cpSync(join(ROOT, 'store/migrations'), join(out, 'store/migrations'), { recursive: true });
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  return out;
}

export interface CliRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

export interface CliProcess {
  child: ChildProcess;
  /** Resolves when a line of stdout or stderr matches. */
  line(re: RegExp): Promise<string>;
  done: Promise<CliRun>;
}

/** Starts `dealcast <argv>` with exactly `env` (plus PATH), in a directory without a .env file. */
export function startCli(build: string, argv: string[], env: Record<string, string>, cwd: string): CliProcess {
  const child = spawn(process.execPath, [join(build, 'src/cli.js'), ...argv], { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: (l: string) => void }[] = [];
  const check = () => {
    for (const w of [...waiters]) {
      const hit = `${out}\n${err}`.split('\n').find((l) => w.re.test(l));
      if (hit !== undefined) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(hit);
      }
    }
  };
  child.stdout!.on('data', (b: Buffer) => ((out += b.toString()), check()));
  child.stderr!.on('data', (b: Buffer) => ((err += b.toString()), check()));
  const done = new Promise<CliRun>((res) => child.on('exit', (code, signal) => res({ code, signal, out, err })));
  return {
    child,
    done,
    line: (re) =>
      new Promise<string>((res, rej) => {
        waiters.push({ re, resolve: res });
        check();
        void done.then((r) => rej(new Error(`the process ended (${r.code ?? r.signal}) before printing ${re}:\n${r.out}\n${r.err}`)));
      }),
  };
}

export function runCli(build: string, argv: string[], env: Record<string, string>, cwd: string): Promise<CliRun> {
  return startCli(build, argv, env, cwd).done;
}
