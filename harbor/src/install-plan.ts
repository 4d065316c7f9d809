import path from 'node:path';

/** The pinned Harbor offline installer (harbor/installer.json). */
export interface InstallerPin {
  version: string;
  url: string;
  sha256: string;
}

/** What is already on the host, found by the executor before planning. */
export interface InstallState {
  /** Version recorded by the last successful install (.installed-version), if any. */
  installedVersion?: string;
  /** The installer tarball is already in the stack folder (a previous, interrupted run). */
  tarballPresent: boolean;
  /** Harbor's generated docker-compose.yml exists in the stack folder. */
  composePresent: boolean;
  /** The harbor.yml on disk differs from the one rendered now (or is missing). */
  configChanged: boolean;
  /** How to call Compose here: ['docker', 'compose'] or ['docker-compose']. */
  compose: string[];
}

/** One step of an install; the executor runs them in order. */
export type InstallStep =
  | { kind: 'download'; url: string; file: string }
  | { kind: 'verify'; file: string; sha256: string }
  | { kind: 'extract'; file: string; dir: string }
  | { kind: 'write'; file: string; mode: number }
  | { kind: 'run'; command: string; args: string[]; cwd: string }
  | { kind: 'mark'; file: string; content: string }
  | { kind: 'remove'; file: string };

/** File name of the installer tarball in the stack folder. Pure. */
export function tarballPath(stackDir: string, pin: InstallerPin): string {
  return path.join(stackDir, `harbor-offline-installer-${pin.version}.tgz`);
}

/**
 * Plans a Harbor install or update in `stackDir` (the harbor stack folder, where Harbor's installer leaves
 * docker-compose.yml). A new or different version: download (unless present), verify the SHA-256, unpack
 * over the folder, write harbor.yml, run install.sh (loads the images, prepare, compose up), record the
 * version, drop the tarball. Same version: rewrite harbor.yml and rerun prepare only when it changed, then
 * `compose up -d` (a no-op when everything runs). Pure.
 */
export function planInstall(stackDir: string, pin: InstallerPin, state: InstallState): InstallStep[] {
  const harborYml = path.join(stackDir, 'harbor.yml');
  const [composeCommand, ...composeArgs] = state.compose as [string, ...string[]];
  const up: InstallStep = { kind: 'run', command: composeCommand, args: [...composeArgs, 'up', '-d', '--remove-orphans'], cwd: stackDir };
  if (state.installedVersion === pin.version && state.composePresent) {
    if (!state.configChanged) return [up];
    return [{ kind: 'write', file: harborYml, mode: 0o600 }, { kind: 'run', command: './prepare', args: [], cwd: stackDir }, up];
  }
  const tarball = tarballPath(stackDir, pin);
  return [
    ...(state.tarballPresent ? [] : [{ kind: 'download', url: pin.url, file: tarball } as InstallStep]),
    { kind: 'verify', file: tarball, sha256: pin.sha256 },
    { kind: 'extract', file: tarball, dir: stackDir },
    { kind: 'write', file: harborYml, mode: 0o600 },
    { kind: 'run', command: './install.sh', args: [], cwd: stackDir },
    { kind: 'mark', file: path.join(stackDir, '.installed-version'), content: `${pin.version}\n` },
    { kind: 'remove', file: tarball },
  ];
}
