// The source of a same-origin `blob:` module that starts a worker script living on another origin (Shelf's
// files on a CDN). Used by the page for the engine worker and by the engine worker for its training worker.
// Plain string building: no DOM or Worker types here.

/**
 * The blob module's source. It loads the worker with a dynamic `import()`: a static import from a worker is
 * fetched as a *worker* (CSP `worker-src` would have to list Shelf's origin), a dynamic one as a *script*
 * (`script-src`, which lists it already for the loader). Messages that arrive before the worker has installed
 * its listener are held and re-dispatched; a failed import is re-thrown so the creator sees the worker's `error`.
 * @example new Blob([blobSource('https://cdn.example/sdk/shelf-engine.worker.js')], { type: 'text/javascript' })
 */
export function blobSource(absUrl: string): string {
  return (
    `const held=[],hold=(e)=>held.push(e);self.addEventListener("message",hold);` +
    `import(${JSON.stringify(absUrl)}).then(()=>{self.removeEventListener("message",hold);` +
    `for(const e of held)self.dispatchEvent(new MessageEvent("message",{data:e.data,ports:[...e.ports]}))},` +
    `(e)=>setTimeout(()=>{throw e}));`
  );
}
