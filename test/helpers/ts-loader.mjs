// `node --import ./ts-loader.mjs`: registers ts-hooks.mjs (tests' worker threads only).
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
