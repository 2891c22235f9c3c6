// The one ordered list of layers. Every script that reasons about layering reads it from here.
export const LAYERS = ['abi', 'ring', 'session', 'adapter', 'cli'];
export const SCOPE = '@wintun-ts';
