import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, type ConfigIssue } from '../errors.ts';
import type { PathSegment } from './format-path.ts';
import type { FileLocation, LineLookup, Locate } from './issues.ts';
import { type KeywordEnv, type KeywordMappings, replaceKeywords } from './keywords.ts';
import { parseYamlSource } from './yaml-source.ts';

/**
 * The Deploy CLI's directory format (its `src/context/directory/handlers`, v8.43): one JSON file per
 * entry in a folder per section, and `tenant.json` for the tenant settings. Sections authmesh reads are
 * mapped to the YAML format's keys; every other folder the Deploy CLI writes is counted for the
 * "not emulated" warning.
 */
const ENTRY_FOLDERS: Readonly<Record<string, string>> = {
  clients: 'clients',
  'resource-servers': 'resourceServers',
  grants: 'clientGrants',
  roles: 'roles',
  connections: 'connections',
  // Each `actions/<name>.json` points at its `actions/<name>/code.js`, read relative to the directory.
  actions: 'actions',
  'action-modules': 'actionModules',
};

/** The one folder holding a single object: `triggers/triggers.json`, the bindings of every trigger. */
const TRIGGERS_FOLDER = 'triggers';

/** Folders holding one folder per database, each with a `database.json` (custom scripts beside it). */
const DATABASE_FOLDER = 'database-connections';

/** The one section besides tenant.json that the Deploy CLI writes as a file at the top. */
const SUPPLEMENTAL_SIGNALS_FILE = 'supplemental-signals.json';

/** Folders of sections authmesh does not emulate, by the YAML key they stand for. */
const OTHER_FOLDERS: Readonly<Record<string, string>> = {
  rules: 'rules',
  'rules-configs': 'rulesConfigs',
  hooks: 'hooks',
  pages: 'pages',
  emails: 'emailTemplates',
  guardian: 'guardianFactors',
  branding: 'branding',
  'phone-providers': 'phoneProviders',
  'phone-templates': 'phoneTemplates',
  prompts: 'prompts',
  'log-streams': 'logStreams',
  'custom-domains': 'customDomains',
  themes: 'themes',
  forms: 'forms',
  flows: 'flows',
  'flow-vault-connections': 'flowVaultConnections',
  'self-service-profiles': 'selfServiceProfiles',
  'network-acls': 'networkACLs',
  'user-attribute-profiles': 'userAttributeProfiles',
  'connection-profiles': 'connectionProfiles',
  'token-exchange-profiles': 'tokenExchangeProfiles',
  'supplemental-signals': 'supplementalSignals',
  'rate-limit-policies': 'rateLimitPolicies',
  'event-streams': 'eventStreams',
  'attack-protection': 'attackProtection',
  'risk-assessment': 'riskAssessment',
  organizations: 'organizations',
};

/**
 * The entries of a folder that is only counted: its JSON files (`emails/provider.json` is the e-mail
 * provider, not a template), or every visible name when it has none (e.g. `guardian/` holds folders).
 */
function entriesOf(folder: string, names: readonly string[]): string[] {
  const visible = names.filter((n) => !n.startsWith('.'));
  const json = visible.filter((n) => n.endsWith('.json') && !(folder === 'emails' && n === 'provider.json'));
  return json.length > 0 ? json : visible;
}

/** One JSON file of the directory, parsed, with its line lookup. */
interface JsonFile {
  file: string;
  data: unknown;
  lineOf: LineLookup;
}

/** A directory assembled into the YAML format's document, with a way back to each value's file and line. */
export interface DirectorySource {
  data: Record<string, unknown>;
  locate: Locate;
  warnings: string[];
}

/**
 * Reads a Deploy CLI directory into one document shaped like tenant.yaml, replacing keywords in each
 * file first, as the Deploy CLI does. Files are read in name order, as the Deploy CLI lists them; empty
 * objects (`{}`) are skipped as it skips them.
 *
 * @throws ConfigError `ERR_CONFIG_PARSE` naming each file that is not valid JSON (with its line), and
 *   `ERR_CONFIG_ENV_MISSING` for keywords without a value.
 */
