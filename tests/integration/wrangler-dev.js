// Starts `wrangler dev` for the demo worker on a loopback port for the
// integration tests, and stops it (by PID) afterwards. AGENTS_DEV_PORT
// overrides the port.
import { startWrangler } from "../../bench/lib/server.mjs";

const port = Number(process.env.AGENTS_DEV_PORT ?? 8790);

export default async function setup({ provide }) {
  const server = await startWrangler({ cwd: new URL("../..", import.meta.url).pathname, port });
  provide("baseUrl", server.url);
  return () => server.stop();
}
