/// <reference types="vitest/config" />
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// Served by `tessera serve` under /console; Vite's dev server proxies the API and the CSV
// exports and card images to a running Tessera (TESSERA_API, default http://127.0.0.1:8000).
const api = process.env.TESSERA_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  base: "/console/",
  plugins: [react()],
  build: {
    outDir: "dist",
    // Hashed names: the server sends them with a year-long immutable cache.
    assetsDir: "assets",
    sourcemap: false,
  },
  server: {
    proxy: { "/graphql": api, "/exports": api, "/cards": api },
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test-setup.ts"],
  },
});
