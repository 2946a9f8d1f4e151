import { realProcess, runCli } from './cli/run-cli';

// The companion's entry point: `node --import tsx companion-server/index.ts`, or the packed bundle's bin.
void runCli(realProcess());