export async function readDeployDirectory(
  dir: string,
  env: KeywordEnv,
  mappings: KeywordMappings,
): Promise<DirectorySource> {
  const data: Record<string, unknown> = {};
  const files = new Map<string, JsonFile[]>();
  const warnings: string[] = [];
  const broken: ConfigIssue[] = [];
  const read = async (file: string): Promise<JsonFile | undefined> => {
    try {
      return parseJsonFile(await readFile(file, 'utf8'), file, env, mappings);
    } catch (err) {
      if (err instanceof ConfigError && err.code === 'ERR_CONFIG_PARSE') {
        broken.push(...err.issues);
        return undefined;
      }
      throw err;
    }
  };

  const tenantFile = join(dir, 'tenant.json');
  if (await isFile(tenantFile)) {
    const tenant = await read(tenantFile);
    if (tenant !== undefined) {
      data.tenant = tenant.data;
      files.set('tenant', [tenant]);
    }
  }

  for (const name of (await readdir(dir)).sort()) {
    const path = join(dir, name);
    const section = ENTRY_FOLDERS[name];
    if (section !== undefined && (await isDirectory(path))) {
      const parsed = await readEntries(await jsonFilesIn(path), read);
      files.set(section, parsed);
      data[section] = parsed.map((f) => f.data);
    } else if (name === TRIGGERS_FOLDER && (await isDirectory(path))) {
      // The Deploy CLI reads the first JSON file of the folder.
      const [first] = await jsonFilesIn(path);
      const triggers = first === undefined ? undefined : await read(first);
      if (triggers !== undefined) {
        data.triggers = triggers.data;
        files.set('triggers', [triggers]);
      }
    } else if (name === DATABASE_FOLDER && (await isDirectory(path))) {
      const databases: string[] = [];
      for (const db of (await readdir(path)).sort()) {
        const meta = join(path, db, 'database.json');
        if (await isFile(meta)) databases.push(meta);
        else warnings.push(`${DATABASE_FOLDER}/${db}: no database.json, skipped (as the Deploy CLI skips it)`);
      }
      const parsed = await readEntries(databases, read);
      files.set('databases', parsed);
      data.databases = parsed.map((f) => f.data);
    } else if (OTHER_FOLDERS[name] !== undefined && (await isDirectory(path))) {
      // Only counted, never interpreted: one entry per JSON file (its HTML or code sits beside it).
      data[OTHER_FOLDERS[name]] = entriesOf(name, await readdir(path));
    } else if (name === SUPPLEMENTAL_SIGNALS_FILE) {
      const signals = await read(path);
      if (signals !== undefined) data.supplementalSignals = signals.data;
    } else if (name !== 'tenant.json' && !name.startsWith('.')) {
      warnings.push(`${name}: not a folder or file of the Deploy CLI directory format, ignored`);
    }
  }
  if (broken.length > 0) throw new ConfigError(broken, 'ERR_CONFIG_PARSE');

  const locate: Locate = (path: readonly PathSegment[]): FileLocation | undefined => {
    const [section, index, ...rest] = path;
    if (typeof section !== 'string') return undefined;
    const list = files.get(section);
    if (list === undefined) return undefined;
    if (section === 'tenant' || section === 'triggers') return at(list[0], path.slice(1));
    if (typeof index !== 'number') return undefined;
    return at(list[index], rest);
  };
  return { data, locate, warnings };
}

function at(file: JsonFile | undefined, path: PathSegment[]): FileLocation | undefined {
  if (file === undefined) return undefined;
  const line = file.lineOf(path);
  return line === undefined ? { file: file.file, path } : { file: file.file, path, line };
}

async function readEntries(
  paths: readonly string[],
  read: (file: string) => Promise<JsonFile | undefined>,
): Promise<JsonFile[]> {
  const out: JsonFile[] = [];
  for (const path of paths) {
    const parsed = await read(path);
    const empty =
      parsed !== undefined &&
      typeof parsed.data === 'object' &&
      parsed.data !== null &&
      Object.keys(parsed.data).length === 0;
    if (parsed !== undefined && !empty) out.push(parsed);
  }
  return out;
}

/**
 * Parses one JSON file after keyword replacement. JSON is checked with `JSON.parse` (so that a syntax
 * error is named as JSON), then read again as YAML, a superset of JSON, to map paths to the line of
 * their key.
 */
export function parseJsonFile(text: string, file: string, env: KeywordEnv, mappings: KeywordMappings): JsonFile {
  const replaced = replaceKeywords(text.replace(/^\uFEFF/, ''), file, env, mappings);
  try {
    JSON.parse(replaced);
  } catch (err) {
    throw new ConfigError([jsonSyntaxIssue((err as Error).message, file)], 'ERR_CONFIG_PARSE');
  }
  const yaml = parseYamlSource(replaced, file);
  return { file, data: yaml.data, lineOf: yaml.lineOf };
}

/**
 * The parser's message up to its position, never the part some messages end with that quotes the text
 * (`Unexpected token '}', "{"secret": …" is not valid JSON`): the text may hold a substituted secret.
 */
function jsonSyntaxIssue(message: string, file: string): ConfigIssue {
  const where = /line (\d+) column (\d+)/.exec(message);
  const what =
    /^(.*?) in JSON at position/.exec(message)?.[1] ?? /^Unexpected token '.'/.exec(message)?.[0] ?? 'unexpected text';
  return {
    file,
    path: where ? `line ${where[1]}` : '',
    message: `JSON syntax error${where ? ` at line ${where[1]}, column ${where[2]}` : ''}: ${what}`,
    fix: 'fix the JSON there (check commas, quotes and brackets; JSON allows no trailing commas or comments)',
  };
}

async function jsonFilesIn(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  return names.map((n) => join(dir, n));
}

async function isFile(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isFile() ?? false;
}

async function isDirectory(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined))?.isDirectory() ?? false;
}
