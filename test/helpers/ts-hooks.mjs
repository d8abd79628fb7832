// Module hooks that let a worker thread run this repository's TypeScript sources in tests
// (vitest transforms the test's own modules, not a Worker's): `./x.js` resolves to `./x.ts`
// when only the .ts exists, and .ts files are stripped of types with oxc (through rolldown,
// which vite brings).
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { transformSync } from 'rolldown/experimental';

export async function resolve(specifier, context, next) {
  if (specifier.endsWith('.js') && (specifier.startsWith('.') || specifier.startsWith('/')) && context.parentURL?.startsWith('file:')) {
    const url = new URL(specifier, context.parentURL);
    if (!existsSync(fileURLToPath(url))) {
      const ts = new URL(url.href.replace(/\.js$/, '.ts'));
      if (existsSync(fileURLToPath(ts))) return { url: ts.href, shortCircuit: true };
    }
  }
  return next(specifier, context);
}

export async function load(url, context, next) {
  if (url.startsWith('file:') && url.endsWith('.ts')) {
    const path = fileURLToPath(url);
    const out = transformSync(path, readFileSync(path, 'utf8'), { sourcemap: false });
    if (out.errors?.length) throw new Error(`${path}: ${out.errors.map((e) => e.message).join('; ')}`);
    return { format: 'module', source: out.code, shortCircuit: true };
  }
  return next(url, context);
}
