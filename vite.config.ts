import { reactRouter } from "@react-router/dev/vite";
import tailwindcss from "@tailwindcss/vite";
import { defineConfig } from "vite";

export default defineConfig({
  // The server bundle's entry is our HTTP app (server/app.ts), which wraps React Router's
  // server build; React Router reads this input from the ssr environment.
  environments: {
    ssr: { build: { rollupOptions: { input: "./server/app.ts" } } },
  },
  plugins: [tailwindcss(), reactRouter()],
  server: { port: Number(process.env.PORT ?? 5173) },
});
