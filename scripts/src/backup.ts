// scripts/backup — online backup of the Shagram database with retention.
//
// Where the backup runs: on the HOST, with this repository's better-sqlite3, against the app volume's
// mountpoint (found with `docker inspect` of the app container), not inside the app container. Why:
//  - the code that copies and verifies is the TypeScript module ops/sqlite-backup.ts that the unit lane tests
//    on real files with a concurrent writer; nothing is shipped into the container as a `node -e` string;
//  - the app container is read-only with a small /tmp tmpfs: a copy inside it would land in the data volume or
//    in memory, and would then need a binary-safe way out; on the host the copy streams straight to gzip;
//  - SQLite's locking works across processes on one kernel, containers included, so a host reader and the
//    containerised writer coordinate exactly like two local processes (WAL: the writer is never blocked);
//  - both sides use the same SQLite (better-sqlite3 pinned in package-lock.json);
//  - when SQLite runs as root and creates -wal/-shm files it gives them the database file's owner, so the
//    app (uid 10001) keeps access.
// The price: it runs as root (mountpoints under /var/lib/docker are root's) and needs the local volume driver.
import fs from 'node:fs';
import path from 'node:path';
import { runScript } from '../lib/cli';
import { resolveDatabase } from './ops/app-database';
import { backupToGzip } from './ops/sqlite-backup';
import { formatBytes, formatDuration } from './ops/table';
import { BACKUP_HELP, backupFileName, parseBackupArgs, planRetention } from './backup-plan';

async function main(): Promise<number> {
  const options = parseBackupArgs(process.argv.slice(2));
  if (options === 'help') {
    console.log(BACKUP_HELP);
    return 0;
  }
  const started = Date.now();
  const database = await resolveDatabase(options.source);
  const existing = fs.existsSync(options.outDir) ? fs.readdirSync(options.outDir) : [];
  const name = backupFileName(new Date(), existing);
  const destination = path.join(options.outDir, name);
  const doomed = planRetention([...existing, name], options.keep);
  if (options.dryRun) {
    console.log(`# backup ${database.file} (online, SQLite backup API) -> ${destination}`);
    for (const old of doomed) console.log(`rm ${path.join(options.outDir, old)}`);
    return 0;
  }
  console.log(`backup: ${database.file} -> ${destination}`);
  fs.mkdirSync(options.outDir, { recursive: true, mode: 0o700 });
  const facts = await backupToGzip(database.file, destination);
  console.log(
    `backup: ok in ${formatDuration(Date.now() - started)}: ${formatBytes(facts.bytes)} gzip, integrity ok, ` +
      `${facts.messages} messages, ${facts.users} users, ${facts.rooms} rooms (schema version ${facts.userVersion})`,
  );
  for (const old of doomed) {
    fs.rmSync(path.join(options.outDir, old), { force: true });
    console.log(`backup: removed ${old} (keeping the newest ${options.keep})`);
  }
  return 0;
}

if (require.main === module) runScript('backup', main);
