/**
 * Imported first by `preview-client.tsx`, so it runs before Fluent UI's modules: no web fonts from
 * Microsoft's CDN (Fluent registers them by default; the page's CSP allows fonts from 'self' only, and
 * the preview must work offline). Text falls back to the system's Segoe UI / sans-serif.
 */
(globalThis as unknown as { FabricConfig?: Record<string, unknown> }).FabricConfig = {
  ...(globalThis as unknown as { FabricConfig?: Record<string, unknown> }).FabricConfig,
  fontBaseUrl: '',
};

export {};
