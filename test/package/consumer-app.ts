/**
 * A fresh app that installs the packed package from its tarball, as a user's would: its own
 * `package.json` (ESM or CommonJS), `npm install` of the tarball and of the peers it uses, a
 * program that imports every public export, compiled with `skipLibCheck: false`.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { exec, npm, ROOT } from './stage.ts';

/** The TypeScript compilers the consumers' programs are checked with. */
export const COMPILERS = {
  'typescript 5.9': join(ROOT, 'node_modules/typescript/bin/tsc'),
  'typescript 6': join(ROOT, 'node_modules/typescript-6/bin/tsc'),
} as const;

/** `name@version` of a package as the checkout installed it (so the npm cache has it). */
export function installed(name: string): string {
  const pkg = JSON.parse(
    readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8'),
  ) as { version: string };
  return `${name}@${pkg.version}`;
}

export interface ConsumerApp {
  readonly dir: string;
  readonly type: 'module' | 'commonjs';
}

/**
 * Makes `<parent>/<name>` with a `package.json` of the given `type` and installs `specs` (the
 * tarball, `xstate@...`, ...) into it, from the npm cache where it can.
 */
export async function createApp(
  parent: string,
  name: string,
  type: 'module' | 'commonjs',
  specs: readonly string[],
): Promise<ConsumerApp> {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name, version: '1.0.0', private: true, type }, null, 2)}\n`,
  );
  await npm(
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--no-package-lock',
      ...specs,
    ],
    dir,
  );
  return { dir, type };
}

/** The names one entry point exports, read from its declaration file. */
export interface EntryExports {
  readonly values: readonly string[];
  readonly types: readonly string[];
}

/**
 * Lists what a declaration file exports: `export { a, type B } from ...`, exported
 * declarations, and what `export * from './x.ts'` brings from the file next to it.
 */
export function exportsOf(dts: string): EntryExports {
  const file = ts.createSourceFile(dts, readFileSync(dts, 'utf8'), ts.ScriptTarget.ES2022);
  const values: string[] = [];
  const types: string[] = [];
  const exported = (node: ts.Node) =>
    ts.canHaveModifiers(node) &&
    (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);
  for (const node of file.statements) {
    if (ts.isExportDeclaration(node)) {
      if (!node.exportClause) {
        // `export * from './x.ts'`: what the declaration file next to it exports.
        const from = (node.moduleSpecifier as ts.StringLiteral).text;
        if (!from.startsWith('.'))
          throw new Error(`${dts}: cannot list \`export * from '${from}'\`.`);
        const inner = exportsOf(join(dirname(dts), from.replace(/\.[cm]?[jt]s$/, '.d.ts')));
        (node.isTypeOnly ? types : values).push(...inner.values);
        types.push(...inner.types);
        continue;
      }
      if (ts.isNamespaceExport(node.exportClause)) {
        (node.isTypeOnly ? types : values).push(node.exportClause.name.text);
        continue;
      }
      for (const element of node.exportClause.elements) {
        (node.isTypeOnly || element.isTypeOnly ? types : values).push(element.name.text);
      }
    } else if (exported(node)) {
      if (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) {
        types.push(node.name.text);
      } else if (ts.isVariableStatement(node)) {
        for (const d of node.declarationList.declarations) values.push(d.name.getText(file));
      } else if (
        (ts.isFunctionDeclaration(node) ||
          ts.isClassDeclaration(node) ||
          ts.isEnumDeclaration(node)) &&
        node.name
      ) {
        values.push(node.name.text);
      }
    }
  }
  return { values: [...new Set(values)], types: [...new Set(types)] };
}

/**
 * The source of a module that imports every export of `entries` (specifier → exports), each
 * under an alias that names its entry, re-exports the types and collects the values in
 * `exportedValues` (`"<specifier>#<name>"` → the value).
 */
export function importEverything(entries: Readonly<Record<string, EntryExports>>): string {
  const lines: string[] = [];
  const values: string[] = [];
  const types: string[] = [];
  let n = 0;
  for (const [specifier, { values: v, types: t }] of Object.entries(entries)) {
    n += 1;
    const alias = (name: string) => `e${n}_${name}`;
    const names = [...v.map((name) => `${name} as ${alias(name)}`)];
    names.push(...t.map((name) => `type ${name} as ${alias(name)}`));
    lines.push(`import {\n  ${names.join(',\n  ')},\n} from '${specifier}';`);
    values.push(...v.map((name) => `  '${specifier}#${name}': ${alias(name)},`));
    types.push(...t.map(alias));
  }
  lines.push(
    `export const exportedValues: Record<string, unknown> = {\n${values.join('\n')}\n};`,
    `export type { ${types.join(', ')} };`,
  );
  return `${lines.join('\n')}\n`;
}

/** Writes `tsconfig.json` for the app: the compiler's defaults a strict user keeps. */
export function writeTsconfig(app: ConsumerApp, files: readonly string[]): void {
  writeFileSync(
    join(app.dir, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'nodenext',
          moduleResolution: 'nodenext',
          strict: true,
          skipLibCheck: false,
          types: ['node'],
          outDir: 'out',
        },
        files,
      },
      null,
      2,
    )}\n`,
  );
}

/**
 * Compiles the app with `compiler`; `emit: false` only type-checks. Rejects with every
 * diagnostic when there is one.
 */
export async function compile(app: ConsumerApp, compiler: string, emit: boolean): Promise<void> {
  await exec(
    process.execPath,
    [compiler, '-p', 'tsconfig.json', '--pretty', 'false', ...(emit ? [] : ['--noEmit'])],
    app.dir,
  );
}
