// Small DOM helpers. User data only ever enters the page as text (textContent), never as HTML.

/**
 * Finds an element by id or throws (a missing element is a programming error).
 * @param {string} id
 * @returns {any}
 */
export function byId(id) {
  const element = document.getElementById(id);
  if (!element) throw new Error(`missing element #${id}`);
  return element;
}

/**
 * Creates an element with class names and text content.
 * @param {string} tag
 * @param {{ className?: string, text?: string, attrs?: Record<string, string> }} [options]
 * @param {Node[]} [children]
 * @returns {any}
 */
export function el(tag, options = {}, children = []) {
  const element = document.createElement(tag);
  if (options.className) element.className = options.className;
  if (options.text !== undefined) element.textContent = options.text;
  for (const [name, value] of Object.entries(options.attrs ?? {})) element.setAttribute(name, value);
  for (const child of children) element.append(child);
  return element;
}

/**
 * Shows a message in an element (or hides the element when the message is empty).
 * @param {any} element
 * @param {string} message
 */
export function say(element, message) {
  element.textContent = message;
  if (element.hasAttribute('role') && element.classList.contains('notice')) element.hidden = message === '';
}
