// KEY=VALUE settings files (/etc/suiftly/suiftly.env), read the way systemd's EnvironmentFile reads
// them: comments and blank lines skipped, an optional `export `, optional surrounding quotes. Used
// by ecosystem.config.cjs (PM2) and scripts/smoke-start.mjs, so both see the same settings.
const fs = require("node:fs");

/** The file's settings; an absent file has none. */
function readEnvFile(file) {
  if (!fs.existsSync(file)) return {};
  const values = {};
  for (const raw of fs.readFileSync(file, "utf8").split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2].trim();
    if ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'"))) {
      value = value.slice(1, -1);
    }
    values[match[1]] = value;
  }
  return values;
}

module.exports = { readEnvFile };
