/**
 * Checks the relative links of the Markdown docs: every linked file or folder exists, and every
 * `#anchor` names a heading of the page it points to (GitHub's heading ids). Web links are not
 * fetched. Run alone with `node --import tsx scripts/check-links.ts`; `test/docs.test.ts` runs it
 * in `npm test`.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One broken link: where it is, what it says, and why it is broken. */
export interface BrokenLink {
  readonly file: string;
  readonly line: number;
  readonly target: string;
  readonly problem: string;
}

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The repository's web address, from package.json (`https://github.com/<owner>/<name>`): links
 * to its files there (what a page shipped in the package must use for files it does not ship,
 * such as the examples) are checked against the checkout.
 */
function repositoryUrl(root: string): string | undefined {
  const pkgPath = join(root, 'package.json');
  if (!existsSync(pkgPath)) return undefined;
  const { repository } = JSON.parse(readFileSync(pkgPath, 'utf8')) as {
    repository?: string | { url?: string };
  };
  const url = typeof repository === 'string' ? repository : repository?.url;
  return url?.replace(/^git\+/, '').replace(/\.git$/, '');
}

/** The Markdown files checked: README.md, docs/**, examples/**; never the generated docs/api. */
export function markdownFiles(root = repoRoot): string[] {
  const files = [join(root, 'README.md'), join(root, 'CONTRIBUTING.md')];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (path !== join(root, 'docs', 'api') && entry.name !== 'node_modules') walk(path);
      } else if (entry.name.endsWith('.md')) files.push(path);
    }
  };
  walk(join(root, 'docs'));
  walk(join(root, 'examples'));
  return files.filter((f) => existsSync(f));
}

/** The text of a page with fenced code blocks blanked out (their line count kept). */
function withoutCodeBlocks(text: string): string {
  let fence: string | undefined;
  return text
    .split('\n')
    .map((line) => {
      const open = /^\s*(`{3,}|~{3,})/.exec(line);
      if (fence === undefined && open) {
        fence = open[1]?.[0];
        return '';
      }
      if (fence !== undefined) {
        if (line.trim().startsWith(fence.repeat(3))) fence = undefined;
        return '';
      }
      return line;
    })
    .join('\n');
}

/** GitHub's id for a heading: lower case, punctuation dropped, spaces to hyphens. */
export function headingId(heading: string): string {
  // Tags go only outside code spans: `<path>` in backticks is text, and keeps its letters.
  return heading
    .trim()
    .split(/(`[^`]*`)/)
    .map((part) =>
      part.startsWith('`')
        ? part.slice(1, -1)
        : part.replace(/\[([^\]]*)\]\([^)]*\)/g, '$1').replace(/<[^>]+>/g, ''),
    )
    .join('')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

const anchorCache = new Map<string, Set<string>>();

/** Every anchor a page offers: its headings' ids (duplicates get `-1`, `-2`, ...). */
export function anchorsOf(file: string): Set<string> {
  const cached = anchorCache.get(file);
  if (cached) return cached;
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of withoutCodeBlocks(readFileSync(file, 'utf8')).split('\n')) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    const html = line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g);
    for (const m of html) if (m[1]) anchors.add(m[1]);
    if (!heading?.[1]) continue;
    const id = headingId(heading[1]);
    const n = seen.get(id) ?? 0;
    seen.set(id, n + 1);
    anchors.add(n === 0 ? id : `${id}-${n}`);
  }
  anchorCache.set(file, anchors);
  return anchors;
}

/** The broken relative links and anchors of one Markdown file. */
export function checkFile(file: string, root = repoRoot): BrokenLink[] {
  const broken: BrokenLink[] = [];
  const repo = repositoryUrl(root);
  const lines = withoutCodeBlocks(readFileSync(file, 'utf8')).split('\n');
  lines.forEach((raw, index) => {
    const line = raw.replace(/`[^`]*`/g, '');
    const targets = [
      ...[...line.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]),
      ...[...line.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/g)].map((m) => m[1]),
    ];
    for (const raw of targets) {
      if (!raw) continue;
      // A link to a file of this repository on the web is checked as the file it names.
      const inRepo = repo ? new RegExp(`^${repo}/(?:tree|blob)/[^/]+/(.*)$`).exec(raw) : null;
      if (!inRepo && /^[a-z][a-z0-9+.-]*:/i.test(raw)) continue; // http:, mailto:, ...
      const target = inRepo ? `/${inRepo[1] ?? ''}` : raw;
      const at = { file: relative(root, file), line: index + 1, target: raw };
      const [pathPart = '', anchor] = target.split('#', 2);
      const path =
        pathPart === ''
          ? file
          : inRepo
            ? join(root, decodeURI(pathPart))
            : resolve(dirname(file), decodeURI(pathPart));
      if (!existsSync(path)) {
        broken.push({ ...at, problem: `no file or folder ${relative(root, path)}` });
        continue;
      }
      if (anchor === undefined || anchor === '') continue;
      if (statSync(path).isDirectory() || !path.endsWith('.md')) {
        broken.push({ ...at, problem: 'an anchor on something that is not a Markdown page' });
      } else if (!anchorsOf(path).has(anchor)) {
        broken.push({ ...at, problem: `no heading #${anchor} in ${relative(root, path)}` });
      }
    }
  });
  return broken;
}

/** Every broken link of the docs. */
export function checkLinks(root = repoRoot): BrokenLink[] {
  anchorCache.clear();
  return markdownFiles(root).flatMap((file) => checkFile(file, root));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const broken = checkLinks();
  for (const b of broken) console.error(`${b.file}:${b.line}: ${b.target}: ${b.problem}`);
  console.log(`${markdownFiles().length} pages checked, ${broken.length} broken link(s)`);
  process.exitCode = broken.length === 0 ? 0 : 1;
}
