/** The numbered SQL files both engines migrate from (`app/migrations/`, and `app/migrations/postgres/`). */
import fs from 'node:fs';
import path from 'node:path';

/** One numbered SQL file from the migrations folder. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Lists `NNN_name.sql` files in version order. Rejects gaps and duplicate numbers so that a
 * mis-numbered file is caught at start, not half-applied.
 */
export function readMigrations(dir: string): Migration[] {
  const files = fs.readdirSync(dir).filter((file) => file.endsWith('.sql')).sort();
  const migrations = files.map((file) => {
    const match = /^(\d+)_([\w-]+)\.sql$/.exec(file);
    if (!match) throw new Error(`migration file name "${file}" must look like 001_name.sql`);
    return { version: Number(match[1]), name: file, sql: fs.readFileSync(path.join(dir, file), 'utf8') };
  });
  migrations.forEach((migration, index) => {
    if (migration.version !== index + 1) throw new Error(`migration ${migration.name} is out of sequence: expected number ${index + 1}`);
  });
  return migrations;
}
