export * from './clock';
export * from './data-url';
export * from './job';
export * from './merge';
export * from './pairing';
export * from './seed';
export * from './sha256';
export * from './sync';
