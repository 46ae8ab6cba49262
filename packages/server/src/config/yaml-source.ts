import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { ConfigError } from '../errors.ts';
import type { LineLookup } from './issues.ts';

/** A parsed tenant.yaml: its plain data and a way back from a data path to a source line. */
export interface YamlSource {
  /** Plain JS data (`null` for an empty file). */
  data: unknown;
  lineOf: LineLookup;
  /** Non-fatal parser notes (e.g. unknown tags). */
  warnings: string[];
}

/**
 * Parses YAML text with positions kept, so that every later issue can point at a line.
 * Options follow what the Deploy CLI (js-yaml) accepts: YAML 1.2 core schema plus `<<` merge keys;
 * duplicate keys are an error because the last one silently winning hides mistakes.
 *
 * @throws ConfigError `ERR_CONFIG_PARSE` with line and column for each syntax error.
 */
export function parseYamlSource(text: string, source: string): YamlSource {
  const lineCounter = new LineCounter();
  // prettyErrors is off because the pretty form quotes the offending source line, which may hold a
  // substituted secret; the line/column are rebuilt below from the offsets instead.
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, merge: true, uniqueKeys: true });
  const lineOfOffset = (offset: number) => lineCounter.linePos(offset);

  if (doc.errors.length > 0) {
    throw new ConfigError(
      doc.errors.map((err) => {
        const { line, col } = lineOfOffset(err.pos[0]);
        return {
          file: source,
          path: '',
          message: `YAML syntax error at line ${line}, column ${col}: ${err.message}`,
          fix: 'fix the YAML syntax at that position (check indentation, quotes and `key: value` spacing)',
        };
      }),
      'ERR_CONFIG_PARSE',
    );
  }

  let data: unknown;
  try {
    // The alias cap defends against "billion laughs" documents.
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new ConfigError(
      [
        {
          file: source,
          path: '',
          message: `YAML could not be resolved: ${(err as Error).message}`,
          fix: 'remove the excessive or circular aliases (`*name`) from the file',
        },
      ],
      'ERR_CONFIG_PARSE',
    );
  }

  const lineOf: LineLookup = (path) => {
    let node: unknown = doc.contents;
    let offset: number | undefined = rangeStart(node);
    for (const segment of path) {
      if (isAlias(node)) node = node.resolve(doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(segment));
        if (!pair) break;
        // The key's position, not the value's: "unknown key" and "missing value" both point at the key.
        offset = rangeStart(pair.key) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment];
        if (node === undefined) break;
        offset = rangeStart(node) ?? offset;
      } else {
        break;
      }
    }
    return offset === undefined ? undefined : lineOfOffset(offset).line;
  };

  return { data, lineOf, warnings: doc.warnings.map((w) => `YAML: ${w.message}`) };
}

function rangeStart(node: unknown): number | undefined {
  if (typeof node !== 'object' || node === null || !('range' in node)) return undefined;
  const range = (node as { range?: readonly number[] | null }).range;
  return range?.[0];
}
