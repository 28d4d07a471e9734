// The operator dashboard: reads GET /v1/admin/dashboard with the admin bearer token (kept in this tab's
// sessionStorage only), draws the plots, lists versions with their lineage, and makes a version current
// (roll back or forward) through the admin API's POST /v1/admin/models/:name/current.
import { drawAll, type DashboardData } from './charts.js';

interface Dashboard extends DashboardData {
  model: string;
  current: number;
}

const TOKEN_KEY = 'shelf-admin-token';
const tokenInput = document.querySelector<HTMLInputElement>('#token')!;
const errorEl = document.querySelector<HTMLElement>('#login-error')!;

async function api<T>(method: string, url: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${sessionStorage.getItem(TOKEN_KEY) ?? ''}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const json = (await res.json().catch(() => ({}))) as T & { message?: string };
  if (!res.ok) throw new Error(json.message ?? `HTTP ${res.status}`);
  return json;
}

const cell = (text: string) => {
  const td = document.createElement('td');
  td.textContent = text;
  return td;
};

function tile(label: string, value: string): HTMLElement {
  const d = document.createElement('div');
  d.className = 'tile';
  const b = document.createElement('b');
  b.textContent = value;
  d.append(b, label);
  return d;
}

async function load(): Promise<void> {
  const d = await api<Dashboard>('GET', '/v1/admin/dashboard');
  document.querySelector<HTMLElement>('#login')!.hidden = true;
  errorEl.textContent = '';
  document.querySelector<HTMLElement>('#dash')!.hidden = false;
  const last = d.rounds.at(-1);
  const q = d.quality.filter((x) => x.version === d.current);
  document.querySelector('#summary')!.replaceChildren(
    tile('model', `${d.model} v${d.current}`),
    tile('versions', String(d.versions.length)),
    tile('published rounds', String(d.rounds.length)),
    tile('ε spent', last?.epsilon != null ? last.epsilon.toFixed(2) : '–'),
    tile('updates measured', String(d.norms.reduce((n, b) => n + b.count, 0))),
    tile(q.length ? `${q[0]!.metric}, current version` : 'quality of current (no figures yet)', q.length ? q[0]!.value.toFixed(3) : '–'),
  );
  const tbody = document.querySelector('#versions tbody')!;
  tbody.replaceChildren(
    ...d.versions.map((v) => {
      const tr = document.createElement('tr');
      tr.dataset['version'] = String(v.version);
      if (v.current) tr.className = 'current';
      tr.append(
        cell(`v${v.version}${v.current ? ' (current)' : ''}`),
        cell(v.parent ? `v${v.parent}` : '–'),
        cell(v.kind),
        cell(v.round !== null ? String(v.round) : '–'),
        cell(String(v.updates)),
        cell(v.examples === null ? '—' : String(v.examples)),
        cell(v.epsilon !== null ? v.epsilon.toFixed(3) : '–'),
        cell(new Date(v.createdAt).toLocaleString()),
      );
      const td = document.createElement('td');
      if (!v.current) {
        const b = document.createElement('button');
        b.type = 'button';
        b.textContent = v.version < d.current ? 'Roll back to this' : 'Make current';
        b.dataset['action'] = 'set-current';
        b.addEventListener('click', async () => {
          if (!confirm(`Make ${d.model} v${v.version} the current version? Every page switches to it at its next check.`)) return;
          const out = document.querySelector('#action-result')!;
          try {
            const r = await api<{ previous: number; current: number }>('POST', `/v1/admin/models/${encodeURIComponent(d.model)}/current`, { version: v.version });
            out.textContent = `Current version changed from v${r.previous} to v${r.current}.`;
          } catch (err) {
            out.textContent = `Failed: ${err instanceof Error ? err.message : String(err)}`;
          }
          await load();
        });
        td.append(b);
      }
      tr.append(td);
      return tr;
    }),
  );
  await drawAll(d);
  document.body.dataset['ready'] = 'true';
}

document.querySelector<HTMLFormElement>('#login')!.addEventListener('submit', (e) => {
  e.preventDefault();
  sessionStorage.setItem(TOKEN_KEY, tokenInput.value.trim());
  load().catch((err: unknown) => (errorEl.textContent = err instanceof Error ? err.message : String(err)));
});

if (sessionStorage.getItem(TOKEN_KEY)) {
  load().catch((err: unknown) => {
    sessionStorage.removeItem(TOKEN_KEY);
    errorEl.textContent = err instanceof Error ? err.message : String(err);
  });
}
Object.assign(window, { shelfDashboard: { reload: load } });
