// Running the binary under test as a user would, with no setting inherited.
import path from 'node:path';
import {spawnSync} from 'node:child_process';

export const SLUICE = path.resolve(process.env.SLUICE_BUILD ?? 'build', 'sluice');

/** Runs sluice with only the given SLUICE_* variables (none inherited from the
 * test's own environment, so a developer's settings cannot change a result). */
export function sluice(args, env = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SLUICE_')));
  const r = spawnSync(SLUICE, args, {encoding: 'utf8', env: {...clean, ...env}});
  if (r.error) throw r.error;
  return r;
}
