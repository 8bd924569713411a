// ESM entry: the CommonJS build, re-exported by name.
export * from './index.js';
