// Copies the non-TypeScript files the compiled code reads at run time (SQL migrations)
// next to it in dist/, so `node dist/...` finds them exactly where the sources do.
import { cpSync, mkdirSync, rmSync } from 'node:fs';

// Start clean so a renamed or removed migration cannot linger in dist/.
rmSync('dist/store/migrations', { recursive: true, force: true });
mkdirSync('dist/store/migrations', { recursive: true });
cpSync('store/migrations', 'dist/store/migrations', { recursive: true });
