// Vite's `?url` imports, typed for the worker build without pulling vite's DOM-facing client types.
declare module '*.wasm?url' {
  const url: string;
  export default url;
}

declare module '*?worker&url' {
  const url: string;
  export default url;
}
