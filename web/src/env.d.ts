/** Vite bundles the stylesheet imported by main.tsx; TypeScript only needs to know such imports exist. */
declare module '*.css';
