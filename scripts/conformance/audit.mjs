// GraphQL over HTTP conformance: runs graphql-http's server audit against a
// running Hearth and fails unless every MUST and SHOULD passes. MAY audits
// that fail are listed as notices and do not fail the run.
// Usage: node audit.mjs http://127.0.0.1:8080/graphql
import { auditServer } from 'graphql-http';

const url = process.argv[2] ?? 'http://127.0.0.1:8080/graphql';
const results = await auditServer({ url });
let failed = 0;
const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const r of results) {
  counts[r.status] += 1;
  if (r.status === 'ok') continue;
  if (r.status !== 'notice') failed += 1;
  let body = '';
  try {
    body = await r.response.text();
  } catch {
    body = '(body not readable)';
  }
  console.log(`${r.status.toUpperCase()} ${r.name}: ${r.reason}\n    ${r.response.status} ${r.response.headers.get('content-type')} ${body.slice(0, 300)}`);
}
console.log(`${results.length} audits: ${counts.ok} ok, ${counts.notice} MAY not done, ${counts.warn} SHOULD failed, ${counts.error} MUST failed`);
process.exit(failed === 0 ? 0 : 1);
