import { z } from 'zod';
import { passwordProblem } from './auth/password-policy';
import { displayUsername, usernameKey as skeletonKey } from './auth/usernames';

/** Room names: a lower-case letter or digit, then up to 31 of `a-z 0-9 _ -`. */
export const ROOM_NAME = /^[a-z0-9][a-z0-9_-]{0,31}$/;

/**
 * Usernames: 1–32 Unicode letters, digits, `_`, `.`, `-` (after NFKC normalisation), with no invisible
 * (default-ignorable) characters such as the Hangul fillers, which Unicode counts as letters.
 */
const USERNAME = /^[\p{L}\p{N}_.-]{1,32}$/u;
const INVISIBLE = /\p{Default_Ignorable_Code_Point}/u;

/** The longest message text, in characters (Unicode code points). */
export const MAX_TEXT_CHARS = 4000;

export const usernameSchema = z
  .string({ error: 'username must be a string' })
  .transform(displayUsername)
  .refine((value) => USERNAME.test(value) && !INVISIBLE.test(value), 'username must be 1-32 letters, digits, "_", "." or "-"');

/** Length, then the policy of auth/password-policy.ts (not only whitespace, not a common password). */
export const passwordSchema = z
  .string({ error: 'password must be a string' })
  .min(8, 'password must be at least 8 characters')
  .max(128, 'password must be at most 128 characters')
  .superRefine((value, ctx) => {
    const problem = passwordProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** Registration: a valid name, a valid password, and the password is not the name. */
export const credentialsSchema = z
  .object({
    username: usernameSchema,
    password: passwordSchema,
  })
  .superRefine((value, ctx) => {
    const problem = passwordProblem(value.password, value.username);
    if (problem) ctx.addIssue({ code: 'custom', path: ['password'], message: problem });
  });

export const loginSchema = z.object({
  username: z.string({ error: 'username is required' }).min(1, 'username is required').max(64, 'wrong username or password'),
  password: z.string({ error: 'password is required' }).min(1, 'password is required').max(1024, 'wrong username or password'),
});

/** `DELETE /api/account`: the password again, as confirmation. */
export const deleteAccountSchema = z.object({
  password: z.string({ error: 'password is required' }).min(1, 'password is required').max(1024, 'wrong password'),
});

export const roomNameSchema = z
  .string({ error: 'name must be a string' })
  .regex(ROOM_NAME, 'room name must be 1-32 characters of a-z, 0-9, "_" or "-", starting with a letter or digit');

export const createRoomSchema = z.object({ name: roomNameSchema });

export const historyQuerySchema = z.object({
  before: z
    .string()
    .regex(/^\d{1,15}$/, 'before must be a positive message id')
    .transform(Number)
    .optional(),
  limit: z
    .string()
    .regex(/^\d{1,3}$/, 'limit must be a whole number from 1 to 200')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 200, 'limit must be a whole number from 1 to 200')
    .optional(),
});

/** The default and the largest page of `GET /api/rooms`. */
export const ROOMS_PAGE = { default: 50, max: 200 } as const;

/** `GET /api/rooms?limit=&after=`: at most `limit` names after the room `after` (bytewise order). */
export const roomsQuerySchema = z.object({
  limit: z
    .string()
    .regex(/^\d{1,3}$/, `limit must be a whole number from 1 to ${ROOMS_PAGE.max}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= ROOMS_PAGE.max, `limit must be a whole number from 1 to ${ROOMS_PAGE.max}`)
    .optional(),
  after: z.string().regex(ROOM_NAME, 'after must be a room name').optional(),
});

/**
 * The key an account is stored under: equal for names that differ only in case or look alike (NFKC, case
 * folding and the Unicode confusable skeleton: see auth/usernames.ts).
 */
export function usernameKey(username: string): string {
  return skeletonKey(username);
}

/** The first readable message of a zod failure. */
export function firstIssue(error: z.ZodError): string {
  return error.issues[0]?.message ?? 'invalid input';
}
