import type { Config } from "@react-router/dev/config";

export default {
  // Every page is server-rendered; forms work without JavaScript (spec §4).
  ssr: true,
} satisfies Config;
