// Copies the non-TypeScript files the compiled code reads at run time (SQL migrations)
// next to it in dist/, so `node dist/...` finds them exactly where the sources do.
import { cpSync, mkdirSync } from 'node:fs';

mkdirSync('dist/store/migrations', { recursive: true });
cpSync('store/migrations', 'dist/store/migrations', { recursive: true });
