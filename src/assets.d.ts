// Vite's `?worker&url` import, typed for the page build without pulling vite's client types.
declare module '*?worker&url' {
  const url: string;
  export default url;
}
