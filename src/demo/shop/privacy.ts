// The privacy side of the storefront: the consent banner (Shelf is opt-in here: `consentDefault: 'denied'`),
// and the panel that shows what Shelf stores on this device — the event log (`shelf.events()`), the model
// version and backend, the updates sent and when — with a "forget me" button (`shelf.forget()`).
// Reads only through the public SDK; never reads IndexedDB itself.
import { product } from './catalog.js';
import { shelf } from './sdk.js';
import { consentText, modeText } from './words.js';

/** Updates sent while this page was open, newest first: from "Train & upload now", or noticed in the engine's count. */
const sent: { at: number; text: string }[] = [];
let knownUploads: number | null = null;

/** Notes updates the engine sent by itself since the last look (called after each page render). */
export async function noteUploads(): Promise<void> {
  const n = (await shelf().status()).engine?.uploads ?? null;
  if (n === null) return;
  if (knownUploads !== null && n > knownUploads) sent.unshift({ at: Date.now(), text: `the engine sent ${n - knownUploads} update(s) by itself (after local training)` });
  knownUploads = n;
}

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, cls?: string): HTMLElementTagNameMap[K] => {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
};

/** Shows the banner when the visitor has not chosen yet (the SDK remembers a choice in localStorage). */
export async function consentBanner(onChange: () => void): Promise<void> {
  const banner = document.querySelector<HTMLElement>('#consent')!;
  const s = await shelf().status();
  banner.hidden = !(s.consent === 'denied' && s.consentSource === 'default' && s.mode !== 'forgotten');
  banner.querySelector('#consent-yes')!.addEventListener('click', async () => {
    banner.hidden = true;
    await shelf().consent('granted');
    onChange();
  });
  banner.querySelector('#consent-no')!.addEventListener('click', async () => {
    banner.hidden = true;
    await shelf().consent('denied');
    onChange();
  });
}

const time = (ms: number) => new Date(ms).toLocaleTimeString();

/** Fills the panel from the SDK's status and stored events. */
export async function renderPrivacy(onChange: () => void): Promise<void> {
  const panel = document.querySelector<HTMLElement>('#privacy-body')!;
  const s = await shelf().status();
  const e = s.engine;
  const events = await shelf().events(200);
  const rows: [string, string][] = [
    ['Consent', consentText(s)],
    ['Shelf', modeText(s)],
    ['Model', e ? `${e.model} v${e.modelVersion ?? '–'} on ${e.backend ?? 'no backend'}` : '–'],
    ['Events stored here', e ? String(e.events) : '0'],
    ['Local training steps', e?.trainedSteps !== undefined ? String(e.trainedSteps) : '–'],
    ['Model updates sent', e ? `${e.uploads} (clipped weight differences with this device's share of noise, split between two servers so neither sees them; no item ids, no events)` : '0'],
  ];
  const dl = el('dl', undefined, 'facts');
  for (const [k, v] of rows) dl.append(el('dt', k), el('dd', v));

  const log = el('table', undefined, 'events');
  log.id = 'privacy-events';
  const head = el('tr');
  head.append(el('th', 'time'), el('th', 'event'), el('th', 'item'));
  log.append(head);
  for (const ev of [...events].reverse().slice(0, 50)) {
    const tr = el('tr');
    const name = ev.type === 'view_item_list' ? `list ${ev.listId ?? ev.itemId} (${ev.shownIds?.length ?? 0} shown)` : (product(ev.itemId)?.title ?? ev.itemId);
    tr.append(el('td', time(ev.at)), el('td', ev.type), el('td', name));
    log.append(tr);
  }
  const upload = el('button', 'Train & upload now');
  upload.type = 'button';
  upload.id = 'upload-now';
  upload.disabled = s.mode !== 'worker';
  upload.addEventListener('click', async () => {
    const r = await shelf().flush();
    sent.unshift({
      at: Date.now(),
      text: !r ? 'not sent: Shelf is not running' : r.uploaded ? `sent an update from ${r.examples} examples${r.published ? `; the server published v${r.published}` : ''}` : `not sent: ${(r.reason ?? 'nothing to send').replaceAll('_', ' ')}`,
    });
    knownUploads = (await shelf().status()).engine?.uploads ?? knownUploads;
    await renderPrivacy(onChange);
  });
  const sentList = el('ul', undefined, 'sent');
  for (const x of sent) sentList.append(el('li', `${time(x.at)}: ${x.text}`));

  const forget = el('button', 'Forget me', 'danger');
  forget.type = 'button';
  forget.id = 'forget-me';
  forget.disabled = s.mode === 'forgotten';
  forget.addEventListener('click', async () => {
    await shelf().forget();
    sent.length = 0;
    onChange();
  });
  const note = el(
    'p',
    s.mode === 'forgotten'
      ? 'Everything Shelf kept on this device was deleted (events, model, consent choice). Shelf is off on this page; reload to be asked again.'
      : 'All of this lives in this browser (IndexedDB) and never leaves it. The "why" under each card names your recent events in the same category or brand: our reading of the model, which scores products from the vectors of your recent events.',
    'note',
  );
  panel.replaceChildren(dl, el('h4', `Event log (newest first, ${events.length})`), log, el('h4', 'Updates sent while this page was open'), sentList, upload, forget, note);
}
