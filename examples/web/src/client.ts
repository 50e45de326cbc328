// A small typed GraphQL client for Hearth with trusted documents: it posts
// `{ documentId, variables }`, never the query text. The documents come from
// graphql-codegen (client preset, documentMode 'string', persistedDocuments
// with sha256): each is a TypedDocumentString whose text has been replaced
// by `__meta__.hash`, the key of the document in the manifest the server
// loads (HEARTH_SERVER__TRUSTED_DOCUMENTS).
import type { TypedDocumentString } from './gql/graphql';

/** One error of a GraphQL response (only what this client reads). */
export interface GraphQLErrorItem {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: { code?: string; [key: string]: unknown };
}

/** A GraphQL response with data: data where allowed, errors for the rest. */
export interface GraphQLResult<TResult> {
  data: TResult;
  errors: GraphQLErrorItem[];
}

/** The request could not be made or its answer was not GraphQL. */
export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(message: string, readonly status?: number, options?: ErrorOptions) {
    super(message, options);
  }
}

/** The response has errors and no data at all. */
export class GraphQLRequestError extends Error {
  override readonly name = 'GraphQLRequestError';
  constructor(readonly errors: GraphQLErrorItem[]) {
    super(errors.map((e) => (e.extensions?.code ? `${e.extensions.code}: ${e.message}` : e.message)).join('; '));
  }
}

export interface ClientOptions {
  /** The GraphQL endpoint, e.g. `http://127.0.0.1:8080/graphql`. */
  url: string;
  /** The access token for `Authorization: Bearer`, if logged in. */
  token?: () => string | null;
}

/** The variables argument: optional where the operation has no required ones. */
type VariablesArg<TVariables> =
  Record<string, never> extends TVariables ? [variables?: TVariables] : [variables: TVariables];

export function documentId<TResult, TVariables>(document: TypedDocumentString<TResult, TVariables>): string {
  const hash: unknown = document.__meta__?.['hash'];
  if (typeof hash !== 'string' || !/^[0-9a-f]{64}$/.test(hash)) {
    throw new Error('document has no sha256 hash: run codegen with persistedDocuments');
  }
  return hash;
}

export function createClient(options: ClientOptions) {
  /**
   * Runs one trusted document. Resolves with data and errors (data may be
   * partial: Hearth answers a refused field with null and an error);
   * rejects with TransportError when the request fails (network, CORS,
   * non-GraphQL answer) and with GraphQLRequestError when there is no data.
   */
  async function execute<TResult, TVariables>(
    document: TypedDocumentString<TResult, TVariables>,
    ...[variables]: VariablesArg<TVariables>
  ): Promise<GraphQLResult<TResult>> {
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      Accept: 'application/graphql-response+json, application/json',
    };
    const token = options.token?.();
    if (token) headers['Authorization'] = `Bearer ${token}`;

    let response: Response;
    try {
      response = await fetch(options.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ documentId: documentId(document), variables: variables ?? {} }),
        credentials: 'omit',
      });
    } catch (cause) {
      // A refused CORS preflight, an unreachable server or a dropped
      // connection all end here: the browser does not say which.
      throw new TransportError(`could not reach ${options.url}: ${String(cause)}`, undefined, { cause });
    }

    let body: unknown;
    try {
      body = await response.json();
    } catch (cause) {
      throw new TransportError(`HTTP ${response.status}: the answer is not JSON`, response.status, { cause });
    }
    if (typeof body !== 'object' || body === null || !('data' in body || 'errors' in body)) {
      throw new TransportError(`HTTP ${response.status}: the answer is not a GraphQL response`, response.status);
    }
    const result = body as { data?: TResult | null; errors?: GraphQLErrorItem[] };
    const errors = Array.isArray(result.errors) ? result.errors : [];
    if (result.data == null) {
      throw errors.length > 0
        ? new GraphQLRequestError(errors)
        : new TransportError(`HTTP ${response.status}: no data and no errors`, response.status);
    }
    return { data: result.data, errors };
  }

  return { execute };
}
