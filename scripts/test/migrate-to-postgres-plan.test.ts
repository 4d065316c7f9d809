import path from 'node:path';
import { ScriptError } from '../lib/cli';
import {
  DEFAULT_BATCH_SIZE,
  DEFAULT_PROGRESS_EVERY,
  parseMigrateArgs,
  progressDue,
  progressLine,
  refusal,
  sequenceTarget,
  verifyCopy,
  type TableFacts,
} from '../src/migrate-to-postgres-plan';

const URL = 'postgres://shagram:pw@db:5432/shagram';

describe('parseMigrateArgs', () => {
  test('--from and --to, with defaults; the path is made absolute', () => {
    expect(parseMigrateArgs(['--from', 'data/shagram.db', '--to', URL], {})).toEqual({
      from: path.resolve('data/shagram.db'),
      to: URL,
      batchSize: DEFAULT_BATCH_SIZE,
      progressEvery: DEFAULT_PROGRESS_EVERY,
    });
  });

  test('DATABASE_URL stands in for --to; --to wins over it', () => {
    expect(parseMigrateArgs(['--from', '/a.db'], { DATABASE_URL: URL })).toMatchObject({ to: URL });
    expect(parseMigrateArgs(['--from', '/a.db', '--to=postgresql://x@h/d'], { DATABASE_URL: URL })).toMatchObject({ to: 'postgresql://x@h/d' });
  });

  test('batch size and progress interval', () => {
    expect(parseMigrateArgs(['--from', '/a.db', '--to', URL, '--batch-size', '50', '--progress-every=7'], {})).toMatchObject({ batchSize: 50, progressEvery: 7 });
  });

  test('--help', () => {
    expect(parseMigrateArgs(['--from', '/a.db', '--help'], {})).toBe('help');
  });

  test.each([
    [[], {}, /--from <shagram.db> is required/],
    [['--from', '/a.db'], {}, /--to <postgres:\/\/…> is required when DATABASE_URL is not set/],
    [['--from', '/a.db', '--to', 'mysql://x/y'], {}, /postgres:\/\/ or postgresql:\/\//],
    [['--from', '/a.db', '--to', URL, '--batch-size', '0'], {}, /--batch-size must be between 1 and 100000/],
    [['--from', '/a.db', '--to', URL, '--progress-every', '0'], {}, /--progress-every must be at least 1/],
    [['--from', '/a.db', '--to', URL, '--force'], {}, /unknown option --force/],
  ])('%j is refused with one readable line', (argv, env, message) => {
    expect(() => parseMigrateArgs(argv as string[], env as Record<string, string>)).toThrow(ScriptError);
    expect(() => parseMigrateArgs(argv as string[], env as Record<string, string>)).toThrow(message);
  });
});

describe('progressDue', () => {
  test('when a multiple of the interval is crossed, and at the end', () => {
    const due: number[] = [];
    let done = 0;
    for (const added of [400, 400, 400, 400, 150]) {
      done += added;
      if (progressDue(done, added, 1750, 1000)) due.push(done);
    }
    expect(due).toEqual([1200, 1750]);
  });

  test('exactly on a multiple, and never for an empty page', () => {
    expect(progressDue(1000, 500, 5000, 1000)).toBe(true);
    expect(progressDue(1500, 500, 5000, 1000)).toBe(false);
    expect(progressDue(0, 0, 0, 1000)).toBe(false);
  });
});

describe('sequenceTarget', () => {
  test('past the highest id, and past ids SQLite handed out to rows since deleted', () => {
    expect(sequenceTarget(120, 120)).toBe(120);
    expect(sequenceTarget(120, 135)).toBe(135);
    expect(sequenceTarget(120, undefined)).toBe(120);
    expect(sequenceTarget(0, undefined)).toBe(0);
  });
});

describe('refusal', () => {
  test('an empty target is accepted; users or messages refuse it', () => {
    expect(refusal({ users: 0, messages: 0 })).toBeUndefined();
    expect(refusal({ users: 2, messages: 0 })).toMatch(/already holds 2 user\(s\) and 0 message\(s\); refusing/);
    expect(refusal({ users: 0, messages: 1 })).toMatch(/refusing to copy into a database in use/);
  });
});

describe('verifyCopy', () => {
  const facts: TableFacts = { users: 3, rooms: 5, messages: 100, maxUserId: 3, maxMessageId: 104 };

  test('matching counts and ids; extra target rooms are fine', () => {
    expect(verifyCopy(facts, { ...facts, rooms: 6 }, 5)).toEqual([]);
  });

  test('every difference is named', () => {
    expect(verifyCopy(facts, { users: 2, rooms: 5, messages: 99, maxUserId: 2, maxMessageId: 103 }, 4)).toEqual([
      'users: 3 in SQLite, 2 in PostgreSQL',
      'messages: 100 in SQLite, 99 in PostgreSQL',
      'rooms: 5 in SQLite, 4 of them in PostgreSQL',
      'highest user id: 3 in SQLite, 2 in PostgreSQL',
      'highest message id: 104 in SQLite, 103 in PostgreSQL',
    ]);
  });
});

describe('progressLine', () => {
  test('counts and a whole percentage', () => {
    expect(progressLine('messages', 20000, 51234)).toBe('migrate-to-postgres: messages: 20000/51234 (39%)');
    expect(progressLine('users', 0, 0)).toBe('migrate-to-postgres: users: 0/0 (100%)');
  });
});
