/** esbuild bundles `.resx` files as text (`loader: { '.resx': 'text' }` in previewBundle.ts). */
declare module '*.resx' {
  const text: string;
  export default text;
}
