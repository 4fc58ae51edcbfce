// Session passwords (TCP MD5, RFC 2385) come from files the document names, never from the document itself: the
// document is stored, audited and served by the API, a password must be none of these. Read when a generation
// is validated and applied; what goes wrong is a problem at the field that names the file.
import { readFileSync, statSync } from 'node:fs';
import type { DesiredState } from '../../config/model.ts';
import { problem, type Problem } from '../../config/problem.ts';

/** FRR takes the password as one word; RFC 2385 keys are at most 80 bytes in Linux (TCP_MD5SIG_MAXKEYLEN). */
const PASSWORD_RE = /^[\x21-\x7e]{1,80}$/;

export interface SecretRead {
  secrets: Record<string, string>;
  problems: Problem[];
}

/** Every passwordFile of the document (neighbors and groups) with the JSON pointer of its first use. */
function references(spec: DesiredState): Map<string, string> {
  const refs = new Map<string, string>();
  const add = (file: string | undefined, path: string): void => {
    if (file !== undefined && !refs.has(file)) refs.set(file, path);
  };
  (spec.gateway.neighborGroups ?? []).forEach((g, i) => add(g.passwordFile, `/gateway/neighborGroups/${i}/passwordFile`));
  spec.gateway.neighbors.forEach((n, i) => add(n.passwordFile, `/gateway/neighbors/${i}/passwordFile`));
  return refs;
}

export function readSecrets(spec: DesiredState): SecretRead {
  const secrets: Record<string, string> = {};
  const problems: Problem[] = [];
  for (const [file, path] of references(spec)) {
    let text: string;
    try {
      // Readable by others = already disclosed: refused rather than used.
      if ((statSync(file).mode & 0o004) !== 0) {
        problems.push(problem('INVALID_VALUE', path, `${file} is readable by every user (chmod o-r)`));
        continue;
      }
      text = readFileSync(file, 'utf8');
    } catch (e) {
      problems.push(problem('INVALID_VALUE', path, `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`));
      continue;
    }
    const pw = text.replace(/\r?\n$/, '');
    // The detail never quotes the content: it is the secret.
    if (!PASSWORD_RE.test(pw)) problems.push(problem('INVALID_VALUE', path, `${file} must hold one line of 1..80 printable characters without spaces`));
    else secrets[file] = pw;
  }
  return { secrets, problems };
}
