// Generates the inline snippet a shop pastes into its pages (Segment/gtag style): a stub `window.shelf` that
// queues calls (each returns a Promise, settled when the SDK replays it) and loads the loader asynchronously.
// A second copy of the snippet on the same page does nothing. Pure string work: no DOM, runs in Node.
import { GLOBAL_NAME, QUEUED_METHODS } from './methods.js';

export interface SnippetOptions {
  /** Absolute (or root-relative) URL of `shelf-loader.js`. */
  loaderUrl: string;
  /** Subresource Integrity of the loader (`sha384-…`), from `dist/sdk/manifest.json`. */
  integrity?: string;
  /** Options for `shelf.init(…)`, written into the snippet as JSON; omit to call init yourself. */
  init?: Record<string, unknown>;
}

/**
 * The snippet's JavaScript (put it inside a `<script>` tag, with your CSP nonce if you use one).
 * The stub copies the nonce of the script it runs in onto the loader's script tag.
 * @example buildSnippet({ loaderUrl: 'https://cdn.example/sdk/shelf-loader.js', integrity: 'sha384-…', init: {} })
 */
export function buildSnippet(options: SnippetOptions): string {
  const methods = JSON.stringify(QUEUED_METHODS);
  const stub =
    `!function(w,d,u,i){var s=w.${GLOBAL_NAME}=w.${GLOBAL_NAME}||[];if(s.initialized||s.invoked)return;s.invoked=!0;` +
    `s.methods=${methods};s.factory=function(m){return function(){var a=[].slice.call(arguments);` +
    `return new Promise(function(r){s.push([m,a,r])})}};for(var k=0;k<s.methods.length;k++)s[s.methods[k]]=s.factory(s.methods[k]);` +
    `var t=d.createElement("script"),c=d.currentScript;t.async=!0;t.src=u;t.crossOrigin="anonymous";if(i)t.integrity=i;` +
    `if(c&&c.nonce)t.nonce=c.nonce;t.onerror=function(){s.failed=!0;for(var j=0;j<s.length;j++)s[j]&&s[j][2]&&s[j][2]()};` +
    `(d.head||d.documentElement).appendChild(t)}(window,document,${JSON.stringify(options.loaderUrl)},${JSON.stringify(options.integrity ?? '')});`;
  return options.init ? `${stub}\n${GLOBAL_NAME}.init(${JSON.stringify(options.init)});` : stub;
}

/** The snippet wrapped in a script tag, with an optional CSP nonce. */
export function buildSnippetTag(options: SnippetOptions & { nonce?: string }): string {
  const nonce = options.nonce ? ` nonce="${options.nonce.replace(/[^A-Za-z0-9+/=_-]/g, '')}"` : '';
  return `<script${nonce}>\n${buildSnippet(options).replace(/<\/(script)/gi, '<\\/$1')}\n</script>`;
}
