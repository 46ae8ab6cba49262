import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';

/* The README's "Testing your own apps" examples are these test files, character for character. */
const read = (path: string) => readFileSync(new URL(path, import.meta.url), 'utf8');

it.each(['testing-kit-vitest.test.ts', 'testing-kit-playwright.test.ts'])('the README shows %s verbatim', (file) => {
  expect(read('../../README.md')).toContain(`\`\`\`ts\n${read(`./${file}`)}\`\`\``);
});
