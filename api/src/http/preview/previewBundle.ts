/**
 * The preview page's browser bundle: `preview-client.tsx` and what it imports (the PendingStubs
 * components from `pcf-control/`, React 16.14, ReactDOM, Fluent UI 8 from node_modules), bundled by
 * esbuild's JS API in memory. Unlike the PCF production bundle, React and Fluent are bundled here: the
 * page has no platform to provide them. Built once, on the first request, and kept.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';

export interface PreviewBundle {
  code: string;
  /** Strong ETag of `code`. */
  etag: string;
}

export const PREVIEW_CLIENT_ENTRY = join(__dirname, 'preview-client.tsx');
/** Where `npm run build` writes the bundle in `dist/` (React and the controls' sources are not there). */
export const PREBUILT_PREVIEW_BUNDLE = join(__dirname, 'preview-client.js');

export async function buildPreviewBundle(): Promise<PreviewBundle> {
  const code = existsSync(PREBUILT_PREVIEW_BUNDLE) ? readFileSync(PREBUILT_PREVIEW_BUNDLE, 'utf8') : await bundlePreviewClient();
  return { code, etag: `"${createHash('sha256').update(code).digest('base64url').slice(0, 27)}"` };
}

/** Bundles `preview-client.tsx` with esbuild (from the sources; `npm run build` writes its output). */
export async function bundlePreviewClient(): Promise<string> {
  // esbuild starts its service process only here, on the first request for the page.
  const result = await build({
    entryPoints: [PREVIEW_CLIENT_ENTRY],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['es2020'],
    minify: true,
    legalComments: 'none',
    jsx: 'transform',
    define: { 'process.env.NODE_ENV': '"production"' },
    // The control's own .resx (1033) is the source of every string the components show.
    loader: { '.resx': 'text' },
    logLevel: 'silent',
  });
  const output = result.outputFiles[0];
  if (!output) throw new Error('esbuild produced no output for the preview page');
  return output.text;
}

/** `buildPreviewBundle` once; a failed build is retried on the next request. */
export function cachedPreviewBundle(bundle: () => Promise<PreviewBundle> = buildPreviewBundle): () => Promise<PreviewBundle> {
  let pending: Promise<PreviewBundle> | undefined;
  return () => {
    pending ??= bundle().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
