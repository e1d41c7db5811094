const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The outcome of {@link substituteEnv}: the new text, or why it failed. */
export type Substitution =
  | { readonly ok: true; readonly text: string; readonly changed: boolean }
  | { readonly ok: false; readonly messages: readonly string[] };

/**
 * Replaces `${NAME}` with the environment variable NAME and `${NAME:-fallback}` with NAME,
 * or `fallback` when NAME is unset or empty. `$${` stands for a literal `${`.
 * Every unset variable without a fallback is reported by name, none is left as text.
 */
export function substituteEnv(text: string, env: NodeJS.ProcessEnv): Substitution {
  if (!text.includes('${')) return { ok: true, text, changed: false };

  const messages: string[] = [];
  let result = '';
  let index = 0;

  while (index < text.length) {
    const start = text.indexOf('$', index);
    if (start === -1) break;
    result += text.slice(index, start);

    if (text.startsWith('$${', start)) {
      result += '${';
      index = start + 3;
      continue;
    }
    if (!text.startsWith('${', start)) {
      result += '$';
      index = start + 1;
      continue;
    }

    const end = text.indexOf('}', start + 2);
    if (end === -1) {
      messages.push(`unterminated "\${": close it with "}" or write "$\${" for a literal "\${"`);
      break;
    }

    const replaced = resolveReference(text.slice(start + 2, end), env);
    if (typeof replaced === 'string') result += replaced;
    else messages.push(replaced.message);
    index = end + 1;
  }
  if (index < text.length) result += text.slice(index);

  if (messages.length > 0) return { ok: false, messages };
  return { ok: true, text: result, changed: true };
}

function resolveReference(reference: string, env: NodeJS.ProcessEnv): string | { message: string } {
  const separator = reference.indexOf(':-');
  const name = separator === -1 ? reference : reference.slice(0, separator);

  if (!NAME.test(name)) {
    return {
      message:
        `"\${${reference}}" is not a valid variable reference: ` +
        `use \${NAME} or \${NAME:-default}`,
    };
  }

  const value = env[name];
  if (separator !== -1) {
    return value === undefined || value === '' ? reference.slice(separator + 2) : value;
  }
  if (value === undefined) {
    return { message: `environment variable ${name} is not set (or write \${${name}:-default})` };
  }
  return value;
}
