// The log-in and register forms. On success the caller gets a token and the canonical username.
import * as api from '../api.js';
import { byId, say } from '../dom.js';

/**
 * Wires both forms.
 * @param {(session: { token: string, username: string }) => void} onSignedIn
 */
export function setupAuthView(onSignedIn) {
  wireForm('login', api.login, onSignedIn);
  wireForm('register', api.register, onSignedIn);
}

/**
 * @param {'login' | 'register'} kind
 * @param {(username: string, password: string) => Promise<string>} call
 * @param {(session: { token: string, username: string }) => void} onSignedIn
 */
function wireForm(kind, call, onSignedIn) {
  const form = byId(`${kind}-form`);
  const error = byId(`${kind}-error`);
  const username = byId(`${kind}-username`);
  const password = byId(`${kind}-password`);
  const button = form.querySelector('button[type=submit]');
  form.addEventListener('submit', async (/** @type {any} */ event) => {
    event.preventDefault();
    say(error, '');
    setInvalid([username, password], false);
    if (username.value.trim() === '' || password.value === '') {
      say(error, 'Please enter a username and a password.');
      setInvalid([username.value.trim() === '' ? username : password], true);
      (username.value.trim() === '' ? username : password).focus();
      return;
    }
    button.disabled = true;
    try {
      const token = await call(username.value.trim(), password.value);
      const canonical = await api.me(token);
      password.value = '';
      onSignedIn({ token, username: canonical });
    } catch (failure) {
      say(error, /** @type {Error} */ (failure).message);
      setInvalid([username, password], true);
      username.focus();
    } finally {
      button.disabled = false;
    }
  });
}

/**
 * @param {any[]} inputs
 * @param {boolean} invalid
 */
function setInvalid(inputs, invalid) {
  for (const input of inputs) {
    if (invalid) input.setAttribute('aria-invalid', 'true');
    else input.removeAttribute('aria-invalid');
  }
}

/**
 * Shows a message above the forms (e.g. "your session expired"); empty hides it.
 * @param {string} message
 */
export function showAuthNotice(message) {
  say(byId('auth-notice'), message);
}

/** Empties the forms' error lines. */
export function clearAuthErrors() {
  say(byId('login-error'), '');
  say(byId('register-error'), '');
}
