import type { Command } from '../../lib/command';
import { ScriptError } from '../../lib/cli';

/** What the image stages need. */
export interface ImageOptions {
  /** Repository root (build context). */
  repoRoot: string;
  /** Full reference `${REGISTRY_HOST}/shagram/shagram:<tag>`. */
  ref: string;
  /** The full commit SHA, recorded as the OCI revision label. */
  revision: string;
}

/** `docker build` of app/Dockerfile with the repository root as context, tagged `ref`. Pure. */
export function planBuild(options: ImageOptions): Command[] {
  return [
    {
      argv: ['docker', 'build', '--file', 'app/Dockerfile', '--tag', options.ref, '--label', `org.opencontainers.image.revision=${options.revision}`, '.'],
      cwd: options.repoRoot,
    },
  ];
}

/** Log in to Harbor with the robot account (password on stdin, never argv), push, log out. Pure. */
export function planPush(ref: string, user: string, password: string): Command[] {
  if (!user || !password) throw new ScriptError('HARBOR_USER and HARBOR_PASSWORD must be set (the harbor-robot credential)');
  const registry = ref.split('/')[0] as string;
  return [
    { argv: ['docker', 'login', registry, '--username', user, '--password-stdin'], stdin: password },
    { argv: ['docker', 'push', ref] },
    { argv: ['docker', 'logout', registry] },
  ];
}
