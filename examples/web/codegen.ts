// graphql-codegen: checks the operations in src/*.graphql against the
// server's schema (../../schema.graphql) and generates their TypeScript
// types plus the trusted-documents manifest into src/gql/ (not committed).
import type { CodegenConfig } from '@graphql-codegen/cli';

const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['src/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: {
        fragmentMasking: false,
        // Writes src/gql/persisted-documents.json ({ sha256: text }) and
        // replaces each document in the generated code by its hash
        // (document.__meta__.hash): the bundle carries no query text.
        persistedDocuments: { hashAlgorithm: 'sha256', mode: 'replaceDocumentWithHash' },
      },
      config: {
        // Documents are TypedDocumentString, not graphql-js ASTs: no
        // graphql runtime in the bundle.
        documentMode: 'string',
        onlyOperationTypes: true,
        enumsAsTypes: true,
        useTypeImports: true,
        // Date is YYYY-MM-DD, DateTime RFC 3339. A scalar not listed here
        // is typed `unknown`, so a new scalar does not break the client but
        // cannot be used without a decision.
        scalars: {
          Date: 'string',
          DateTime: 'string',
          UUID: 'string',
        },
        defaultScalarType: 'unknown',
      },
    },
  },
};

export default config;
