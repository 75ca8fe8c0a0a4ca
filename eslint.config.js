import js from '@eslint/js';
import graphqlPlugin from '@graphql-eslint/eslint-plugin';
import tseslint from 'typescript-eslint';

const API_SCHEMA = 'schema/api.graphql';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      'data/',
      '**/__generated__/',
      'app/dist/',
      'dist/',
      '.build-test-*/',
      'dist.next-*/',
      'bench/profiles/',
      'subgraphs/*/local/migrations/',
    ],
  },
  {
    files: ['**/*.{js,mjs,cjs,ts,mts,cts,tsx}'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  // The public API schema, as clients see it (composed from the subgraph SDLs by `npm run compose`).
  {
    files: [API_SCHEMA],
    languageOptions: { parser: graphqlPlugin.parser, parserOptions: { graphQLConfig: { schema: API_SCHEMA } } },
    plugins: { '@graphql-eslint': graphqlPlugin },
    rules: {
      ...graphqlPlugin.configs['flat/schema-recommended'].rules,
      // Stricter than recommended: every type, field, argument, input field and enum value is
      // documented, not only types and root fields.
      '@graphql-eslint/require-description': [
        'error',
        {
          types: true,
          rootField: true,
          DirectiveDefinition: true,
          FieldDefinition: true,
          InputValueDefinition: true,
          EnumValueDefinition: true,
        },
      ],
      '@graphql-eslint/naming-convention': [
        'error',
        {
          ...graphqlPlugin.configs['flat/schema-recommended'].rules['@graphql-eslint/naming-convention'][1],
          // `CreditType` is the registry's domain term (a Puro.earth credit type such as
          // C-BIOCHAR), not a "Type" suffix on a type name.
          'ObjectTypeDefinition,ObjectTypeExtension': {
            forbiddenPrefixes: ['Type'],
            forbiddenSuffixes: ['Type'],
            ignorePattern: '^CreditType$',
          },
        },
      ],
      '@graphql-eslint/strict-id-in-types': [
        'error',
        {
          exceptions: {
            // Relay connections and edges, and mutation payloads, are envelopes: their items carry the
            // ids; so are the events of subscriptions (`...Progress`, `...Update`).
            suffixes: ['Connection', 'Edge', 'Payload', 'Progress', 'Update'],
            // Values without an identity of their own: amounts, page information, errors, totals,
            // quotes, parts of a parent object, and feed entries (which name their product's id).
            // A credit type is identified by its Puro.earth `code`.
            types: [
              'Money',
              'Mass',
              'PageInfo',
              'UserError',
              'PaymentStats',
              'PaymentStatsTotals',
              'QuarterlyPaymentStats',
              'PaymentVolume',
              'OffsetQuote',
              'OffsetAllocation',
              'OffsetCertificate',
              'OffsetRetirementShare',
              'OrganizationMember',
              'SerialRange',
              'CreditType',
              'ResoldProductQuantity',
              'YearlySalesVolume',
              'ProductFootprint',
              'FootprintLandSplit',
              'ResoldProductChange',
              'ProductSupplierContact',
              'ProductSupplierEngagement',
              'SupplierLinkedProduct',
            ],
          },
        },
      ],
      // Off: `Product.productType` and `Order.orderHash` are published fields that keep the
      // upstream's names (CO2Trust `product_type`, `order_hash`); renaming them would break clients.
      '@graphql-eslint/no-typename-prefix': 'off',
    },
  },
);
