// The operations of this example as typed functions. Their documents are
// generated from operations.graphql; a schema change that breaks one of
// them fails `npm run typecheck` (codegen validates, tsc checks the use).
import {
  AccessReportDocument,
  CaseworkerChildrenDocument,
  LoginDocument,
  PlacementDocument,
} from './gql/graphql';
import type {
  AccessReportQuery,
  CaseworkerChildrenQuery,
  LoginMutation,
  PlacementQuery,
} from './gql/graphql';
import { createClient, GraphQLRequestError } from './client';

export type Session = LoginMutation['login'];
export type ChildRow = CaseworkerChildrenQuery['children']['edges'][number]['node'];
export type PlacementDetails = NonNullable<PlacementQuery['placement']>;
export type AccessEvent = AccessReportQuery['accessReport'][number];

export function createApi(url: string) {
  let accessToken: string | null = null;
  const { execute } = createClient({ url, token: () => accessToken });

  return {
    async login(username: string, password: string): Promise<Session> {
      const { data } = await execute(LoginDocument, { username, password });
      // Kept in memory only: a reload logs out.
      accessToken = data.login.accessToken;
      return data.login;
    },

    logout(): void {
      accessToken = null;
    },

    /** The caller's children; `errors` lists fields refused. */
    async children(first = 50) {
      const { data, errors } = await execute(CaseworkerChildrenDocument, { first });
      return { total: data.children.totalCount, rows: data.children.edges.map((e) => e.node), errors };
    },

    async placement(id: string): Promise<PlacementDetails> {
      const { data, errors } = await execute(PlacementDocument, { id });
      if (!data.placement) {
        throw errors.length > 0 ? new GraphQLRequestError(errors) : new Error(`no placement ${id}`);
      }
      return data.placement;
    },

    async accessReport(childId: string, first = 100, afterSequence?: number): Promise<AccessEvent[]> {
      const { data } = await execute(AccessReportDocument, { childId, first, afterSequence: afterSequence ?? null });
      return data.accessReport;
    },
  };
}
