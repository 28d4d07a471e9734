// What benchmark scripts write into docs/: one '## <heading>' section of a markdown file replaced in place, and
// vega-lite charts rendered to SVG without a browser.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as vega from 'vega';
import * as vl from 'vega-lite';

/** Replaces (or appends) the `## <heading>` section of a markdown file, leaving every other section alone. */
export function writeDocSection(path: string, heading: string, section: string): void {
  const existing = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n\n';
  const escaped = heading.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const start = existing.search(new RegExp(`^## ${escaped}\\s*$`, 'm'));
  let next: string;
  if (start < 0) {
    next = existing.replace(/\n*$/, '\n\n') + section;
  } else {
    const rest = existing.slice(start + 1);
    const endRel = rest.search(/^## /m);
    const end = endRel < 0 ? existing.length : start + 1 + endRel;
    next = existing.slice(0, start) + section + (end < existing.length ? '\n' + existing.slice(end) : '');
  }
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, next);
}

/** Renders a vega-lite spec to an SVG file. */
export async function writeSvg(spec: vl.TopLevelSpec, path: string): Promise<void> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, svg);
}
