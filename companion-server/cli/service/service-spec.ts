import type { PlatformPaths } from '../platform-paths';

/** What a service starts, the same on every platform; each backend writes it in its own format. */
export interface ServiceSpec {
  /** The service's name: the systemd unit, the launchd label, the scheduled task. */
  name: string;
  version: string;
  /** Absolute path of the node binary that runs it (the one running `service install`). */
  node: string;
  /** The installed copy of the program (never a path in npm's cache). */
  program: string;
  /** The companion's flags, paths made absolute, always with --data-dir and --env-file. */
  args: string[];
  workingDir: string;
  paths: PlatformPaths;
}

/** A command `service` runs; `mayFail` ones are steps that fail harmlessly when nothing was there (a stop). */
export interface ServiceCommand {
  file: string;
  args: string[];
  mayFail?: boolean;
}

/** A file a backend writes, with its mode (secrets and the unit itself are the user's alone). */
export interface ServiceFile {
  path: string;
  content: string | Uint8Array;
  mode: number;
}

/** One platform's way to start the companion at login. */
export interface ServiceBackend {
  kind: 'systemd' | 'launchd' | 'task-scheduler';
  /** The file that says the service is installed (unit, plist, task XML). */
  definition: string;
  /** Every file `files` writes, so uninstall removes them without a spec. */
  ownFiles: string[];
  files(spec: ServiceSpec): ServiceFile[];
  install(spec: ServiceSpec): ServiceCommand[];
  /** Stops it and unregisters it; `afterRemove` runs once its files are gone. */
  uninstall(): ServiceCommand[];
  afterRemove(): ServiceCommand[];
  status(): ServiceCommand[];
  /** Where its output goes, in words with the command to read it. */
  logs(spec: ServiceSpec): string;
}
