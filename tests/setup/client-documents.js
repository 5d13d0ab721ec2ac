// Starts the stand-in that serves clients' metadata documents
// (tests/standin/client-documents.mjs) for the runtime tests; the fixture
// fetches them because vitest.config.js sets CIMD_ALLOW_LOOPBACK.
import { startClientDocuments } from "../standin/client-documents.mjs";

export const CLIENT_DOCUMENTS_PORT = Number(process.env.AGENTS_CIMD_PORT ?? 8799);

export default async function setup() {
  const standin = await startClientDocuments(CLIENT_DOCUMENTS_PORT);
  return () => standin.stop();
}
