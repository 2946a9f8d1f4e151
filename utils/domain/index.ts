export * from './job';
export * from './merge';
export * from './seed';
export * from './sync';
export * from './data-url';
export * from './sha256';
export * from './pairing';
