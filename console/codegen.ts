// GraphQL Code Generator: the types of the contract's schema and a typed document for every
// operation under frontend-contract/operations/. The console imports its operations only from
// the generated file, so it can send nothing the contract does not hold.
import type { CodegenConfig } from "@graphql-codegen/cli";

const config: CodegenConfig = {
  schema: "../frontend-contract/schema.graphql",
  documents: "../frontend-contract/operations/**/*.graphql",
  generates: {
    "src/generated/graphql.ts": {
      plugins: ["typescript-operations", "typed-document-node"],
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        avoidOptionals: { field: true, inputValue: false, object: true },
        scalars: {
          DateTime: "string",
          Date: "string",
          JSON: "unknown",
          BigInt: "number",
          Money: "number",
          Decimal: "string",
        },
      },
    },
  },
};

export default config;
