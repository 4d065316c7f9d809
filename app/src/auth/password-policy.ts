/**
 * Password rules beyond length: a password must not be only whitespace, must not be one of the most common
 * passwords (the embedded list below, compared case-insensitively), and must not be the username. Each rule has
 * its own message, returned to the client as the API's usual `{error}` (see validation.ts).
 */

/**
 * Passwords of at least 8 characters (shorter ones already fail the length rule) that lead the public
 * breached-password frequency lists. Lower case; compared with the lower-cased password.
 */
export const COMMON_PASSWORDS: ReadonlySet<string> = new Set([
  '12345678', '123456789', '1234567890', '12345678910', '0123456789', '01234567', '87654321', '987654321',
  '9876543210', '11111111', '111111111', '1111111111', '00000000', '000000000', '0000000000', '88888888',
  '66666666', '12341234', '11223344', '12121212', '123123123', '147258369', '123456123', '1qaz2wsx',
  '1q2w3e4r', '1q2w3e4r5t', '1q2w3e4r5t6y', 'q1w2e3r4', 'q1w2e3r4t5', 'zaq12wsx', 'zaq1zaq1', 'qazwsxedc',
  'qwertyui', 'qwertyuiop', 'qwerty123', 'qwerty12', 'qwer1234', 'asdfghjk', 'asdfghjkl', 'asdf1234',
  'zxcvbnm1', 'zxcvbnm123', 'password', 'password1', 'password12', 'password123', 'password1234', 'password!',
  'password1!', 'passw0rd', 'p@ssw0rd', 'p@ssword', 'pa$$word', 'passpass', 'letmein1', 'letmein123',
  'iloveyou', 'iloveyou1', 'iloveyou2', 'sunshine', 'sunshine1', 'princess', 'princess1', 'football',
  'football1', 'baseball', 'basketball', 'superman', 'batman123', 'starwars', 'whatever', 'trustno1',
  'welcome1', 'welcome123', 'changeme', 'changeme123', 'computer', 'internet', 'michelle', 'jennifer',
  'jordan23', 'liverpool', 'chelsea1', 'arsenal1', 'midnight', 'mustang1', 'mercedes', 'charlie1',
  'butterfly', 'chocolate', 'elephant', 'pokemon1', 'abcd1234', 'abc12345', 'abcdefgh', 'aaaaaaaa',
  'qqqqqqqq', 'master123', 'admin123', 'administrator', 'default1', 'secret123', 'login123', 'test1234',
  'testtest', 'shadow12', 'dragon12', 'monkey12', 'killer12', 'hello123', 'hellohello', 'lovelove',
  'freedom1', 'whatever1', 'blink182', 'samsung1', 'google123', 'facebook', 'linkedin', 'asdasdasd',
  'qweqweqwe', 'zxczxczxc', 'ncc1701d', 'corvette', 'mypassword', 'yourpassword', 'secretpassword',
  'shagram1', 'shagram123', 'chatpassword',
]);

/** Why `password` is refused (the client's error message), or undefined when it is acceptable. */
export function passwordProblem(password: string, username?: string): string | undefined {
  if (/^[\s\p{Default_Ignorable_Code_Point}]*$/u.test(password)) return 'password must not be only whitespace';
  if (COMMON_PASSWORDS.has(password.trim().toLowerCase())) return 'password is too common, choose one that is harder to guess';
  if (username !== undefined && password.trim().normalize('NFKC').toLowerCase() === username.normalize('NFKC').toLowerCase()) {
    return 'password must not be the username';
  }
  return undefined;
}
